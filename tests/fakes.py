"""In-memory stand-ins for the executor's protocols, with crash injection.

`InMemoryCRM` keeps the promises of `jobs.ports.CRM` over domain objects: fresh reads, typed writes,
and the CRM's own rules (a status only moves one step on, a task's `ImportId` is what finds it). It is
seeded from a `Snapshot`, typically the sandbox's generated tenant read once (`tenant_snapshot`), so
apply and crash tests run in milliseconds without a server.

`Crash` is a process dying: a `BaseException`, so nothing in the executor catches it, as nothing
catches SIGKILL. A `CrashSwitch` counts every write (CRM writes, hand-off file steps, the journal's
intent records) and raises `Crash` right after the k-th.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx

from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import Settings
from tribe_sync.domain.accountability import AccountabilityReport
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs import keys
from tribe_sync.jobs.executor import Executor
from tribe_sync.jobs.handoff import DirectoryOutbox
from tribe_sync.jobs.plan import (
    CreateMonth,
    CreateTask,
    MoveStatus,
    Plan,
    RecordConfirmation,
    SetMonth,
    SetTask,
)
from tribe_sync.jobs.snapshot import PARTS, Snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.sandbox.query import parse_read
from tribe_sync.sandbox.server import build_state
from tribe_sync.store.journal import Journal, open_journal
from tribe_sync.tribe_crm import TribeCRM

__all__ = [
    "BrokenJob",
    "Crash",
    "CrashSwitch",
    "CrashingJournal",
    "CrashingOutbox",
    "InMemoryCRM",
    "copy_journal",
    "make_executor",
    "memory_journal",
    "tenant_snapshot",
]

# Which problems belong to which snapshot part (a problem's `entity`).
_PART_OF = {
    "organisation": "organisations",
    "contact": "contacts",
    "request": "requests",
    "delivery_month": "months",
    "forecast": "forecasts",
    "accountability": "reports",
    "product": "reference",
    "processor": "reference",
}


class Crash(BaseException):
    """The process died here (SIGKILL, power): nothing after this line of the run happens."""


class CrashSwitch:
    """Raises `Crash` right after the `after`-th write, or after the first write described as `on`."""

    def __init__(self, after: int | None = None, on: str | None = None) -> None:
        self.after, self.on = after, on
        self.count = 0

    def tick(self, what: str) -> None:
        self.count += 1
        if (self.after is not None and self.count == self.after) or (self.on and what.startswith(self.on)):
            raise Crash(f"killed after write {self.count} ({what})")


class InMemoryCRM:
    """The CRM protocol over domain objects; `writes` lists every write, `created` every task create."""

    def __init__(self, seed: Snapshot, switch: CrashSwitch | None = None) -> None:
        self.seed = seed
        self.requests: dict[str, Request] = {r.id: r for r in seed.requests}
        self.months: dict[Month, DeliveryMonth] = dict(seed.months)
        self.tasks: dict[str, CreateTask] = {}  # by ImportId
        self.task_ids: dict[str, str] = dict(seed.tasks)
        self.done_tasks: set[str] = set()  # ImportIds of tasks marked done
        self.reports: list[AccountabilityReport] = list(seed.reports)
        self.switch = switch or CrashSwitch()
        self.writes: list[str] = []
        self.created: Counter[str] = Counter()
        self.reads = 0
        self._next_id = 1
        self.on_read: list[Any] = []  # callables run before a re-read: "a person acts meanwhile"

    def copy(self) -> InMemoryCRM:
        """The same CRM state, independent from here on (with a switch of its own)."""
        twin = InMemoryCRM(self.seed)
        twin.requests, twin.months = dict(self.requests), dict(self.months)
        twin.tasks, twin.task_ids, twin.created = dict(self.tasks), dict(self.task_ids), Counter(self.created)
        twin.done_tasks = set(self.done_tasks)
        twin.reports = list(self.reports)
        twin._next_id = self._next_id
        return twin

    # -- reads ---------------------------------------------------------------------------------

    def snapshot(
        self, parts: Collection[str], task_prefixes: Collection[str] = (), *, digest: bool = False
    ) -> Snapshot:
        self.reads += 1
        seed = self.seed
        snap = Snapshot()
        if "organisations" in parts:
            snap.organisations = dict(seed.organisations)
        if "contacts" in parts:
            snap.contacts = dict(seed.contacts)
        if "requests" in parts:
            snap.requests = sorted(self.requests.values(), key=lambda r: (r.requested_at, r.id))
        if "months" in parts:
            snap.months = dict(sorted(self.months.items()))
        if "forecasts" in parts:
            snap.forecasts = list(seed.forecasts)
        if "reports" in parts:
            snap.reports = list(self.reports)
        if "reference" in parts:
            snap.products, snap.processors = dict(seed.products), dict(seed.processors)
            snap.phase_ids = dict(seed.phase_ids)
            snap.age_groups, snap.target_groups = dict(seed.age_groups), dict(seed.target_groups)
        if "reference" in parts or task_prefixes:  # as TribeCrm: a job that makes tasks reads their phases
            snap.task_phase_ids = dict(seed.task_phase_ids)
        snap.problems = [p for p in seed.problems if _PART_OF.get(p.entity, "requests") in parts]
        snap.tasks = {k: v for k, v in self.task_ids.items() if any(k.startswith(p) for p in task_prefixes)}
        return snap

    def _reread(self) -> None:
        self.reads += 1
        for act in list(self.on_read):
            act()

    def current_phases(self, request_ids: Collection[str]) -> dict[str, RequestStatus | None]:
        self._reread()
        return {i: self.requests[i].status for i in request_ids if i in self.requests}

    def current_months(self) -> dict[Month, DeliveryMonth]:
        self._reread()
        return dict(self.months)

    def existing_tasks(self, keys: Collection[str]) -> set[str]:
        self._reread()
        return {k for k in keys if k in self.task_ids}

    def task_done(self, key: str) -> bool | None:
        self._reread()
        return (key in self.done_tasks) if key in self.task_ids else None

    def requests_by_number(self, numbers: Collection[str]) -> dict[str, Request]:
        self.reads += 1
        wanted = set(numbers)
        return {str(r.number): r for r in self.requests.values() if str(r.number) in wanted}

    # -- writes --------------------------------------------------------------------------------

    def create(self, change: CreateTask | CreateMonth) -> str:
        record_id = f"new-{self._next_id}"
        self._next_id += 1
        if isinstance(change, CreateMonth):
            assert change.month not in self.months, f"{change.month} exists already"
            closed = change.closed_reason is not None
            self.months[change.month] = DeliveryMonth(
                record_id,
                change.month,
                not closed,
                change.capacity,
                ClosedBy.JOB if closed else None,
                change.closed_reason,
            )
        else:
            self.tasks[change.key] = change
            self.task_ids[change.key] = record_id
            self.created[change.key] += 1
        self.writes.append(f"create {change.key}")
        self.switch.tick(f"create {change.key}")
        return record_id

    def update(self, change: MoveStatus | SetMonth | RecordConfirmation | SetTask) -> None:
        if isinstance(change, SetTask):
            assert change.import_id in self.task_ids, f"no task {change.import_id}"
            if change.done:
                self.done_tasks.add(change.import_id)
            else:
                self.done_tasks.discard(change.import_id)
        elif isinstance(change, MoveStatus):
            request = self.requests[change.request_id]
            assert request.status.can_advance_to(change.to_status), f"{request.status} -> {change.to_status}"
            assert change.phase_id == self.seed.phase_ids[change.to_status]
            self.requests[request.id] = dataclasses.replace(
                request, status=change.to_status, month=change.month or request.month
            )
        elif isinstance(change, SetMonth):
            month = self.months[change.month]
            reason = f"heropend: {change.closed_reason}" if change.open else change.closed_reason
            self.months[change.month] = dataclasses.replace(
                month, is_open=change.open, closed_by=change.closed_by, closed_reason=reason
            )
        else:
            request = self.requests[change.request_id]
            self.requests[request.id] = dataclasses.replace(
                request,
                processor_confirmed_on=change.confirmed_on,
                delivery_date=change.delivery_date or request.delivery_date,
            )
        self.writes.append(f"update {change.key}")
        self.switch.tick(f"update {change.key}")

    # -- what a person does meanwhile ----------------------------------------------------------

    def set_status(self, request_id: str, status: RequestStatus) -> None:
        self.requests[request_id] = dataclasses.replace(self.requests[request_id], status=status)

    def set_month(self, month: Month, **fields: Any) -> None:
        self.months[month] = dataclasses.replace(self.months[month], **fields)


class BrokenJob:
    """A planner with a bug: raises `error` for whatever it is given."""

    description = "a planner with a bug"
    parts = frozenset({"months"})
    task_prefixes: frozenset[str] = frozenset()
    journal_prefixes: frozenset[str] = frozenset()

    def __init__(self, error: Exception, name: str = "close-delivery-months") -> None:
        self.name, self.error = name, error

    def plan(self, *_args: Any) -> Plan:
        raise self.error


class CrashingOutbox(DirectoryOutbox):
    """The real outbox folder; each stage and publish is a write the switch counts."""

    def __init__(self, directory: Path, switch: CrashSwitch) -> None:
        super().__init__(directory)
        self.switch = switch

    def stage(self, name: str, rows: Sequence[Mapping[str, str]]) -> None:
        super().stage(name, rows)
        self.switch.tick(f"stage {name}")

    def publish(self, name: str) -> None:
        super().publish(name)
        self.switch.tick(f"publish {name}")


class CrashingJournal(Journal):
    """The real journal; recording several keys at once (a hand-off's rows) is a write the switch counts."""

    def __init__(self, journal: Journal, switch: CrashSwitch) -> None:
        super().__init__(journal.engine)
        self.switch = switch

    def mark_many(
        self,
        run_id: int,
        keys: Sequence[str],
        at: dt.datetime,
        *,
        state: str = "done",
        detail: str | None = None,
    ) -> None:
        super().mark_many(run_id, keys, at, state=state, detail=detail)
        self.switch.tick(f"journal {state} {len(keys)} key(s)")


NOW = dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC)


