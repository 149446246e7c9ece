from __future__ import annotations

import codecs
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.factories import make_request
from tribe_sync.domain.confirmations import (
    ParsedFile,
    Verdict,
    check_confirmations,
    parse_confirmations,
    parse_date,
    problems_count,
    read_confirmation_file,
)
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.problems import problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

DEC_3 = dt.date(2026, 12, 3)
DEC_10 = dt.date(2026, 12, 10)

TODAY = dt.date(2026, 12, 31)  # on or after every confirmation date the files below use


def at_processor(number: str, **overrides: object) -> Request:
    return make_request(
        id=f"id-{number}",
        number=OrderNumber.parse(number),
        status=RequestStatus.AT_PROCESSOR,
        **overrides,
    )


def messages(parsed: ParsedFile) -> list[str]:
    return [str(e) for e in parsed.errors]


def test_confirmations_read_dutch_or_english_headers_and_either_separator() -> None:
    parsed = parse_confirmations("order_number,confirmed_on,delivery_date\nAD2026-00001,2026-12-03,\n")
    assert parsed.errors == ()
    assert [(r.order_number, r.confirmed_on, r.delivery_date) for r in parsed.lines] == [
        ("AD2026-00001", DEC_3, None)
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "het bestand is leeg"),
        ("ordernummer;bevestigd_op\n", "alleen een kopregel"),
        ("ordernummer;leverdatum\nAD2026-00001;2026-12-10\n", "regel 1: kolom ontbreekt: bevestigd_op"),
        (
            "ordernummer;bevestigd_op;delivery\nAD2026-00001;2026-12-03;2026-12-10\n",
            "onbekende kolom 'delivery'",
        ),
        (
            "ordernummer;bevestigd_op\nAD2026-00001;31-02-2026\n",
            "regel 2: bevestigd_op '31-02-2026' is geen datum",
        ),
        (
            "ordernummer;bevestigd_op;leverdatum\nAD2026-00001;2026-12-05;2026-12-01\n",
            "regel 2: leverdatum 2026-12-01 ligt vóór bevestigd_op 2026-12-05",
        ),
        (
            "ordernummer;bevestigd_op\nAD2026-00001;2026-12-05\nAD2026-00001;2026-12-06\n",
            "regel 3: AD2026-00001 staat ook op regel 2",
        ),
        ("ordernummer;bevestigd_op\n;2026-12-05\n", "regel 2: geen ordernummer"),
        ("ordernummer;bevestigd_op\nbestelling 12;2026-12-05\n", "'bestelling 12' is geen ordernummer"),
        (
            "ordernummer;bevestigd_op\nAD2026-00001;2026-12-05;x\n",
            "regel 2: 3 velden, waar de kopregel er 2 heeft",
        ),
    ],
)
def test_every_bad_line_is_named_with_its_line_number(text: str, error: str) -> None:
    assert any(error in m for m in messages(parse_confirmations(text))), messages(parse_confirmations(text))


def test_an_unknown_column_is_an_error_not_a_silently_dropped_date() -> None:
    parsed = parse_confirmations("ordernummer;bevestigd_op;delivery\nAD2026-00001;2026-12-03;2026-12-10\n")
    assert messages(parsed) == [
        "regel 1: onbekende kolom 'delivery'; de kolommen zijn ordernummer, bevestigd_op, leverdatum"
    ]
    assert parsed.lines == ()


def test_every_line_is_checked_even_after_an_error_and_every_error_is_reported() -> None:
    parsed = parse_confirmations(
        "ordernummer;bevestigd_op\nAD2026-00001;gisteren\nAD2026-00002;2026-12-03\nAD2026-00003;2026-12-03\n"
    )
    closed = make_request(id="c", number=OrderNumber.parse("AD2026-00002"), status=RequestStatus.CLOSED)
    checked = check_confirmations(
        parsed, {"AD2026-00001": at_processor("AD2026-00001"), "AD2026-00002": closed}, today=TODAY
    )
    assert [str(e) for e in checked.errors] == [
        "regel 2: bevestigd_op 'gisteren' is geen datum (schrijf 2026-12-01 of 01-12-2026)",
        "regel 3: AD2026-00002 staat op Gesloten; alleen een aanvraag op Aanvraag naar verwerker of In "
        "afwachting van leverdatum kan worden bevestigd",
        "regel 4: AD2026-00003 is geen bekende aanvraag in Tribe",
    ]
    assert not checked.ok


