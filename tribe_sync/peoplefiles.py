"""Files that people open (hand-off CSVs, reports for spreadsheets): safe to open, private on disk.

Every writer of such a file goes through here, so two rules hold everywhere:

- **CSV injection** (OWASP): a cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is
  read by a spreadsheet program as a formula (`=HYPERLINK(...)`, `@SUM(...)|cmd`). Such a cell gets a
  leading `'`, which spreadsheets show as text and which no formula can start with. The text comes from
  the portal and staff, so it is never trusted. The cost: an E.164 phone number reads `'+31612345678`,
  which is also what keeps a spreadsheet from turning it into the number 31612345678.
- **File modes**: the files carry names, phone numbers and addresses. They are created `0640` (owner
  reads and writes, the group reads, others nothing) and their folder, when we create it, `0750`;
  both set explicitly with `chmod`, never left to the process umask.

Files are written atomically (temporary file, fsync, rename, fsync of the folder): there whole or not at all.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

__all__ = [
    "FILE_MODE",
    "FOLDER_MODE",
    "FORMULA_STARTS",
    "csv_text",
    "neutralise",
    "publish_file",
    "stage_private_file",
    "write_private_file",
]

FILE_MODE = 0o640
FOLDER_MODE = 0o750
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """One cell as text a spreadsheet shows as text: a formula-like start gets a leading `'`.

    Numbers we computed ourselves (ints) pass unchanged, negative ones too: they are data, not text
    from outside, and a spreadsheet must be able to add them up."""
    if value is None:
        return ""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_text(header: Sequence[str], rows: Iterable[Mapping[str, object]], *, delimiter: str = ";") -> str:
    """A whole CSV document (CRLF line ends, as spreadsheet programs write), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        writer.writerow([neutralise(row.get(name)) for name in header])
    return buffer.getvalue()


def stage_private_file(temporary: Path, text: str, *, encoding: str = "utf-8") -> None:
    """Write `text` to `temporary` and sync it, created `FILE_MODE` in a folder created `FOLDER_MODE`.

    The first half of an atomic write; `publish_file` is the second. Raises OSError (the caller says
    which file it was and what it was for) and leaves no partial file behind."""
    directory = temporary.parent
    if not directory.exists():
        directory.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, FOLDER_MODE)
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            os.fchmod(descriptor, FILE_MODE)  # the umask may have taken bits off, or left too many on
            handle.write(text.encode(encoding))
            handle.flush()
            os.fsync(descriptor)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise


def publish_file(temporary: Path, target: Path) -> None:
    """Rename a staged file into view and sync its folder: the file is there whole, with its mode."""
    os.replace(temporary, target)
    folder = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def write_private_file(path: Path, text: str, *, encoding: str = "utf-8") -> Path:
    """`stage_private_file` then `publish_file`: `path` appears whole or not at all."""
    temporary = path.parent / f".{path.name}.partial"
    stage_private_file(temporary, text, encoding=encoding)
    try:
        publish_file(temporary, path)
    except OSError:
        temporary.unlink(missing_ok=True)
        raise
    return path
