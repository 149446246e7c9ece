"""The processor's confirmation file, read and checked whole before anything is written.

A processor sends back which requests it confirmed, on which day, and (when it knows) the delivery
date: one line per request, columns `ordernummer`, `bevestigd_op` and optionally `leverdatum` (English
names are accepted too). Files come from spreadsheets: UTF-8 with or without a byte-order mark,
UTF-16, or Windows-1252 from Excel; `;`, `,` or tab between fields; quoted fields; blank lines. All of
that is read. What is not understood (an unknown or missing column, a line that does not parse, an
order that is not at the processor) is an error naming the line, and one error stops the whole file:
a half-imported file is worse than none, because no one knows which half.

Pure: bytes in, checked lines out. Reading the file, looking the requests up in the CRM and writing
the confirmations are the caller's.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from charset_normalizer import from_bytes

from tribe_sync.domain.counts import counted
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "COLUMNS",
    "CONFIRMABLE",
    "EMPTY_FILE",
    "HEADER_ONLY",
    "CheckedFile",
    "Column",
    "ConfirmationLine",
    "Decision",
    "FileError",
    "ParsedFile",
    "Verdict",
    "check_confirmations",
    "decode",
    "order_numbers",
    "parse_confirmations",
    "parse_date",
    "problems_count",
    "read_confirmation_file",
]


class Column(StrEnum):
    ORDER = "ordernummer"
    CONFIRMED = "bevestigd_op"
    DELIVERY = "leverdatum"


# Every accepted spelling of each column, compared after lower-casing and trimming.
COLUMNS: Mapping[Column, tuple[str, ...]] = {
    Column.ORDER: ("ordernummer", "order_number", "order number", "order", "ordernr"),
    Column.CONFIRMED: ("bevestigd_op", "bevestigd op", "confirmed_on", "confirmed on", "confirmed"),
    Column.DELIVERY: ("leverdatum", "delivery_date", "delivery date"),
}
REQUIRED = (Column.ORDER, Column.CONFIRMED)
CONFIRMABLE = (RequestStatus.AT_PROCESSOR, RequestStatus.AWAITING_DELIVERY_DATE)
_DELIMITERS = (";", ",", "\t")
_SEP_LINE = re.compile(r'"?sep=([;,\t|])"?', re.IGNORECASE)
# Encodings a processor's spreadsheet plausibly writes; detection chooses among these only.
_ENCODINGS = ["utf_8", "utf_16", "cp1252"]


EMPTY_FILE = (
    "het bestand is leeg; verwacht wordt een kopregel ordernummer;bevestigd_op (eventueel met "
    ";leverdatum) en daaronder één regel per bevestigde aanvraag"
)
HEADER_ONLY = "het bestand heeft alleen een kopregel, zonder regels met bevestigingen eronder"


def problems_count(count: int) -> str:
    """`1 probleem`, `2 problemen`: the count staff read above the list of what is wrong."""
    return counted(count, "probleem", "problemen")


@dataclass(frozen=True)
class FileError:
    """What is wrong, and where: `line` is the file's line number (1 is the header), None for the file."""

    line: int | None
    message: str
    order_number: str | None = None

    def __str__(self) -> str:
        return f"regel {self.line}: {self.message}" if self.line is not None else self.message

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "order_number": self.order_number, "message": self.message}


@dataclass(frozen=True)
class ConfirmationLine:
    """One line of the file as read; `confirmed_on` is None when its date did not parse (an error)."""

    line: int
    order_number: str
    confirmed_on: dt.date | None
    delivery_date: dt.date | None


@dataclass(frozen=True)
class ParsedFile:
    encoding: str
    delimiter: str
    lines: tuple[ConfirmationLine, ...] = ()
    errors: tuple[FileError, ...] = ()


class Verdict(StrEnum):
    RECORD = "record"  # new, or newer than what the CRM holds
    UNCHANGED = "unchanged"  # the CRM holds exactly this already
    OLDER = "older"  # the CRM holds a newer confirmation: it is kept


