"""Hostile or careless start-up input ends in exit code 2 and a message, never a traceback, and before
anything is read from or written to the CRM."""

from __future__ import annotations

import logging

import pytest

from tests.cli.conftest import Cli


@pytest.mark.parametrize(
    "args",
    [
        ("jobs", "run", "close-delivery-months", "--today", "9999-12-31", "--dry-run"),
        ("jobs", "run", "progress-statuses", "--today", "0001-01-01"),
        ("demo", "--today", "9999-12-31"),
        ("sandbox", "serve", "--today", "9999-12-31"),
    ],
)
def test_a_today_outside_the_supported_years_is_a_usage_error(cli: Cli, args: tuple[str, ...]) -> None:
    result = cli(*args)
    assert result.code == 2
    assert "outside the years tribe-sync plans for (1900 to 2999)" in " ".join(result.err.split())
    assert "Traceback" not in result.err


def test_a_misspelt_time_zone_is_exit_2_naming_the_key_and_the_likely_fix(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__TIMEZONE", "Europe/Amsterdm")
    result = cli("jobs", "run", "close-delivery-months", "--dry-run")
    err = " ".join(result.err.split())
    assert result.code == 2
    assert "TRIBE_SYNC_PROGRAMME__TIMEZONE: programme.timezone" in err
    assert "did you mean 'Europe/Amsterdam'?" in err
    assert "Traceback" not in result.err


@pytest.mark.parametrize("secret", ["", "tiny"])
def test_the_daemon_refuses_to_start_with_an_empty_or_short_webhook_secret(
    cli: Cli, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_DAEMON__WEBHOOK_SECRET", secret)
    package = logging.getLogger("tribe_sync")
    level = package.level
    try:
        result = cli("daemon", "--once")
    finally:
        package.setLevel(level)  # the daemon command raises it to INFO for the process
    assert result.code == 2
    assert "daemon.webhook_secret" in result.err
    assert "at least 16 characters" in " ".join(result.err.split())


def test_plain_http_to_a_remote_crm_is_refused_before_the_secret_is_sent(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", "http://auth.tribecrm.nl/oauth2/token")
    result = cli("crm", "check")
    assert result.code == 2
    assert "http://auth.tribecrm.nl/oauth2/token: http:// to a host other than this machine" in " ".join(
        result.err.split()
    )
