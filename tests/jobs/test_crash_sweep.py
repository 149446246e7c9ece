"""Every effect survives a crash at any point: for every job, a run killed right after *each* of its
writes (CRM writes, hand-off file steps, the journal's intent records) and run again ends exactly
where its clean run ends: the same phases, months, tasks by key and hand-off rows, none of them twice.

On the in-memory CRM, so the whole sweep takes seconds. The tenant is the sandbox's generated one at
small scale; `make soak` (TRIBE_SYNC_SOAK=1) sweeps the realistic scale (3,600 requests).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import Crash, InMemoryCRM, copy_journal, make_executor, memory_journal, tenant_snapshot
from tribe_sync.domain.confirmations import ConfirmationLine, ParsedFile, check_confirmations
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.executor import Report
from tribe_sync.jobs.handoff import DirectoryOutbox, read_handoff_file
from tribe_sync.jobs.plan import CreateTask, Plan, SetTask, Step
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.staff import PROGRESS_JOB, confirmation_plan
from tribe_sync.plans.service import APPROVAL_TASK_PREFIX, NOTICE_JOB
from tribe_sync.store.journal import Journal

SOAK = os.environ.get("TRIBE_SYNC_SOAK") == "1"
SCALE = "realistic" if SOAK else "small"
TODAY = dt.date(2027, 1, 4)
# A day on which each job has work: forecast reminders go out 14 days before a forecast deadline.
DAY_OF = {"forecast-reminders": dt.date(2027, 3, 2)}
IMPORT = "processor-import"  # the staff command, as the processor's file is imported before the job runs
ORDER = [
    "close-delivery-months",
    IMPORT,
    "progress-statuses",
    "accountability-reminders",
    "forecast-reminders",
    "audit",
]
KILL_POINTS: Counter[str] = Counter()


def end_state(crm: InMemoryCRM, outbox: Path) -> dict[str, Any]:
    files = sorted(outbox.glob("*.csv")) if outbox.exists() else []
    return {
        "requests": {
            str(r.number): (r.status, r.month, r.processor_confirmed_on, r.delivery_date)
            for r in crm.requests.values()
        },
        "months": {m: (d.is_open, d.closed_by, d.closed_reason) for m, d in crm.months.items()},
        "tasks": Counter(crm.created),
        "task_bodies": {k: (t.subject, t.due, t.organisation_id, t.contact_id) for k, t in crm.tasks.items()},
        "handoffs": Counter(row["ordernummer"] for f in files for row in read_handoff_file(f)),
        "partials": DirectoryOutbox(outbox).staged_names(),
    }


def confirmations(crm: InMemoryCRM, today: dt.date) -> Plan:
    """The processor confirms six requests it holds: three delivered yesterday, three next week."""
    held = sorted(
        (r for r in crm.requests.values() if r.status is RequestStatus.AT_PROCESSOR), key=lambda r: r.number
    )[:6]
    rows = tuple(
        ConfirmationLine(
            line,
            str(r.number),
            TODAY - dt.timedelta(days=3),
            TODAY + dt.timedelta(days=-1 if line % 2 else 7),
        )
        for line, r in enumerate(held, start=2)
    )
    found = crm.requests_by_number([row.order_number for row in rows])
    return confirmation_plan(
        check_confirmations(ParsedFile("utf-8", ";", rows), found, today=today), today, "sweep.csv"
    )


def execute(
    crm: InMemoryCRM, journal: Journal, outbox: Path, job: str, holder: str, today: dt.date
) -> Report:
    executor = make_executor(crm, journal, outbox, holder=holder)
    if job == IMPORT:
        return executor.apply(
            confirmations(crm, today), actor="processor-import:sweep.csv", claim=f"job:{PROGRESS_JOB}"
        )
    return executor.run_job(JOBS[job], today)


def run(crm: InMemoryCRM, journal: Journal, outbox: Path, job: str, holder: str, today: dt.date) -> None:
    report = execute(crm, journal, outbox, job, holder, today)
    assert report.error is None, report.error
    assert not report.failed


@dataclass(frozen=True)
class Reference:
    state: dict[str, Any]  # after every job
    after: dict[str, dict[str, Any]]  # after each job
    writes: dict[str, int]


def clean_run(outbox: Path, today: dt.date) -> Reference:
    crm, journal = InMemoryCRM(tenant_snapshot(SCALE)), memory_journal()
    writes, after = {}, {}
    for job in ORDER:
        before = crm.switch.count
        run(crm, journal, outbox, job, "clean:1:a", today)
        writes[job] = crm.switch.count - before
        after[job] = end_state(crm, outbox)
    journal.close()
    return Reference(after[ORDER[-1]], after, writes)


@pytest.fixture(scope="module")
def references(tmp_path_factory: pytest.TempPathFactory) -> dict[dt.date, Reference]:
    days = {TODAY, *DAY_OF.values()}
    found = {day: clean_run(tmp_path_factory.mktemp("clean") / "outbox", day) for day in days}
    state = found[TODAY].state
    assert state["handoffs"], "the run hands requests off"
    assert set(state["handoffs"].values()) == {1}
    assert sum(state["tasks"].values()) > 10
    assert set(state["tasks"].values()) == {1}
    assert any(k.startswith("notify/delivery-date/") for k in state["tasks"]), "a delivery date is told"
    assert RequestStatus.CLOSED in {s[0] for s in state["requests"].values()}
    return found


@pytest.mark.parametrize("victim", ORDER)
def test_a_run_killed_after_any_write_and_run_again_ends_exactly_as_a_clean_run(
    references: dict[dt.date, Reference], tmp_path: Path, victim: str
) -> None:
    today = DAY_OF.get(victim, TODAY)
    reference = references[today]
    writes = reference.writes[victim]
    assert writes > 0, f"{victim} has work on {today}"
    start_crm, start_journal, start_outbox = (
        InMemoryCRM(tenant_snapshot(SCALE)),
        memory_journal(),
        tmp_path / "start",
    )
    for job in ORDER[: ORDER.index(victim)]:
        run(start_crm, start_journal, start_outbox, job, "before:1:a", today)
    for point in range(1, writes + 1):
        crm, journal, outbox = start_crm.copy(), copy_journal(start_journal), tmp_path / f"k{point}"
        if start_outbox.exists():
            shutil.copytree(start_outbox, outbox)
        crm.switch.after = crm.switch.count + point
        with pytest.raises(Crash):
            execute(crm, journal, outbox, victim, "killed:1:a", today)
        KILL_POINTS[victim] += 1
        crm.switch.after = None
        run(crm, journal, outbox, victim, "after:2:b", today)
        state = end_state(crm, outbox)
        journal.close()
        assert state == reference.after[victim], f"{victim} killed after write {point} of {writes}"
    print(f"{victim}: {KILL_POINTS[victim]} kill points tried ({SCALE}, {today})")
    assert KILL_POINTS[victim] == writes


def test_the_sweep_tried_every_write_of_every_job(references: dict[dt.date, Reference]) -> None:
    if set(KILL_POINTS) != set(ORDER):
        pytest.skip("runs after the sweep itself (pytest -k selects a part of it)")
    total = sum(KILL_POINTS.values())
    print(f"crash sweep: {total} kill points over {len(ORDER)} jobs ({SCALE}): {dict(KILL_POINTS)}")
    assert total == sum(references[DAY_OF.get(j, TODAY)].writes[j] for j in ORDER) > 40


# -- the approval task: made when a plan is parked, marked done when it is settled, reopened for the next


def approval_plans(today: dt.date) -> list[Plan]:
    """What the daemon and staff apply around a parked plan, in order: the task "… wacht op
    goedkeuring" made; marked done when the plan is approved or rejected; a new plan for the day
    opens it again (its creation is then done already)."""
    key = f"{APPROVAL_TASK_PREFIX}progress-statuses/{today.isoformat()}"
    made = CreateTask(
        key=key,
        step=Step.APPROVAL,
        reason="plan 1 wacht op goedkeuring",
        label="plan 1",
        subject="Toekenning januari 2027 wacht op goedkeuring",
        body="Plan 1 wacht op goedkeuring.",
        start=today,
        due=today,
    )

    def marked(plan_id: int, *, done: bool) -> SetTask:
        return SetTask(
            key=f"{key}/{'done' if done else 'open'}/{plan_id}",
            step=Step.APPROVAL,
            reason=f"plan {plan_id}",
            label=f"plan {plan_id}",
            import_id=key,
            subject=made.subject,
            done=done,
        )

    return [
        Plan(NOTICE_JOB, today, (Step.APPROVAL,), changes=[made]),
        Plan(NOTICE_JOB, today, (Step.APPROVAL,), changes=[marked(1, done=True)]),
        Plan(NOTICE_JOB, today, (Step.APPROVAL,), changes=[made, marked(2, done=False)]),
        Plan(NOTICE_JOB, today, (Step.APPROVAL,), changes=[marked(2, done=True)]),
    ]


def apply_notice(crm: InMemoryCRM, journal: Journal, outbox: Path, plan: Plan, holder: str) -> Report:
    return make_executor(crm, journal, outbox, holder=holder).apply(plan, actor="daemon")


def task_state(crm: InMemoryCRM) -> dict[str, Any]:
    return {"tasks": Counter(crm.created), "done": set(crm.done_tasks)}


def test_the_approval_task_made_marked_done_and_reopened_survives_a_kill_after_any_write(
    tmp_path: Path,
) -> None:
    plans = approval_plans(TODAY)
    clean_crm, clean_journal = InMemoryCRM(tenant_snapshot(SCALE)), memory_journal()
    after: list[dict[str, Any]] = []
    writes: list[int] = []
    for plan in plans:
        before = clean_crm.switch.count
        report = apply_notice(clean_crm, clean_journal, tmp_path / "clean", plan, "clean:1:a")
        assert report.error is None
        writes.append(clean_crm.switch.count - before)
        after.append(task_state(clean_crm))
    clean_journal.close()
    key = plans[0].changes[0].key
    assert [state["done"] for state in after] == [set(), {key}, set(), {key}], "made, done, reopened, done"
    assert after[-1]["tasks"] == {key: 1}, "one task all along"

    tried = 0
    start_crm, start_journal = InMemoryCRM(tenant_snapshot(SCALE)), memory_journal()
    for n, plan in enumerate(plans):
        assert writes[n] > 0, f"plan {n + 1} writes"
        for point in range(1, writes[n] + 1):
            crm, journal = start_crm.copy(), copy_journal(start_journal)
            crm.switch.after = crm.switch.count + point
            with pytest.raises(Crash):
                apply_notice(crm, journal, tmp_path / "k", plan, "killed:1:a")
            crm.switch.after = None
            report = apply_notice(crm, journal, tmp_path / "k", plan, "after:2:b")
            assert report.error is None
            assert task_state(crm) == after[n], f"plan {n + 1} killed after write {point} of {writes[n]}"
            journal.close()
            tried += 1
        apply_notice(start_crm, start_journal, tmp_path / "start", plan, "before:1:a")
    start_journal.close()
    assert tried == sum(writes) >= 4, "every write of the task's life was a kill point"