def make_executor(
    crm: InMemoryCRM,
    journal: Journal,
    outbox: Path,
    *,
    settings: Settings | None = None,
    clock: Any = None,
    holder: str = "test:1:a",
    **kwargs: Any,
) -> Executor:
    settings = settings or Settings()
    return Executor(
        crm=crm,
        journal=CrashingJournal(journal, crm.switch),
        outbox=CrashingOutbox(outbox, crm.switch),
        settings=settings,
        schema=TenantSchema.from_settings(settings),
        clock=clock or (lambda: NOW),
        holder=holder,
        background_renewal=False,
        **kwargs,
    )


def memory_journal() -> Journal:
    return open_journal("sqlite://")


def copy_journal(journal: Journal) -> Journal:
    """An in-memory journal with the same contents (SQLite's backup), independent from here on."""
    twin = memory_journal()
    source, target = journal.engine.raw_connection(), twin.engine.raw_connection()
    try:
        source.driver_connection.backup(target.driver_connection)  # type: ignore[union-attr]
    finally:
        source.close()
        target.close()
    return twin


# -- the sandbox's generated tenant, read once without a server ---------------------------------


@functools.cache
def tenant_snapshot(scale: str = "small", seed: int = 21, anchor: dt.date = dt.date(2026, 12, 1)) -> Snapshot:
    """The sandbox's generated tenant as a job sees it: read through the real client, mappers and
    `TribeCRM`, over an in-process transport (no server, no sockets). Cached per arguments."""
    state = build_state(scale=scale, seed=seed, anchor=anchor)

    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/oauth2/token"):
            return httpx.Response(200, json={"access_token": "t", "token_type": "bearer", "expires_in": 3600})
        entity_set = request.url.path.rsplit("/", 1)[-1]
        params = {}
        for pair in request.url.query.decode().split("&"):
            if pair:
                key, _, value = pair.partition("=")
                params[unquote(key)] = unquote(value)
        rows = state.store.read(entity_set, parse_read(params), 100)
        return httpx.Response(200, json={"value": rows})

    settings = Settings(
        crm={"api_url": "https://tenant.test", "token_url": "https://tenant.test/oauth2/token"}
    )  # type: ignore[arg-type]
    client = TribeClient.from_settings(
        settings.crm, http_client=httpx.Client(transport=httpx.MockTransport(handle))
    )
    prefixes = (
        keys.NOTIFY_PREFIX,
        keys.ACCOUNTABILITY_PREFIX,
        keys.FORECAST_PREFIX,
        keys.LATE_PREFIX,
        keys.AUDIT_PREFIX,
    )
    with client:
        return TribeCRM(client, TenantSchema.from_settings(settings)).snapshot(PARTS, prefixes)
