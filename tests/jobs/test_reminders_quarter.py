"""The accountability reminders run every day of a quarter, on the in-memory CRM (90 runs in seconds)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

from tests.factories import make_report
from tests.fakes import InMemoryCRM, make_executor, memory_journal, tenant_snapshot
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.registry import JOBS

REMINDERS = JOBS["accountability-reminders"]
QUARTER_START, QUARTER_END = dt.date(2027, 1, 1), dt.date(2027, 3, 31)


def test_every_day_of_a_quarter_gives_one_reminder_one_follow_up_and_one_staff_task_per_silent_organisation(
    tmp_path: Path,
) -> None:
    """On the in-memory CRM: 90 daily runs in seconds; on 15 February the journal is lost."""
    crm, journal = InMemoryCRM(tenant_snapshot(seed=8)), memory_journal()
    day, reporter = QUARTER_START, None
    while day <= QUARTER_END:
        moment = dt.datetime.combine(day, dt.time(7), dt.UTC)
        report = make_executor(crm, journal, tmp_path, clock=lambda m=moment: m).run_job(REMINDERS, day)
        assert report.error is None
        if day == dt.date(2027, 1, 4):
            first = [
                t for k, t in crm.tasks.items() if k.startswith("reminder/accountability/2027-Q1/first/")
            ]
            reporter = first[0].organisation_id
            delivered = next(
                r
                for r in crm.requests.values()
                if r.organisation_id == reporter and r.status is RequestStatus.CLOSED
            )
            crm.reports.append(make_report(delivered.id, 1, reported_on=dt.date(2027, 1, 6)))
        if day == dt.date(2027, 2, 15):
            journal.close()
            journal = memory_journal()  # the journal is lost
        day += dt.timedelta(days=1)
    journal.close()
    ours = {k: t for k, t in crm.tasks.items() if k.startswith("reminder/accountability/2027-Q1/")}
    kinds = Counter(k.split("/")[3] for k in ours)
    per_org = Counter((k.split("/")[3], t.organisation_id) for k, t in ours.items())
    assert set(crm.created.values()) == {1}, "never a task twice"
    assert set(per_org.values()) == {1}, "never two tasks of one kind for one organisation"
    assert kinds["first"] > 1
    assert kinds["followup"] == kinds["staff"] == kinds["first"] - 1, "all silent but the one that reported"
    assert ("followup", reporter) not in per_org
    assert ("first", reporter) in per_org
