"""SIGTERM to a real daemon process in the middle of a run leaves a journal consistent with the CRM."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.jobs.handoff import read_handoff_file
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox.server import build_state, start
from tribe_sync.sandbox.state import Faults
from tribe_sync.store.journal import open_journal
from tribe_sync.store.tables import claims

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

EXE = Path(sys.executable).parent / "tribe-sync"
SALES_ORDERS = "/v1/odata/Activity_SalesOrder"


def test_sigterm_during_a_run_stops_between_two_changes_and_a_rerun_converges(tmp_path: Path) -> None:
    today = dt.date.today()
    state = build_state(scale="small", seed=12, anchor=today, faults=Faults(latency_ms=60))
    with start(state) as sandbox:
        journal_url = f"sqlite:///{tmp_path / 'journal.db'}"
        env = {
            **os.environ,
            "TRIBE_SYNC_CRM__API_URL": sandbox.url,
            "TRIBE_SYNC_CRM__TOKEN_URL": f"{sandbox.url}/oauth2/token",
            "TRIBE_SYNC_STORE__URL": journal_url,
            "TRIBE_SYNC_PROGRAMME__OUTBOX_DIR": str(tmp_path / "outbox"),
            "TRIBE_SYNC_DAEMON__PORT": "0",
        }
        process = subprocess.Popen([str(EXE), "daemon"], env=env, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not any(c.method == "PUT" and c.path.startswith(SALES_ORDERS) for c in state.log):
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline, "the daemon never started writing statuses"
                time.sleep(0.05)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=60) == 0
        finally:
            if process.poll() is None:
                process.kill()
        log = process.stderr.read() if process.stderr else ""
        assert "SIGTERM: stopping after the current change" in log

        journal = open_journal(journal_url)
        runs = journal.runs(limit=100)
        assert "running" not in {r["outcome"] for r in runs}, "every run was closed in the journal"
        progress = next(r for r in runs if r["job"] == "progress-statuses")
        assert progress["outcome"] == "interrupted"
        assert progress["finished_at"] is not None
        status_keys = list(journal.keys_with_prefix("status/"))
        assert status_keys, "some changes were applied before the signal"
        phase_codes = {p["ID"]: p["Code"] for p in state.store.all("Datastore_Phase_ActivitySalesOrder")}
        wanted = {
            "PROCESSING": {"VERWERKING_BESTELLING", "AANVRAAG_NAAR_VERWERKER"},
            "AT_PROCESSOR": {"AANVRAAG_NAAR_VERWERKER"},
        }
        for key in status_keys:
            _, request_id, status = key.split("/")
            record = state.store.get("Activity_SalesOrder", request_id)
            assert record is not None
            assert phase_codes[record["Phase"]] in wanted.get(status, {phase_codes[record["Phase"]]}), key
        with journal.engine.connect() as connection:
            assert connection.execute(select(claims)).all() == [], "lease and job claims released"
        journal.close()

        state.faults.latency_ms = 0
        settings = Settings(
            crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
            store={"url": journal_url},  # type: ignore[arg-type]
            programme={"outbox_dir": str(tmp_path / "outbox")},
        )  # type: ignore[arg-type]
        with Services(settings) as services:
            services.executor().run_job(JOBS["progress-statuses"], services.today())
            assert services.executor().run_job(JOBS["progress-statuses"], services.today()).outcomes == []
        numbers = [
            row["ordernummer"] for f in (tmp_path / "outbox").glob("*.csv") for row in read_handoff_file(f)
        ]
        assert len(numbers) == len(set(numbers)), "no request was handed off twice"
