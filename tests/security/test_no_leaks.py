"""Secrets and personal data never reach the logs, even at DEBUG; TLS verification is never off quietly."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tribe_sync.bootstrap import Services
from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import CRMSettings, Settings
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import build_state, start

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

SECRET = "s3cr3t-Client-Value-7f1d"
EXE = Path(sys.executable).parent / "tribe-sync"
EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"(\+31|\b0)[1-9][\d -]{7,11}\d")


def personal_data(store) -> set[str]:  # type: ignore[no-untyped-def]
    """Every name, e-mail address and phone number the tenant holds."""
    values: set[str] = set()
    for person in store.all("Relation_Person"):
        values.add(
            " ".join(
                p for p in (person.get("FirstName"), person.get("MiddleName"), person.get("LastName")) if p
            )
        )
    for contact in store.all("Relationship_Person_Contact_Standard"):
        values |= {contact.get("EmailAddress"), contact.get("PhoneNumber")}
    for request in store.all("Activity_SalesOrder"):
        values |= {request.get(t.R_CONTACT_NAME), request.get(t.R_EMAIL), request.get(t.R_PHONE)}
    return {v for v in values if isinstance(v, str) and len(v) > 5}


def test_every_job_at_debug_logs_no_secret_token_or_personal_data(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    today = dt.date(2027, 1, 4)
    with start(
        build_state(scale="small", seed=31, anchor=dt.date(2026, 12, 1), clients={"tribe-sync": SECRET})
    ) as sandbox:
        settings = Settings(
            crm={
                "api_url": sandbox.url,
                "token_url": f"{sandbox.url}/oauth2/token",
                "client_id": "tribe-sync",  # type: ignore[arg-type]
                "client_secret": SECRET,
            },
            store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
            programme={"outbox_dir": str(tmp_path / "outbox")},  # type: ignore[arg-type]
        )
        with Services(settings) as services:
            for job in JOBS.values():
                services.executor().run_job(job, today)
        tokens = set(sandbox.state.tokens)
        private = personal_data(sandbox.state.store)
    log = caplog.text
    assert "-> 200" in log, "the client did log its requests"
    assert tokens
    for secret in {SECRET, *tokens}:
        assert secret not in log
    assert "Bearer" not in log
    assert "Authorization" not in log
    leaked = sorted(value for value in private if value in log)
    assert leaked == []


def test_a_full_demo_run_with_json_logs_at_debug_leaks_no_address_or_number() -> None:
    done = subprocess.run(
        [str(EXE), "-vv", "--log-json", "demo", "--today", "2026-11-27", "--days", "5"],
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.startswith("{")]
    assert len(lines) > 50, "the demo logged at DEBUG"
    for line in lines:
        assert not EMAIL.search(line["message"]), line
        assert not PHONE.search(line["message"]), line


def test_switching_tls_verification_off_is_never_silent(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    made: list[object] = []
    real = httpx.Client

    def recording(**kwargs: object) -> httpx.Client:
        made.append(kwargs["verify"])
        return real(**kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr("tribe_sync.client.tribe.httpx.Client", recording)
    caplog.set_level(logging.WARNING)
    TribeClient.from_settings(CRMSettings()).close()
    assert made == [True]
    assert "TLS" not in caplog.text
    TribeClient.from_settings(CRMSettings(api_url="https://api.tribe.test", verify_tls=False)).close()
    assert made == [True, False]
    assert "TLS verification is OFF for https://api.tribe.test" in caplog.text
