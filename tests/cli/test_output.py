from __future__ import annotations

import datetime as dt
import io
import json
import sys
from zoneinfo import ZoneInfo

import pytest

from tribe_sync.cli.context import AppContext
from tribe_sync.cli.mirror import _shown
from tribe_sync.cli.output import table
from tribe_sync.cli.views import emit_list

LONG_NAME = "Stichting Maatschappelijke Dienstverlening Gemeente Súdwest-Fryslân en Omstreken"


def _piped_table(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("COLUMNS", raising=False)
    piped = io.StringIO()  # a file or another program: not a terminal
    monkeypatch.setattr(sys, "stdout", piped)
    context = AppContext(config_path=None)
    table(
        context,
        "Aanvragen (1)",
        ["order", "organisatie", "status", "aantal", "maand"],
        [("AD2026-00137", LONG_NAME, "In afwachting van leverdatum", 12, "januari 2027")],
    )
    return piped.getvalue()


def test_a_table_piped_to_a_file_is_not_cut_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _piped_table(monkeypatch)
    assert "AD2026-00137" in text
    assert LONG_NAME in text
    assert "In afwachting van leverdatum" in text
    assert "…" not in text
    assert max(len(line) for line in text.splitlines()) > 80


def test_a_piped_table_is_as_wide_as_its_content_and_no_wider(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max(len(line) for line in _piped_table(monkeypatch).splitlines()) < 200


def test_an_explicit_columns_setting_still_decides_the_width(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    context = AppContext(config_path=None)
    assert context.out.width == 60


def test_mirror_status_shows_local_times_to_the_second_never_microseconds() -> None:
    moment = dt.datetime(2026, 12, 6, 20, 10, 50, 781631, tzinfo=dt.UTC).isoformat()
    assert _shown(moment, ZoneInfo("Europe/Amsterdam")) == "2026-12-06 21:10:50"
    assert _shown(None, ZoneInfo("Europe/Amsterdam")) == ""


def test_a_long_table_is_printed_plain_one_tab_separated_line_a_row_with_tabs_and_breaks_in_cells_as_spaces(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    rows = [(f"AD2026-{n:05d}", "Buurthuis", n, None) for n in range(2500)]
    rows[7] = ("AD2026-00007", "Buurt\thuis\nOost", 7, "[b]x[/b]")
    table(AppContext(config_path=None), "Aanvragen (2500)", ["order", "organisatie", "aantal", "noot"], rows)
    lines = piped.getvalue().split("\n")
    assert lines[:3] == [
        "Aanvragen (2500)",
        "order\torganisatie\taantal\tnoot",
        "AD2026-00000\tBuurthuis\t0\t",
    ]
    assert lines[2 + 7] == "AD2026-00007\tBuurt huis Oost\t7\t[b]x[/b]"
    assert lines[-2] == "AD2026-02499\tBuurthuis\t2499\t"
    assert lines[-1] == ""
    assert len(lines) == 2 + 2500 + 1


def test_a_long_list_as_json_is_one_document_with_every_row_once_in_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    piped = io.StringIO()
    monkeypatch.setattr(sys, "stdout", piped)
    rows = ({"n": n} if n % 2 else f'{{"n":{n}}}' for n in range(2500))  # a dict, or the database's text
    emit_list("requests", rows, [], dt.datetime(2027, 1, 4, 8, tzinfo=dt.UTC), extra=1)
    document = json.loads(piped.getvalue())
    assert document == {
        "requests": [{"n": n} for n in range(2500)],
        "problems": [],
        "as_of": "2027-01-04T08:00:00+00:00",
        "extra": 1,
    }
