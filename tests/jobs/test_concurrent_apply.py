"""Writes in flight together keep the order that matters: a record's own writes in plan order, an
effect before the transition that depends on it, the hand-off file before the statuses it carries;
steps that share nothing are applied together. Chosen writes are delayed, so that a later write
would overtake them if the executor let it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
import time
from collections.abc import Callable
from pathlib import Path

from tests.fakes import NOW, CrashSwitch, InMemoryCRM, memory_journal, tenant_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.confirmations import ConfirmationLine, ParsedFile, check_confirmations
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs import keys
from tribe_sync.jobs.executor import Executor, Report
from tribe_sync.jobs.handoff import DirectoryOutbox
from tribe_sync.jobs.plan import (
    CreateMonth,
    CreateTask,
    HandOff,
    MoveStatus,
    Plan,
    RecordConfirmation,
    SetMonth,
    Step,
)
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.jobs.staff import PROGRESS_JOB, confirmation_plan
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.store.journal import Journal

TODAY = dt.date(2027, 1, 4)


class SlowCRM(InMemoryCRM):
    """Delays every task and every other status write; counts the writes under way at once."""

    def __init__(self, seed: Snapshot, slow: Callable[[str], bool] | None = None) -> None:
        super().__init__(seed, CrashSwitch())
        self.slow = slow or (lambda key: key.startswith("create task") or hash(key) % 2 == 1)
        self.lock = threading.Lock()
        self.in_flight = self.most_in_flight = 0
        self.order: list[str] = []  # every write, and every hand-off file made visible, as it ends

    def _slow(self, key: str, write: object) -> None:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        if self.slow(key):
            time.sleep(0.02)
        try:
            write()  # type: ignore[operator]
        finally:
            with self.lock:
                self.in_flight -= 1
                self.order.append(key)

    def create(self, change: CreateTask | object) -> str:  # type: ignore[override]
        found: list[str] = []
        self._slow(f"create {change.key}", lambda: found.append(super(SlowCRM, self).create(change)))  # type: ignore[arg-type, attr-defined]
        return found[0]

    def update(self, change: MoveStatus | object) -> None:  # type: ignore[override]
        self._slow(f"update {change.key}", lambda: super(SlowCRM, self).update(change))  # type: ignore[arg-type, attr-defined]


class SlowOutbox(DirectoryOutbox):
    def __init__(self, directory: Path, crm: SlowCRM) -> None:
        super().__init__(directory)
        self.crm = crm

    def publish(self, name: str) -> None:
        time.sleep(0.05)  # the file is slow to appear: its statuses must wait for it
        super().publish(name)
        with self.crm.lock:
            self.crm.order.append(f"publish {name}")


def executor(crm: SlowCRM, outbox: Path, width: int, journal: Journal) -> Executor:
    settings = Settings(crm={"max_in_flight": width})  # type: ignore[arg-type]
    return Executor(
        crm=crm,
        journal=journal,
        outbox=SlowOutbox(outbox, crm),
        settings=settings,
        schema=TenantSchema.from_settings(settings),
        clock=lambda: NOW,
        holder="test:1:a",
        background_renewal=False,
    )


def run(crm: SlowCRM, outbox: Path, width: int) -> list[Report]:
    journal = memory_journal()
    apply = executor(crm, outbox, width, journal)
    held = sorted(
        (r for r in crm.requests.values() if r.status is RequestStatus.AT_PROCESSOR), key=lambda r: r.number
    )[:6]
    rows = tuple(
        ConfirmationLine(n, str(r.number), TODAY - dt.timedelta(days=3), TODAY - dt.timedelta(days=1))
        for n, r in enumerate(held, start=2)
    )
    found = crm.requests_by_number([row.order_number for row in rows])
    confirm = confirmation_plan(
        check_confirmations(ParsedFile("utf-8", ";", rows), found, today=TODAY), TODAY, "c.csv"
    )
    reports = [
        apply.apply(confirm, actor="processor-import:c.csv", claim=f"job:{PROGRESS_JOB}"),
        apply.run_job(JOBS["progress-statuses"], TODAY),
    ]
    journal.close()
    return reports


def test_concurrent_writes_keep_each_records_order_effects_first_and_the_file_before_its_statuses(
    tmp_path: Path,
) -> None:
    crm = SlowCRM(tenant_snapshot())
    reports = run(crm, tmp_path / "outbox", width=8)
    changes = [o.change for report in reports for o in report.outcomes if str(o.status) == "applied"]
    position = {key: n for n, key in enumerate(crm.order)}

    assert crm.most_in_flight > 1, "writes were in flight together"
    kinds = {type(c) for c in changes}
    assert {MoveStatus, CreateTask, HandOff, RecordConfirmation} <= kinds, "every ordering rule is exercised"
    per_request: dict[str, list[str]] = {}
    for change in changes:
        if isinstance(change, MoveStatus | RecordConfirmation):
            per_request.setdefault(change.request_id, []).append(f"update {change.key}")
    for request_id, planned in per_request.items():
        assert sorted(planned, key=position.__getitem__) == planned, f"{request_id}: writes out of order"
    by_key = {c.key: c for c in changes}
    checked = 0
    for change in changes:
        for dependency in change.depends_on:
            before = by_key[dependency]
            if isinstance(before, HandOff):
                first = min(position[k] for k in position if k.startswith("publish "))
            else:
                first = position[f"create {before.key}"]
            assert first < position[f"update {change.key}"], f"{change.key} overtook {dependency}"
            checked += 1
    assert checked > 0


def test_concurrent_and_one_at_a_time_end_in_the_same_state(tmp_path: Path) -> None:
    side_by_side, one_by_one = SlowCRM(tenant_snapshot()), SlowCRM(tenant_snapshot())
    together = run(side_by_side, tmp_path / "a", width=8)
    alone = run(one_by_one, tmp_path / "b", width=1)

    assert one_by_one.most_in_flight == 1
    assert side_by_side.requests == one_by_one.requests
    assert side_by_side.months == one_by_one.months
    assert set(side_by_side.tasks) == set(one_by_one.tasks)
    for a, b in zip(together, alone, strict=True):
        # The report lists outcomes in plan order, whatever order the writes ended in.
        assert [(o.change.key, o.status) for o in a.outcomes] == [
            (o.change.key, o.status) for o in b.outcomes
        ]
        assert [dataclasses.astuple(p) for p in a.problems] == [dataclasses.astuple(p) for p in b.problems]


def test_two_writes_to_one_record_in_one_step_keep_their_order_when_the_first_is_slow(
    tmp_path: Path,
) -> None:
    crm = SlowCRM(tenant_snapshot(), slow=lambda key: key.startswith("update confirm"))
    held = sorted(
        (r for r in crm.requests.values() if r.status is RequestStatus.AT_PROCESSOR), key=lambda r: r.number
    )[:4]
    plan = Plan("processor import", TODAY, (Step.CONFIRMATION,))
    for request in held:
        common = {"step": Step.CONFIRMATION, "reason": "test", "request_id": request.id}
        plan.changes += [
            RecordConfirmation(
                key=f"confirm/{request.id}", order_number=str(request.number), confirmed_on=TODAY, **common
            ),  # type: ignore[arg-type]
            MoveStatus(
                key=f"move/{request.id}",
                order_number=str(request.number),
                from_status=RequestStatus.AT_PROCESSOR,
                to_status=RequestStatus.AWAITING_DELIVERY_DATE,
                phase_id=crm.seed.phase_ids[RequestStatus.AWAITING_DELIVERY_DATE],
                **common,  # type: ignore[arg-type]
            ),
        ]
    journal = memory_journal()
    report = executor(crm, tmp_path, 8, journal).apply(plan, actor="test", claim=f"job:{PROGRESS_JOB}")
    journal.close()

    assert report.error is None
    assert crm.most_in_flight > 1
    for request in held:
        assert crm.order.index(f"update confirm/{request.id}") < crm.order.index(f"update move/{request.id}")


def test_steps_that_share_no_record_are_re_read_once_and_written_together(tmp_path: Path) -> None:
    """close-delivery-months creates the months ahead and closes others: at Tribe's latency a second
    re-read and a second round of writes would cost half a second for nothing."""
    crm = SlowCRM(tenant_snapshot(), slow=lambda _key: True)
    open_month = next(m for m in crm.months.values() if m.is_open)
    missing = Month(max(crm.months).year + 1, 1)
    plan = Plan("close-delivery-months", TODAY, (Step.CREATE, Step.CLOSE))
    plan.changes += [
        CreateMonth(
            key=keys.month_create(missing), step=Step.CREATE, reason="ahead", month=missing, capacity=9
        ),
        SetMonth(
            key=keys.month_close(open_month.month),
            step=Step.CLOSE,
            reason="begun",
            month_id=open_month.id,
            month=open_month.month,
            open=False,
            closed_by=ClosedBy.JOB,
            closed_reason="begun",
            was_open=True,
            was_closed_by=open_month.closed_by,
        ),
    ]
    journal = memory_journal()
    report = executor(crm, tmp_path, 8, journal).apply(plan, actor="test", claim="job:close-delivery-months")
    journal.close()

    assert [str(o.status) for o in report.outcomes] == ["applied", "applied"]
    assert crm.reads == 1, "one re-read of the months for both steps"
    assert crm.most_in_flight == 2, "the creation and the closing were in flight together"
    assert missing in crm.months
    assert not crm.months[open_month.month].is_open


def test_a_step_that_touches_a_record_of_the_step_before_is_re_read_after_that_steps_writes(
    tmp_path: Path,
) -> None:
    """Its re-read must see the earlier step's write: the request is confirmed, then moved on."""
    crm = SlowCRM(tenant_snapshot(), slow=lambda key: key.startswith("update confirm"))
    request = min(
        (r for r in crm.requests.values() if r.status is RequestStatus.AT_PROCESSOR), key=lambda r: r.number
    )
    plan = Plan("processor import", TODAY, (Step.CONFIRMATION, Step.DELIVERY))
    common = {"reason": "test", "request_id": request.id, "order_number": str(request.number)}
    plan.changes += [
        RecordConfirmation(key="confirm", step=Step.CONFIRMATION, confirmed_on=TODAY, **common),  # type: ignore[arg-type]
        MoveStatus(
            key="move",
            step=Step.DELIVERY,
            from_status=RequestStatus.AT_PROCESSOR,
            to_status=RequestStatus.AWAITING_DELIVERY_DATE,
            phase_id=crm.seed.phase_ids[RequestStatus.AWAITING_DELIVERY_DATE],
            **common,  # type: ignore[arg-type]
        ),
    ]
    journal = memory_journal()
    report = executor(crm, tmp_path, 8, journal).apply(plan, actor="test", claim=f"job:{PROGRESS_JOB}")
    journal.close()

    assert [str(o.status) for o in report.outcomes] == ["applied", "applied"]
    assert crm.reads == 2, "each step re-read its request"
    assert crm.order == ["update confirm", "update move"]