def test_a_confirmation_never_replaces_a_newer_one() -> None:
    parsed = parse_confirmations("ordernummer;bevestigd_op;leverdatum\nAD2026-00001;01-12-2026;08-12-2026\n")
    held = at_processor("AD2026-00001", processor_confirmed_on=DEC_3, delivery_date=DEC_10)
    [decision] = check_confirmations(parsed, {"AD2026-00001": held}, today=TODAY).decisions
    assert decision.verdict is Verdict.OLDER
    assert decision.delivery_date == DEC_10
    assert (
        "heeft een nieuwere bevestiging (2026-12-03) dan deze regel (2026-12-01); die blijft"
        in decision.reason
    )


def test_the_same_confirmation_again_changes_nothing_and_a_later_one_is_recorded() -> None:
    held = at_processor("AD2026-00001", processor_confirmed_on=DEC_3, delivery_date=DEC_10)
    same = parse_confirmations("ordernummer;bevestigd_op;leverdatum\nAD2026-00001;2026-12-03;2026-12-10\n")
    assert (
        check_confirmations(same, {"AD2026-00001": held}, today=TODAY).decisions[0].verdict
        is Verdict.UNCHANGED
    )
    later = parse_confirmations("ordernummer;bevestigd_op\nAD2026-00001;2026-12-04\n")
    [decision] = check_confirmations(later, {"AD2026-00001": held}, today=TODAY).decisions
    assert decision.verdict is Verdict.RECORD
    assert decision.delivery_date == DEC_10, "a line without leverdatum keeps the known one"


TEXT = "ordernummer;bevestigd_op;leverdatum\nAD2026-00001;03-12-2026;10-12-2026\n"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (TEXT.encode("utf-8"), "utf-8"),
        (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
        (TEXT.encode("utf-16"), "utf-16"),
        (TEXT.replace("\n", "\r\n").encode("utf-16-le"), "utf-16-le"),
        (TEXT.encode("utf-16-be"), "utf-16-be"),
    ],
)
def test_utf8_with_or_without_bom_and_utf16_are_read(data: bytes, encoding: str) -> None:
    parsed = read_confirmation_file(data)
    assert parsed.errors == ()
    assert parsed.encoding == encoding
    assert [(r.order_number, r.confirmed_on, r.delivery_date) for r in parsed.lines] == [
        ("AD2026-00001", DEC_3, DEC_10)
    ]


def test_a_windows_1252_file_from_excel_is_detected_and_read() -> None:
    # Excel pads cells with non-breaking spaces, byte A0 in Windows-1252 and not valid UTF-8.
    text = "Ordernummer;Bevestigd op;Leverdatum\r\nAD2026-00001\u00a0;03-12-2026;10-12-2026\u00a0\r\n"
    parsed = read_confirmation_file(text.encode("cp1252"))
    assert parsed.errors == ()
    assert parsed.encoding == "cp1252"
    assert [(r.order_number, r.confirmed_on, r.delivery_date) for r in parsed.lines] == [
        ("AD2026-00001", DEC_3, DEC_10)
    ]


def test_bytes_that_are_not_utf8_are_decoded_as_windows_1252_and_say_so() -> None:
    header = "ordernummer;bevestigd_op;leverdatum\r\n"
    line = "AD2026-00001;03-12-2026;10-12-2026\r\n"
    # A second, unknown line with an é and a euro sign, as Excel writes them: read, then refused by name.
    data = (header + line + "AD2026-0000é;03-12-2026;€\r\n").encode("cp1252")
    parsed = read_confirmation_file(data)
    assert parsed.encoding == "cp1252"
    assert "'AD2026-0000é' is geen ordernummer" in " ".join(messages(parsed))
    assert "leverdatum '€' is geen datum" in " ".join(messages(parsed))


