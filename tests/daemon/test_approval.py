"""The daemon under approval: it parks the plan, tells staff, waits, then applies what was approved."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.daemon.test_daemon import START, Clock
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.daemon import Daemon
from tribe_sync.errors import ConfigError
from tribe_sync.plans import service
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.plans import PlanStatus

pytestmark = pytest.mark.sandbox

JOB = "progress-statuses"
NOW = START + dt.timedelta(minutes=50)  # 08:20 in Amsterdam: the 08:15 run of progress-statuses is due


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=4, anchor=START.date())) as running:
        yield running


def settings(sandbox: RunningSandbox, tmp_path: Path, jobs: tuple[str, ...] = (JOB,)) -> Settings:
    return Settings(
        crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
        store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
        programme={"outbox_dir": str(tmp_path / "outbox")},  # type: ignore[arg-type]
        daemon={"port": 0},  # type: ignore[arg-type]
        approval={"jobs": jobs},  # type: ignore[arg-type]
    )


def request_writes(sandbox: RunningSandbox) -> list[str]:
    return [c.path for c in sandbox.state.calls() if c.method != "GET" and "Activity_SalesOrder" in c.path]


def test_daemon_once_parks_then_applies_the_approved_plan_on_the_next_tick(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    clock = Clock(NOW)
    daemon = Daemon(Services(settings(sandbox, tmp_path), clock=clock))
    reports = daemon.run_due()
    assert JOB not in [r.plan.job for r in reports], "nothing applied for a job under approval"
    assert request_writes(sandbox) == []
    store = service.plan_store(daemon.services)
    (pending,) = store.rows(status=PlanStatus.PENDING)
    assert pending.job == JOB
    assert b"tribe_sync_plans_pending 1.0" in daemon.metrics.text()
    tasks = [
        t for t in sandbox.state.store.all("Activity_Task") if str(t.get("ImportId")).startswith("approval/")
    ]
    assert [t["Subject"] for t in tasks] == ["Toekenning december 2026 wacht op goedkeuring"]

    clock.now += dt.timedelta(minutes=5)
    daemon.run_due()  # a second look before anyone decided: the same plan, no second task
    assert [r.id for r in store.rows()] == [pending.id]
    assert (
        len(
            [
                t
                for t in sandbox.state.store.all("Activity_Task")
                if str(t.get("ImportId")).startswith("approval/")
            ]
        )
        == 1
    )

    service.approve(daemon.services, pending.id, by="bram", note="akkoord")
    clock.now += dt.timedelta(minutes=5)
    applied = [r for r in daemon.run_due() if r.plan.job == JOB]
    assert len(applied) == 1
    assert applied[0].summary()["failed"] == 0
    assert request_writes(sandbox) != []
    done = store.get(pending.id)
    assert done.status is PlanStatus.APPLIED
    run = daemon.services.journal.run(done.run_id or 0)
    assert run is not None
    assert (run["trigger"], run["plan_id"]) == ("approved-plan", pending.id)
    assert b"tribe_sync_plans_pending 0.0" in daemon.metrics.text()
    daemon.services.close()


def test_an_unknown_job_under_approval_stops_the_daemon_at_start(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    with pytest.raises(ConfigError, match=r"approval\.jobs: unknown job"):
        Daemon(Services(settings(sandbox, tmp_path, jobs=("allocate-everything",))))
