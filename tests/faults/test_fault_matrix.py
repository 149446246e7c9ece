"""Every job under 429 storms, 5xx bursts, timeouts, expiring tokens and SIGKILL: a rerun converges to
exactly the end state of a clean run. The storms run quick in CI; the SIGKILL of real processes runs
under `make soak` (TRIBE_SYNC_SOAK=1), while every write's crash is swept on the in-memory CRM
(`tests/jobs/test_crash_sweep.py`) in the default suite."""

from __future__ import annotations

import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.jobs.handoff import read_handoff_file
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.sandbox.state import Faults, SandboxState

pytestmark = [pytest.mark.faults, pytest.mark.sandbox]

SOAK = os.environ.get("TRIBE_SYNC_SOAK") == "1"
ANCHOR, TODAY = dt.date(2026, 12, 1), dt.date(2027, 1, 4)
SEED = 21
ORDER = [
    "close-delivery-months",
    "progress-statuses",
    "accountability-reminders",
    "forecast-reminders",
    "audit",
]
EXE = Path(sys.executable).parent / "tribe-sync"


@contextmanager
def tenant(faults: Faults | None = None) -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=SEED, anchor=ANCHOR, faults=faults)) as sandbox:
        sandbox.state.fixed_now = dt.datetime.combine(TODAY, dt.time(7), dt.UTC)
        yield sandbox


def settings(sandbox: RunningSandbox, workdir: Path, **crm: Any) -> Settings:
    return Settings(
        crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token", **crm},  # type: ignore[arg-type]
        store={"url": f"sqlite:///{workdir / 'journal.db'}"},  # type: ignore[arg-type]
        programme={"outbox_dir": str(workdir / "outbox")},
    )  # type: ignore[arg-type]


def run(job: str, config: Settings) -> bool:
    """One run as one invocation would do it; False if it gave up (faults beyond the retry budget)."""
    with Services(config, clock=lambda: dt.datetime.combine(TODAY, dt.time(7), dt.UTC)) as services:
        report = services.executor().run_job(JOBS[job], TODAY)
    return not report.failed


def end_state(state: SandboxState, outbox: Path) -> dict[str, Any]:
    store = state.store
    phase = {p["ID"]: p["Code"] for p in store.all("Datastore_Phase_ActivitySalesOrder")}
    month = {m["ID"]: m["Code"] for m in store.all(t.MONTH)}
    return {
        "requests": {
            r["Number"]: (phase[r["Phase"]], month.get(r[t.R_MONTH]))
            for r in store.all("Activity_SalesOrder")
        },
        "months": {
            m["Code"]: (m["IsActive"], m.get(t.M_CLOSED_BY), m.get(t.M_CLOSED_REASON))
            for m in store.all(t.MONTH)
        },
        "tasks": Counter(str(task["ImportId"]) for task in store.all("Activity_Task")),
        "handoffs": Counter(
            row["ordernummer"] for f in sorted(outbox.glob("*.csv")) for row in read_handoff_file(f)
        ),
    }


@dataclass(frozen=True)
class Reference:
    state: dict[str, Any]
    writes: dict[str, int]  # what each job writes in a clean run


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Reference:
    workdir = tmp_path_factory.mktemp("clean")
    writes = {}
    with tenant() as sandbox:
        config = settings(sandbox, workdir)
        for job in ORDER:
            before = calls(sandbox.state, "PUT", "POST")
            assert run(job, config)
            writes[job] = calls(sandbox.state, "PUT", "POST") - before
        state = end_state(sandbox.state, workdir / "outbox")
    assert state["handoffs"]
    assert sum(state["tasks"].values()) > 10
    assert set(state["tasks"].values()) == {1}
    return Reference(state, writes)


def calls(state: SandboxState, *methods: str) -> int:
    return sum(1 for call in state.log if call.method in methods and call.path.startswith("/v1/odata/"))


def converge(config: Settings) -> None:
    for _ in range(3):
        if all(run(job, config) for job in ORDER):
            return
    raise AssertionError("no convergence without faults")


@pytest.mark.parametrize("seed", range(6 if SOAK else 2))
def test_storms_of_429_5xx_timeouts_and_expiring_tokens_converge_to_the_clean_end_state(
    reference: Reference, tmp_path: Path, seed: int
) -> None:
    faults = Faults(
        fail_rate=0.3,
        fail_statuses=(429, 429, 500, 502, 503, 504),
        retry_after_s=0,
        token_ttl_s=1.0,
        stall_rate=0.04,
        stall_s=0.5,
    )
    with tenant(faults) as sandbox:
        sandbox.state.rng = random.Random(seed)
        stormy = settings(
            sandbox,
            tmp_path,
            max_retries=6,
            backoff_base_s=0.001,
            backoff_max_s=0.01,
            rate_limit_wait_s=0.01,
            timeout_s=0.3,
        )
        for job in ORDER:
            run(job, stormy)
        injected = sum(1 for call in sandbox.state.log if call.status in (429, 500, 502, 503, 504))
        assert injected > 20, "the storm happened"
        sandbox.state.faults = Faults()
        converge(settings(sandbox, tmp_path))
        assert end_state(sandbox.state, tmp_path / "outbox") == reference.state


@pytest.mark.skipif(
    not SOAK, reason="make soak: every write is killed on the in-memory CRM (tests/jobs/test_crash_sweep.py)"
)
@pytest.mark.parametrize("victim", ORDER)
def test_a_process_killed_at_random_points_leaves_nothing_lost_or_doubled(
    reference: Reference, tmp_path: Path, victim: str
) -> None:
    """Kill points: 0 is the first CRM read (a run killed while reading), n is the n-th write of the run."""
    rng = random.Random(victim)
    kills = 0
    with tenant(Faults(latency_ms=15)) as sandbox:
        config = settings(sandbox, tmp_path)
        env = {
            **os.environ,
            "TRIBE_SYNC_CRM__API_URL": sandbox.url,
            "TRIBE_SYNC_CRM__TOKEN_URL": f"{sandbox.url}/oauth2/token",
            "TRIBE_SYNC_STORE__URL": config.store.url,
            "TRIBE_SYNC_PROGRAMME__OUTBOX_DIR": str(tmp_path / "outbox"),
        }
        for job in ORDER:
            if job == victim:
                started = calls(sandbox.state, "PUT", "POST")
                for _ in range(8 if SOAK else 2):
                    reads, writes = calls(sandbox.state, "GET"), calls(sandbox.state, "PUT", "POST")
                    left = max(0, reference.writes[job] - (writes - started))
                    point = rng.randint(0, min(left, 12))
                    process = subprocess.Popen(
                        [str(EXE), "jobs", "run", job, "--today", TODAY.isoformat(), "--allow-future"],
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                    deadline = time.monotonic() + 60
                    while process.poll() is None and (
                        calls(sandbox.state, "GET") == reads
                        if point == 0
                        else calls(sandbox.state, "PUT", "POST") - writes < point
                    ):
                        assert time.monotonic() < deadline
                        time.sleep(0.002)
                    if process.poll() is None:
                        process.send_signal(signal.SIGKILL)
                        kills += 1
                    process.wait(timeout=30)
            assert run(job, config), f"{job} must finish after the kills"
        sandbox.state.faults = Faults()
        converge(config)
        assert end_state(sandbox.state, tmp_path / "outbox") == reference.state
    print(f"{victim}: {kills} kill points tried")
    assert kills >= 1
