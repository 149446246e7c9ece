from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.config import Settings
from tribe_sync.mappers.metadata import expected_fields
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)


def test_crm_check_passes_for_the_default_mapping_against_the_tenant(
    cli: Cli, crm_env: RunningSandbox
) -> None:
    result = cli("crm", "check", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["ok"] is True
    expected = expected_fields(TenantSchema.from_settings(Settings()))
    assert len(document["findings"]) == len(expected) + sum(len(fields) for fields in expected.values())


def test_crm_check_says_in_one_line_that_everything_is_present(cli: Cli, crm_env: RunningSandbox) -> None:
    result = cli("crm", "check")
    assert result.code == 0, result.err
    expected = expected_fields(TenantSchema.from_settings(Settings()))
    sets, fields = len(expected), sum(len(f) for f in expected.values())
    assert result.err.strip() == (
        f"All {sets + fields} sets and fields the tenant mapping names are present in the CRM "
        f"({sets} sets, {fields} fields)."
    )
    assert result.out.strip() == "", "no empty table"


def test_crm_check_names_a_misconfigured_field_and_exits_1(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_TENANT__REQUEST__POSTCODE", "postcode_typo")
    result = cli("crm", "check")
    assert result.code == 1
    assert "postcode_typo" in result.out
    assert "missing" in result.out


def test_a_crm_that_never_answered_is_named_at_once_as_a_setting_with_exit_2(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", "http://127.0.0.1:9/oauth2/token")
    result = cli("crm", "check")
    assert result.code == 2
    assert "nothing answers at http://127.0.0.1:9/oauth2/token" in result.err
    assert "crm.token_url (set by TRIBE_SYNC_CRM__TOKEN_URL)" in result.err
    assert "retrying" not in result.err
    assert "Traceback" not in result.err


def test_a_wrong_client_secret_says_what_the_token_endpoint_said(
    cli: Cli, crm_env: RunningSandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__CLIENT_SECRET", "wrong")
    result = cli("crm", "check")
    assert result.code == 2
    assert "invalid_client" in result.err
    assert "crm.client_secret (set by TRIBE_SYNC_CRM__CLIENT_SECRET)" in result.err
    assert "wrong" not in result.err


def test_a_bad_config_file_exits_2_naming_the_file_and_key(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[crm]\ntimeout_s = -1\n")
    result = cli("--config", str(path), "crm", "check")
    assert result.code == 2
    assert f"{path}: crm.timeout_s" in result.err


def test_the_demo_runs_every_job_over_a_month_start_and_reports_the_broken_records(cli: Cli) -> None:
    result = cli("demo", "--today", "2026-11-27", "--days", "5", "--json")
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert (document["start"], document["end"]) == ("2026-11-27", "2026-12-01")
    assert document["applied"]["progress-statuses: allocation"] > 0, "1 December allocates"
    assert document["applied"]["progress-statuses: hand-off"] > 0
    assert document["handoff_files"] >= 1
    before, after = document["requests_per_status_before"], document["requests_per_status"]
    assert after["WAITING"] < before["WAITING"]
    assert sum(before.values()) == sum(after.values())
    assert {p["code"] for p in document["problems"]} == {
        "unknown_phase",
        "no_product_line",
        "several_product_lines",
        "invalid_postcode",
        "invalid_phone",
        "not_adult_age_group",
        "month_closed_at_submission",
    }


def test_the_demo_prints_tables_for_people(cli: Cli) -> None:
    result = cli("demo", "--today", "2026-11-30", "--days", "2")
    assert result.code == 0
    for heading in (
        "Wat de taken deden",
        "Aanvragen per status",
        "Leveringsmaanden",
        "Voorraad per organisatie",
        "Problemen in de gegevens",
    ):
        assert heading in result.out
    assert "Wacht op toekenning" in result.out
    assert "…" not in result.out, "names are not cut"
    assert "AD20" in result.out, "problems are named by order number"
    assert "toekenning" in result.err, "the daily log shows what changed, in Dutch"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["demo", "--today", "23-11-2026"], "YYYY-MM-DD"),
        (["sandbox", "serve", "--scale", "huge"], "choose one of"),
        (["demo", "--scale", "huge"], "choose one of"),
        (["sandbox", "serve", "--rate-limit", "lots"], "calls per minute"),
    ],
)
def test_bad_arguments_exit_2_with_a_message(cli: Cli, args: list[str], message: str) -> None:
    result = cli(*args)
    assert result.code == 2
    assert message in result.err
