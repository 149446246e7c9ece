from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)


def test_requests_list_filters_and_prints_json(cli: Cli, crm_env: RunningSandbox) -> None:
    everything = json.loads(cli("requests", "list", "--json").out)
    waiting = json.loads(cli("requests", "list", "--status", "wacht op toekenning", "--json").out)
    assert 0 < len(waiting) < len(everything)
    assert {r["status"] for r in waiting} == {"WAITING"}
    month = waiting[0]["month"]
    assert {r["month"] for r in json.loads(cli("requests", "list", "--month", month, "--json").out)} == {
        month
    }
    assert cli("requests", "list", "--status", "lost").code == 2
    assert cli("requests", "list", "--month", "januari").code == 2


def test_forecasts_list_tells_effective_superseded_and_late_apart(cli: Cli, crm_env: RunningSandbox) -> None:
    rows = json.loads(cli("forecasts", "list", "--json").out)
    assert {r["state"] for r in rows} == {"effective", "superseded", "late"}
    assert cli("forecasts", "list", "--quarter", "5").code == 2


def test_the_accountability_report_as_table_json_and_csv(cli: Cli, crm_env: RunningSandbox) -> None:
    rows = json.loads(cli("accountability", "report", "--json").out)
    assert rows
    assert all(r["in_stock"] == r["received"] - r["handed_out"] for r in rows)
    csv_lines = cli("accountability", "report", "--csv").out.splitlines()
    assert csv_lines[0].startswith("organisation;organisation_id;received;handed_out;in_stock")
    assert len(csv_lines) == len(rows) + 1
    assert (
        "Accountability at the end of 2026-Q3" in cli("accountability", "report", "--quarter", "2026-Q3").out
    )
    assert cli("accountability", "report", "--quarter", "Q3").code == 2
