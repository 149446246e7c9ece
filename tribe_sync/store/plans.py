"""Saved plans and their approvals, in the journal's database.

A plan row holds the plan document as it was shown (`plans.document`), its status and who did what
when. Status moves only forward:

    pending ──approve──> approved ──apply──> applied
       │                    │
       ├──reject──> rejected <┘
       ├──(world moved)──> stale      (a fresh pending plan replaces it)
       └──(too old)──> expired

Every status change is one conditional UPDATE (`WHERE status = <expected>`), so two processes that
approve, reject or apply one plan at the same time cannot both succeed. All timestamps come from the
caller: the store never reads the clock.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Connection, Engine, Text, cast, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.errors import PlanError, StoreError
from tribe_sync.store.tables import plans

__all__ = ["PlanRow", "PlanSource", "PlanStatus", "PlanStore", "PlanSummary", "Trigger"]


class PlanStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    APPLIED = "applied"
    REJECTED = "rejected"
    STALE = "stale"
    EXPIRED = "expired"


OPEN = (PlanStatus.PENDING, PlanStatus.APPROVED)


class PlanSource(StrEnum):
    STAFF = "staff"  # `jobs plan --submit`: four eyes apply
    DAEMON = "daemon"  # parked by the daemon for a job under approval


class Trigger(StrEnum):
    """What started a run (`runs list`)."""

    SCHEDULE = "schedule"
    CATCH_UP = "catch-up"
    WEBHOOK = "webhook"
    STAFF = "staff"  # the command line
    CONSOLE = "console"  # a button in the staff console
    APPROVED_PLAN = "approved-plan"


@dataclass(frozen=True)
class PlanRow:
    id: int
    job: str
    today: dt.date
    status: PlanStatus
    digest: str
    document: dict[str, Any]
    source: PlanSource
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None
    run_id: int | None
    replaced_by: int | None
    updated_at: dt.datetime

    @property
    def changes(self) -> int:
        changes = self.document.get("changes")
        return len(changes) if isinstance(changes, list) else 0

    def as_dict(self, *, document: bool = False) -> dict[str, Any]:
        row: dict[str, Any] = {
            "id": self.id,
            "job": self.job,
            "today": self.today.isoformat(),
            "status": self.status.value,
            "changes": self.changes,
            "source": self.source.value,
            "submitted_by": self.submitted_by,
            "submitted_at": self.submitted_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
            "note": self.note,
            "run_id": self.run_id,
            "replaced_by": self.replaced_by,
        }
        if document:
            row["plan"] = self.document
        return row


@dataclass(frozen=True)
class PlanSummary:
    """A plan without its document, for lists: a plan made at large scale carries the digest of every
    record it read (megabytes), which a list of plans must not read for a count."""

    id: int
    job: str
    today: dt.date
    status: PlanStatus
    source: PlanSource
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None
    run_id: int | None
    replaced_by: int | None
    changes: int
    held: int


class PlanStore:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def _tx(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).splitlines()[0]
            raise StoreError(f"the plan store failed: {reason}") from exc

    def submit(
        self,
        document: Mapping[str, Any],
        digest: str,
        *,
        by: str,
        source: PlanSource,
        at: dt.datetime,
    ) -> tuple[PlanRow, bool]:
        """Store a plan as pending; (row, True) if new. A plan with the same changes for the same job
        and day that is still open is returned instead (False): re-planning never duplicates."""
        job, today = str(document["job"]), dt.date.fromisoformat(str(document["today"]))
        with self._tx() as tx:
            same = tx.execute(
                select(plans).where(
                    plans.c.job == job,
                    plans.c.today == today,
                    plans.c.digest == digest,
                    plans.c.status.in_([s.value for s in OPEN]),
                )
            ).first()
            if same is not None:
                return _row(same._mapping), False
            new_id = tx.execute(
                insert(plans).values(
                    job=job,
                    today=today,
                    status=PlanStatus.PENDING.value,
                    digest=digest,
                    document=dict(document),
                    change_count=_count(document.get("changes")),
                    held_count=_count(document.get("held")),
                    source=source.value,
                    submitted_by=by,
                    submitted_at=at,
                    updated_at=at,
                )
            ).inserted_primary_key[0]  # type: ignore[index]
            created = tx.execute(select(plans).where(plans.c.id == new_id)).one()
        return _row(created._mapping), True

    def get(self, plan_id: int) -> PlanRow:
        with self._tx() as tx:
            found = tx.execute(select(plans).where(plans.c.id == plan_id)).first()
        if found is None:
            raise PlanError(f"er is geen plan {plan_id}; `tribe-sync plans list` toont ze")
        return _row(found._mapping)

    def shown(self, plan_id: int, *, document: bool = True) -> PlanRow:
        """A plan with the document a person reads: everything but `records`, the digest of every
        record the plan read (three quarters of 20 MB at large scale, only needed to apply or check
        it), which the database drops before it is sent and parsed. `document=False`: the row only."""
        columns = [c for c in plans.c if c.name != "document"]
        query = select(*columns)
        if document:
            query = query.add_columns(_without_records(self.engine).label("shown_document"))
        with self._tx() as tx:
            found = tx.execute(query.where(plans.c.id == plan_id)).first()
        if found is None:
            raise PlanError(f"er is geen plan {plan_id}; `tribe-sync plans list` toont ze")
        values = dict(found._mapping)
        shown = values.pop("shown_document", None)
        parsed = json.loads(shown) if isinstance(shown, str) else (shown or {})
        return _row({**values, "document": parsed})

    def rows(
        self, *, status: PlanStatus | None = None, job: str | None = None, limit: int = 200
    ) -> list[PlanRow]:
        query = select(plans).order_by(plans.c.id.desc()).limit(limit)
        if status is not None:
            query = query.where(plans.c.status == status.value)
        if job is not None:
            query = query.where(plans.c.job == job)
        with self._tx() as tx:
            return [_row(r._mapping) for r in tx.execute(query)]

    def summaries(self, *, status: PlanStatus | None = None, limit: int = 200) -> list[PlanSummary]:
        """The latest plans, newest first, with their counts of changes and held decisions as saved
        with them (revision 0008; the database counts the document's arrays only for a row without)."""
        changes = func.coalesce(plans.c.change_count, func.json_array_length(plans.c.document["changes"]), 0)
        held = func.coalesce(plans.c.held_count, func.json_array_length(plans.c.document["held"]), 0)
        columns = [c for c in plans.c if c.name != "document"]
        query = select(*columns, changes.label("n_changes"), held.label("n_held"))
        if status is not None:
            query = query.where(plans.c.status == status.value)
        with self._tx() as tx:
            found = tx.execute(query.order_by(plans.c.id.desc()).limit(limit)).all()
        return [
            PlanSummary(
                id=int(r.id),
                job=str(r.job),
                today=r.today,
                status=PlanStatus(r.status),
                source=PlanSource(r.source),
                submitted_by=str(r.submitted_by),
                submitted_at=_aware(r.submitted_at),
                decided_by=r.decided_by,
                decided_at=_aware(r.decided_at) if r.decided_at else None,
                note=r.note,
                run_id=r.run_id,
                replaced_by=r.replaced_by,
                changes=int(r.n_changes or 0),
                held=int(r.n_held or 0),
            )
            for r in found
        ]

    def open_for(self, job: str, today: dt.date | None = None) -> list[PlanRow]:
        """The job's pending and approved plans, oldest first (for one day, if given)."""
        query = select(plans).where(plans.c.job == job, plans.c.status.in_([s.value for s in OPEN]))
        if today is not None:
            query = query.where(plans.c.today == today)
        with self._tx() as tx:
            return [_row(r._mapping) for r in tx.execute(query.order_by(plans.c.id))]

    def pending_summary(self, now: dt.datetime) -> tuple[int, float]:
        """How many plans wait for a decision, and how long the oldest has waited (seconds)."""
        with self._tx() as tx:
            count, oldest = tx.execute(
                select(func.count(), func.min(plans.c.submitted_at)).where(
                    plans.c.status == PlanStatus.PENDING.value
                )
            ).one()
        if not count or oldest is None:
            return 0, 0.0
        return int(count), max(0.0, (now - _aware(oldest)).total_seconds())

    def move(
        self,
        plan_id: int,
        expected: tuple[PlanStatus, ...],
        to: PlanStatus,
        *,
        at: dt.datetime,
        by: str | None = None,
        note: str | None = None,
        run_id: int | None = None,
        replaced_by: int | None = None,
    ) -> bool:
        """Move a plan from one of `expected` to `to`; False if it was no longer in one of them."""
        values: dict[str, Any] = {"status": to.value, "updated_at": at}
        if by is not None:
            values |= {"decided_by": by, "decided_at": at}
        if note is not None:
            values["note"] = note
        if run_id is not None:
            values["run_id"] = run_id
        if replaced_by is not None:
            values["replaced_by"] = replaced_by
        with self._tx() as tx:
            moved = tx.execute(
                update(plans)
                .where(plans.c.id == plan_id, plans.c.status.in_([s.value for s in expected]))
                .values(**values)
            ).rowcount
        return bool(moved)

    def for_run(self, run_id: int) -> PlanRow | None:
        with self._tx() as tx:
            found = tx.execute(select(plans).where(plans.c.run_id == run_id)).first()
        return _row(found._mapping) if found else None


def _row(values: Any) -> PlanRow:
    return PlanRow(
        id=int(values["id"]),
        job=str(values["job"]),
        today=values["today"],
        status=PlanStatus(values["status"]),
        digest=str(values["digest"]),
        document=dict(values["document"]),
        source=PlanSource(values["source"]),
        submitted_by=str(values["submitted_by"]),
        submitted_at=_aware(values["submitted_at"]),
        decided_by=values["decided_by"],
        decided_at=_aware(values["decided_at"]) if values["decided_at"] else None,
        note=values["note"],
        run_id=values["run_id"],
        replaced_by=values["replaced_by"],
        updated_at=_aware(values["updated_at"]),
    )


def _without_records(engine: Engine) -> ColumnElement[Any]:
    """The plan's document without `records`, as JSON text (SQLite) or a JSON value (PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        return cast(cast(plans.c.document, JSONB).op("-")(literal("records")), Text)
    return func.json_remove(plans.c.document, "$.records")


def _count(items: object) -> int:
    return len(items) if isinstance(items, list) else 0


def _aware(value: dt.datetime) -> dt.datetime:
    # SQLite returns naive datetimes; everything we store is UTC.
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value