@dataclass(frozen=True)
class Decision:
    line: ConfirmationLine
    request: Request
    verdict: Verdict
    confirmed_on: dt.date
    delivery_date: dt.date | None  # what the request will hold: the line's, else the one it has

    @property
    def reason(self) -> str:
        if self.verdict is Verdict.OLDER:
            return (
                f"regel {self.line.line}: {self.line.order_number} heeft een nieuwere bevestiging "
                f"({self.request.processor_confirmed_on}) dan deze regel ({self.confirmed_on}); die blijft"
            )
        if self.verdict is Verdict.UNCHANGED:
            return f"regel {self.line.line}: {self.line.order_number} staat er al zo in"
        return f"regel {self.line.line}: bevestigd op {self.confirmed_on}"


@dataclass(frozen=True)
class CheckedFile:
    parsed: ParsedFile
    decisions: tuple[Decision, ...] = ()
    errors: tuple[FileError, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors

    def of(self, verdict: Verdict) -> list[Decision]:
        return [d for d in self.decisions if d.verdict is verdict]

    def summary(self) -> dict[str, int]:
        return {
            "lines": len(self.parsed.lines),
            "record": len(self.of(Verdict.RECORD)),
            "unchanged": len(self.of(Verdict.UNCHANGED)),
            "older": len(self.of(Verdict.OLDER)),
            "errors": len(self.errors),
        }


# -- reading -----------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str] | FileError:
    """The file's text and the encoding it was read in, or why it cannot be read."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            return FileError(None, "het bestand begint als UTF-16 maar is het niet; sla het op als CSV UTF-8")
    if b"\x00" in data:
        # Text never holds NUL; UTF-16 without a byte-order mark holds one in every other byte of
        # plain text, on the odd bytes when little-endian.
        odd, even = data[1::2].count(0), data[0::2].count(0)
        encoding = "utf-16-le" if odd > even else "utf-16-be"
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            return FileError(None, "het bestand bevat binaire gegevens, geen tekst; sla het op als CSV UTF-8")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = from_bytes(data, cp_isolation=_ENCODINGS).best()
    if best is None or best.encoding not in _ENCODINGS:
        return FileError(
            None,
            "niet te zien in welke tekenset het bestand staat; sla het op als CSV UTF-8 en probeer opnieuw",
        )
    return str(best), best.encoding


def read_confirmation_file(data: bytes) -> ParsedFile:
    decoded = decode(data)
    if isinstance(decoded, FileError):
        return ParsedFile(encoding="unknown", delimiter="", errors=(decoded,))
    text, encoding = decoded
    return parse_confirmations(text, encoding=encoding)


def parse_confirmations(text: str, *, encoding: str = "text") -> ParsedFile:
    """Every line of `text`, with every error found in any of them (none stops the reading)."""
    text = text.removeprefix("\ufeff")
    physical = text.splitlines()
    if not any(line.strip() for line in physical):
        return ParsedFile(encoding, "", errors=(FileError(None, EMPTY_FILE),))
    header_at = next(i for i, line in enumerate(physical) if line.strip())
    declared = _SEP_LINE.fullmatch(physical[header_at].strip(" \r\n"))
    if declared:  # Excel's `sep=;` line declares the delimiter; the header follows it
        following = [i for i in range(header_at + 1, len(physical)) if physical[i].strip()]
        if not following:
            return ParsedFile(encoding, declared[1], errors=(FileError(None, EMPTY_FILE),))
        header_at = following[0]
    delimiter = declared[1] if declared else _delimiter(physical[header_at])
    reader = csv.reader(physical[header_at:], delimiter=delimiter)
    header = next(reader)
    # Excel writes a delimiter after the last column when an empty column was part of the selection:
    # empty names at the end of the header are no column, as long as the lines leave them empty too.
    while header and not header[-1].strip():
        header.pop()
    header_line = header_at + 1
    columns, errors = _columns(header, header_line)
    if errors:
        return ParsedFile(encoding, delimiter, errors=tuple(errors))
    lines: list[ConfirmationLine] = []
    seen: dict[str, int] = {}
    for read in reader:
        number = header_at + reader.line_num
        if not any(cell.strip() for cell in read):
            continue  # a blank line, or one of only delimiters
        # Empty fields under the header's trailing delimiter(s) belong to no column.
        trailing_empty = not any(cell.strip() for cell in read[len(header) :])
        cells = read[: len(header)] if trailing_empty else read
        if len(cells) != len(header):
            errors.append(FileError(number, f"{len(cells)} velden, waar de kopregel er {len(header)} heeft"))
            continue
        line, line_errors = _line(number, cells, columns)
        errors += line_errors
        if line.order_number:
            if line.order_number in seen:
                errors.append(
                    FileError(
                        number,
                        f"{line.order_number} staat ook op regel {seen[line.order_number]}",
                        line.order_number,
                    )
                )
                continue
            seen[line.order_number] = number
            lines.append(line)
    if not lines and not errors:
        errors.append(FileError(None, HEADER_ONLY))
    return ParsedFile(encoding, delimiter, tuple(lines), tuple(errors))


def _delimiter(header: str) -> str:
    """The delimiter that splits the header into the most known column names (ties: `;`, `,`, tab)."""

    def known(delimiter: str) -> tuple[int, int]:
        cells = next(csv.reader([header], delimiter=delimiter))
        return sum(_column_of(cell) is not None for cell in cells), len(cells)

    return max(_DELIMITERS, key=known)


def _column_of(name: str) -> Column | None:
    wanted = name.strip().strip("\ufeff").lower()
    return next((column for column, names in COLUMNS.items() if wanted in names), None)


def _columns(header: list[str], line: int) -> tuple[dict[Column, int], list[FileError]]:
    columns: dict[Column, int] = {}
    unknown: list[str] = []
    errors: list[FileError] = []
    for index, name in enumerate(header):
        column = _column_of(name)
        if column is None:
            unknown.append(repr(name.strip()) if name.strip() else f"(leeg, kolom {index + 1})")
        elif column in columns:
            errors.append(FileError(line, f"kolom {column} staat er twee keer in"))
        else:
            columns[column] = index
    known = ", ".join(str(c) for c in Column)
    if unknown:
        which = "onbekende kolom" if len(unknown) == 1 else "onbekende kolommen"
        errors.append(FileError(line, f"{which} {', '.join(unknown)}; de kolommen zijn {known}"))
    missing = [str(c) for c in REQUIRED if c not in columns]
    if missing:
        which = "kolom ontbreekt:" if len(missing) == 1 else "kolommen ontbreken:"
        errors.append(FileError(line, f"{which} {', '.join(missing)}; de kolommen zijn {known}"))
    return columns, errors


def _line(
    number: int, cells: list[str], columns: Mapping[Column, int]
) -> tuple[ConfirmationLine, list[FileError]]:
    errors: list[FileError] = []
    raw_order = cells[columns[Column.ORDER]].strip()
    order = ""
    if not raw_order:
        errors.append(FileError(number, "geen ordernummer"))
    else:
        try:
            order = str(OrderNumber.parse(raw_order.upper()))
        except ValueError:
            errors.append(FileError(number, f"{raw_order!r} is geen ordernummer (zoals AD2026-00412)"))
    confirmed_text = cells[columns[Column.CONFIRMED]].strip()
    confirmed = parse_date(confirmed_text)
    who = order or raw_order or None
    if confirmed is None:
        what = f"{confirmed_text!r} is geen datum" if confirmed_text else "is leeg"
        errors.append(FileError(number, f"bevestigd_op {what} ({DATE_HINT})", who))
    delivery: dt.date | None = None
    if Column.DELIVERY in columns:
        delivery_text = cells[columns[Column.DELIVERY]].strip()
        delivery = parse_date(delivery_text) if delivery_text else None
        if delivery_text and delivery is None:
            errors.append(FileError(number, f"leverdatum {delivery_text!r} is geen datum ({DATE_HINT})", who))
        elif delivery is not None and confirmed is not None and delivery < confirmed:
            errors.append(FileError(number, f"leverdatum {delivery} ligt vóór bevestigd_op {confirmed}", who))
    return ConfirmationLine(number, order, confirmed, delivery), errors


DATE_HINT = "schrijf 2026-12-01 of 01-12-2026"
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DUTCH = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})")
_TIME = re.compile(r"\s+\d{1,2}:\d{2}(:\d{2})?$")


def parse_date(text: str) -> dt.date | None:
    """`2026-12-01`, or day first as Dutch spreadsheets write it (`1-12-2026`, `01/12/2026`, `1-12-26`
    for 2026); a time of day that a spreadsheet may add (`1-12-2026 10:30`) is ignored: the day is
    what counts."""
    text = _TIME.sub("", text.strip())
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DUTCH.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
        year += 2000 if year < 100 else 0
    else:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


# -- checking against the CRM ------------------------------------------------------------------


def check_confirmations(
    parsed: ParsedFile,
    requests: Mapping[str, Request],
    unreadable: Mapping[str, Problem] | None = None,
    *,
    today: dt.date,
) -> CheckedFile:
    """Each line against the request it names (`requests` by order number, as the CRM has them now;
    `unreadable`: the problem of each request that exists in the CRM but does not map).

    A confirmation dated after `today`, or before the request was made, is an error, not a decision:
    a processor cannot have confirmed tomorrow, nor before there was anything to confirm, and such a
    date (a typo, day and month swapped) would outrank every real confirmation that comes later, or
    be recorded as history that never happened. A delivery date after today is what a confirmation
    promises, and is fine.

    Every line is checked, whatever errors other lines have. A line whose confirmation is older than
    the one the CRM holds changes nothing: a confirmation never replaces a newer one.
    """
    errors = list(parsed.errors)
    decisions: list[Decision] = []
    failed_lines = {e.line for e in parsed.errors}
    for line in parsed.lines:
        request = requests.get(line.order_number)
        if request is None:
            bad = (unreadable or {}).get(line.order_number)
            # The problem's Dutch message, with its code as every problem line staff read has it.
            message = (
                f"{line.order_number} staat in Tribe maar is niet te lezen: {bad.message_nl} "
                f"({bad.code}); herstel de aanvraag in Tribe en lees het bestand daarna opnieuw in"
                if bad is not None
                else f"{line.order_number} is geen bekende aanvraag in Tribe"
            )
            errors.append(FileError(line.line, message, line.order_number))
            continue
        if request.status not in CONFIRMABLE:
            errors.append(
                FileError(
                    line.line,
                    f"{line.order_number} staat op {request.status.label}; alleen een aanvraag op "
                    f"{' of '.join(s.label for s in CONFIRMABLE)} kan worden bevestigd",
                    line.order_number,
                )
            )
            continue
        if line.line in failed_lines or line.confirmed_on is None:
            continue
        if line.confirmed_on > today:
            errors.append(
                FileError(
                    line.line,
                    f"bevestigd_op {line.confirmed_on.isoformat()} ligt na vandaag ({today.isoformat()}); "
                    "een verwerker kan niet in de toekomst bevestigen (dag en maand omgedraaid?)",
                    line.order_number,
                )
            )
            continue
        if line.confirmed_on < request.requested_on:
            errors.append(
                FileError(
                    line.line,
                    f"bevestigd_op {line.confirmed_on.isoformat()} ligt vóór de aanvraag zelf "
                    f"({request.requested_on.isoformat()}); controleer de datum",
                    line.order_number,
                )
            )
            continue
        decisions.append(_decide(line, request, line.confirmed_on))
    return CheckedFile(parsed, tuple(decisions), tuple(sorted(errors, key=_by_line)))


def _decide(line: ConfirmationLine, request: Request, confirmed_on: dt.date) -> Decision:
    held = request.processor_confirmed_on
    delivery = line.delivery_date or request.delivery_date
    if held is not None and held > confirmed_on:
        return Decision(line, request, Verdict.OLDER, confirmed_on, request.delivery_date)
    if held == confirmed_on and delivery == request.delivery_date:
        return Decision(line, request, Verdict.UNCHANGED, confirmed_on, delivery)
    return Decision(line, request, Verdict.RECORD, confirmed_on, delivery)


def _by_line(error: FileError) -> tuple[int, str]:
    return (error.line or 0, error.message)


def order_numbers(lines: Iterable[ConfirmationLine]) -> list[str]:
    """The order numbers to look up, in file order."""
    return [line.order_number for line in lines if line.order_number]