# -- generated files: they import, or they fail whole with line numbers --------------------------

ORDERS = [f"AD2026-{n:05d}" for n in range(1, 9)]
KNOWN = {number: at_processor(number, requested_on=dt.date(2025, 12, 1)) for number in ORDERS}
GOOD_DATES = st.dates(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
HEADERS = {
    "order": st.sampled_from(["ordernummer", "Ordernummer", "order_number", " ORDERNUMMER "]),
    "confirmed": st.sampled_from(["bevestigd_op", "Bevestigd op", "confirmed_on"]),
    "delivery": st.sampled_from(["leverdatum", "Leverdatum", "delivery_date"]),
}


@st.composite
def files(draw: st.DrawFn) -> tuple[str, dict[str, tuple[dt.date, dt.date | None]], bool]:
    """A confirmation file as a spreadsheet might write it, what it says, and whether it is all good."""
    columns = draw(st.permutations(["order", "confirmed", "delivery"]))
    names = [draw(HEADERS[c]) for c in columns]
    delimiter = draw(st.sampled_from([";", ",", "\t"]))
    quote_all = draw(st.booleans())
    numbers = draw(st.lists(st.sampled_from(ORDERS), min_size=1, max_size=6, unique=True))
    broken = draw(st.sets(st.integers(0, len(numbers) - 1), max_size=2))
    expected: dict[str, tuple[dt.date, dt.date | None]] = {}
    lines = []

    def cell(text: str) -> str:
        return f'"{text}"' if quote_all or delimiter in text else text

    lines.append(delimiter.join(cell(n) for n in names))
    for index, number in enumerate(numbers):
        confirmed = draw(GOOD_DATES)
        delivery = draw(
            st.one_of(st.none(), st.just(confirmed + dt.timedelta(days=draw(st.integers(0, 30)))))
        )
        as_text = {
            "order": number if index not in broken else draw(st.sampled_from(["AD26-1", "", "AD2026-99999"])),
            "confirmed": draw(st.sampled_from([confirmed.isoformat(), confirmed.strftime("%d-%m-%Y")])),
            "delivery": ""
            if delivery is None
            else delivery.strftime(draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y"]))),
        }
        lines.append(delimiter.join(cell(as_text[c]) for c in columns))
        expected[number] = (confirmed, delivery)
        if draw(st.booleans()):
            lines.append(draw(st.sampled_from(["", delimiter * 2, "   "])))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(lines) + newline, expected, not broken


@settings(max_examples=150, deadline=None)
@given(files())
def test_a_generated_file_imports_whole_or_fails_whole_with_line_numbers(
    generated: tuple[str, dict[str, tuple[dt.date, dt.date | None]], bool],
) -> None:
    text, expected, good = generated
    checked = check_confirmations(parse_confirmations(text), KNOWN, today=TODAY)
    if good:
        assert checked.ok, [str(e) for e in checked.errors]
        got = {d.line.order_number: (d.confirmed_on, d.delivery_date) for d in checked.decisions}
        assert got == expected
    else:
        assert not checked.ok
        assert all(e.line is not None and e.line >= 2 for e in checked.errors)
        physical = text.splitlines()
        for error in checked.errors:
            assert physical[error.line - 1].strip(), "the line number points at the line itself"  # type: ignore[operator]


@pytest.mark.parametrize("first", ["sep=;", "SEP=;", '"sep=;"'])
def test_excels_sep_line_is_read_as_the_delimiter_it_declares_and_lines_keep_their_numbers(
    first: str,
) -> None:
    parsed = parse_confirmations(
        f"{first}\nordernummer;bevestigd_op\nAD2026-00001;2026-12-03\nAD2026-00002;x\n"
    )
    assert parsed.delimiter == ";"
    assert [line.order_number for line in parsed.lines] == ["AD2026-00001", "AD2026-00002"]
    assert messages(parsed) == ["regel 4: bevestigd_op 'x' is geen datum (schrijf 2026-12-01 of 01-12-2026)"]


def test_a_sep_line_declaring_a_comma_wins_over_guessing() -> None:
    parsed = parse_confirmations("sep=,\nordernummer,bevestigd_op\nAD2026-00001,2026-12-03\n")
    assert (parsed.delimiter, parsed.errors) == (",", ())


def test_a_request_that_exists_but_cannot_be_read_is_named_so_with_its_problem_not_as_unknown() -> None:
    parsed = parse_confirmations("ordernummer;bevestigd_op\nAD2026-00001;2026-12-03\n")
    bad = problem("no_product_line", "request", "r-1", order_number="AD2026-00001")
    checked = check_confirmations(parsed, {}, {"AD2026-00001": bad}, today=TODAY)
    (error,) = [str(e) for e in checked.errors]
    assert error == (
        "regel 2: AD2026-00001 staat in Tribe maar is niet te lezen: de aanvraag heeft geen productregel "
        "(no_product_line); herstel de aanvraag in Tribe en lees het bestand daarna opnieuw in"
    ), "the problem's Dutch message in the Dutch line, never its English one"


def test_an_empty_file_says_what_the_file_should_hold() -> None:
    for text in ("", "\n\n", "sep=;\n"):
        (error,) = messages(parse_confirmations(text))
        assert error.startswith("het bestand is leeg; verwacht wordt een kopregel ordernummer;bevestigd_op")


def test_problems_are_counted_in_dutch_singular_and_plural() -> None:
    assert [problems_count(n) for n in (1, 2, 11)] == ["1 probleem", "2 problemen", "11 problemen"]


def test_two_unknown_columns_are_named_in_the_plural() -> None:
    (error,) = messages(parse_confirmations("ordernummer;bevestigd_op;a;b\nAD2026-00001;2026-12-03;x;y\n"))
    assert error.startswith("regel 1: onbekende kolommen 'a', 'b'; de kolommen zijn")


def test_a_confirmation_dated_after_today_is_an_error_and_nothing_is_decided() -> None:
    parsed = parse_confirmations(
        "ordernummer;bevestigd_op;leverdatum\nAD2026-00001;2026-12-08;2026-12-20\nAD2026-00002;2026-12-07;2026-12-20\n"
    )
    found = {n: at_processor(n) for n in ("AD2026-00001", "AD2026-00002")}
    checked = check_confirmations(parsed, found, today=dt.date(2026, 12, 7))
    assert [str(e) for e in checked.errors] == [
        "regel 2: bevestigd_op 2026-12-08 ligt na vandaag (2026-12-07); een verwerker kan niet in de "
        "toekomst bevestigen (dag en maand omgedraaid?)"
    ]
    assert not checked.ok
    assert [d.line.order_number for d in checked.decisions] == ["AD2026-00002"]  # today itself is fine


def test_a_confirmation_dated_before_the_request_was_made_is_an_error() -> None:
    parsed = parse_confirmations("ordernummer;bevestigd_op\nAD2026-00001;1-1-2020\n")
    request = at_processor("AD2026-00001", requested_on=dt.date(2026, 11, 3))
    checked = check_confirmations(parsed, {"AD2026-00001": request}, today=TODAY)
    assert [str(e) for e in checked.errors] == [
        "regel 2: bevestigd_op 2020-01-01 ligt vóór de aanvraag zelf (2026-11-03); controleer de datum"
    ]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("5-12-26", dt.date(2026, 12, 5)),
        ("05/12/26", dt.date(2026, 12, 5)),
        ("5-12-2026 10:30", dt.date(2026, 12, 5)),
        ("2026-12-05 00:00:00", dt.date(2026, 12, 5)),
    ],
)
def test_dates_as_a_dutch_spreadsheet_writes_them(text: str, day: dt.date) -> None:
    assert parse_date(text) == day
