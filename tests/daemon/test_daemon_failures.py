"""A job that raises is a failed run, not a crash: the daemon goes on, counts it and says so."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tests.fakes import BrokenJob, InMemoryCRM, make_executor, memory_journal, tenant_snapshot
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.daemon import Daemon
from tribe_sync.jobs.executor import Executor
from tribe_sync.jobs.registry import JOBS

NOW = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)  # a Monday: every job's schedule has passed


class InMemoryServices(Services):
    """The composition root, wired to the in-memory CRM and journal instead of Tribe and a database."""

    fake: InMemoryCRM
    outbox: Path

    def executor(self, *, dry_run: bool = False) -> Executor:
        return make_executor(self.fake, self.journal, self.outbox, clock=self.clock, holder=self.holder)


def test_a_job_that_raises_is_a_failed_run_and_the_daemon_runs_the_next_job(tmp_path: Path) -> None:
    services = InMemoryServices(Settings(), clock=lambda: NOW)
    services.fake, services.outbox = InMemoryCRM(tenant_snapshot()), tmp_path / "outbox"
    services.__dict__["journal"] = memory_journal()
    daemon = Daemon(
        services,
        {
            "close-delivery-months": BrokenJob(ValueError("a record the planner cannot handle")),
            "audit": JOBS["audit"],
        },
    )

    broken, audit = daemon.run_due()

    assert (broken.job, broken.outcome, broken.exit_code()) == ("close-delivery-months", "failed", 1)
    assert broken.error == "unexpected error (ValueError: a record the planner cannot handle)"
    assert (audit.job, audit.error) == ("audit", None), "the next job ran"
    runs = {r["job"]: r for r in services.journal.runs()}
    assert (runs["close-delivery-months"]["outcome"], runs["close-delivery-months"]["error"]) == (
        "failed",
        broken.error,
    )
    status, body = daemon.health()
    assert (status, body["status"], body["failing"]) == (503, "degraded", ["close-delivery-months"])
    assert body["jobs"]["close-delivery-months"]["last_run"]["error"] == broken.error
    metrics = daemon.metrics.text().decode()
    assert 'tribe_sync_runs_total{job="close-delivery-months",outcome="failed"} 1.0' in metrics
    services.journal.close()
