"""The two small protocols the executor works through (and the outbox it writes hand-offs to).

`CRM` is what a run needs of Tribe, in domain terms: a snapshot, the current state of what it is
about to change, and typed writes. `tribe_sync.tribe_crm.TribeCRM` speaks Tribe's OData; the tests'
in-memory fake keeps the same promises in microseconds. `JournalPort` is the part of the store the
run lifecycle uses (`tribe_sync.store.journal.Journal`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping, Sequence
from typing import Any, Protocol

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.plan import CreateMonth, CreateTask, MoveStatus, RecordConfirmation, SetMonth, SetTask
from tribe_sync.jobs.snapshot import Snapshot

__all__ = ["CRM", "JournalPort", "Outbox"]


class CRM(Protocol):
    """The system of record. Reads are fresh (never cached across calls); writes raise `CRMError`."""

    def snapshot(
        self, parts: Collection[str], task_prefixes: Collection[str] = (), *, digest: bool = False
    ) -> Snapshot:
        """What a planner reads: the named parts (`snapshot.PARTS`) and our tasks by `ImportId` prefix;
        with `digest`, also `Snapshot.seen` (what a saved plan keeps of every record read)."""
        ...

    def current_phases(self, request_ids: Collection[str]) -> dict[str, RequestStatus | None]:
        """Each request's status now; None for a status the tenant mapping does not know."""
        ...

    def current_months(self) -> dict[Month, DeliveryMonth]:
        """Every delivery month as it is now."""
        ...

    def existing_tasks(self, keys: Collection[str]) -> set[str]:
        """Which of these task keys a task in the CRM carries as its `ImportId` now."""
        ...

    def requests_by_number(self, numbers: Collection[str]) -> dict[str, Request]:
        """The requests with these order numbers (those that map), by order number."""
        ...

    def task_done(self, key: str) -> bool | None:
        """Whether the task with `ImportId` `key` is done now; None if there is no such task."""
        ...

    def create(self, change: CreateTask | CreateMonth) -> str:
        """Create the record; returns its ID."""
        ...

    def update(self, change: MoveStatus | SetMonth | RecordConfirmation | SetTask) -> None:
        """Write only the fields the change is about."""
        ...


class JournalPort(Protocol):
    """Runs, change keys (the idempotency guard), the audit trail and claims. Time is given."""

    def start_run(
        self,
        job: str,
        today: dt.date,
        at: dt.datetime,
        *,
        dry_run: bool = False,
        holder: str | None = None,
        trigger: str | None = None,
        plan_id: int | None = None,
    ) -> int: ...

    def finish_run(
        self,
        run_id: int,
        at: dt.datetime,
        outcome: str,
        counts: dict[str, int],
        error: str | None = None,
        notes: dict[str, list[dict[str, str]]] | None = None,
    ) -> None: ...

    def state_of(self, key: str) -> tuple[str, str | None] | None: ...

    def states_of(self, keys: Collection[str]) -> dict[str, tuple[str, str | None]]:
        """`state_of` of many keys at once; keys never recorded are absent."""
        ...

    def keys_with_prefix(self, prefix: str) -> dict[str, tuple[str, str | None]]: ...

    def mark(
        self, run_id: int, key: str, at: dt.datetime, *, state: str = "done", detail: str | None = None
    ) -> None: ...

    def mark_many(
        self,
        run_id: int,
        keys: Sequence[str],
        at: dt.datetime,
        *,
        state: str = "done",
        detail: str | None = None,
    ) -> None: ...

    def record(
        self,
        run_id: int,
        keys: Sequence[str],
        *,
        entity_set: str | None,
        target_id: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str,
        actor: str,
        at: dt.datetime,
        label: str | None = None,
    ) -> None:
        """Mark `keys` done and write the audit line of `keys[0]` (with the `label` people know the
        record by), all or nothing."""
        ...

    def record_many(self, run_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
        """`record` for several changes (each line holds `record`'s keyword arguments) in one
        transaction: all of them or none."""
        ...

    def forget(self, key: str) -> None: ...

    def claim(self, name: str, holder: str, at: dt.datetime, ttl: dt.timedelta) -> None: ...

    def take_over(self, name: str, dead: str, holder: str, at: dt.datetime, ttl: dt.timedelta) -> bool: ...

    def release(self, name: str, holder: str) -> None: ...


class Outbox(Protocol):
    """Where hand-off files go. A file is first `stage`d (written whole and synced, invisible to the
    processor), then `publish`ed (renamed into view); a rerun finishes what it finds."""

    def stage(self, name: str, rows: Sequence[Mapping[str, str]]) -> None: ...

    def publish(self, name: str) -> None: ...

    def published(self, name: str) -> bool: ...

    def staged(self, name: str) -> bool: ...

    def staged_names(self) -> list[str]: ...

    def discard(self, name: str) -> None: ...

    def unwritable(self) -> str | None:
        """Why no file can be written here (None: one can), asked before a run writes anything."""
        ...
