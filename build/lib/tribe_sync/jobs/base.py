"""The job shape: a pure `plan()` that returns typed changes, and an `apply()` that carries them out.

Every change has a stable key. Updates are idempotent and planned from the CRM's current state, so a
rerun simply converges; creates and hand-offs are guarded by their key (journal and CRM). Before a
status write the current phase is read again: if a person changed it meanwhile, the change is skipped
and reported, never forced.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from tribe_sync.bootstrap import Services
from tribe_sync.client.odata import Expand, F, Query, any_of
from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import Settings
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.errors import CRMError, InterruptedRun
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.store.journal import Journal

__all__ = [
    "ApplyContext",
    "Change",
    "Job",
    "Notice",
    "Outcome",
    "Plan",
    "Report",
    "apply_changes",
    "apply_in_order",
    "apply_one",
    "current_phases",
    "record",
]

Action = Literal["update", "create", "handoff"]
OutcomeStatus = Literal["planned", "applied", "done-already", "skipped", "failed"]
_ID_CHUNK = 40  # GUIDs per `or` chain: keeps URLs well under common limits


@dataclass(frozen=True)
class Change:
    key: str
    step: str
    action: Action
    entity_set: str
    target_id: str | None
    label: str  # what a person recognises: an order number, a month
    reason: str
    body: Mapping[str, Any]
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)
    expect_status: RequestStatus | None = None  # status writes: the phase it must still be in
    to_status: RequestStatus | None = None
    group: str | None = None  # hand-off: the processor
    row: Mapping[str, str] | None = None  # hand-off: the file's row
    marks: tuple[str, ...] = ()  # further journal keys recorded once this change is carried out

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "step": self.step,
            "action": self.action,
            "entity_set": self.entity_set,
            "target_id": self.target_id,
            "label": self.label,
            "reason": self.reason,
            "before": dict(self.before),
            "after": dict(self.after),
        }


@dataclass(frozen=True)
class Notice:
    """Not bad data but a decision worth telling: a request held back, a month left open by staff."""

    code: str
    step: str
    record_id: str | None
    label: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "step": self.step,
            "record_id": self.record_id,
            "label": self.label,
            "message": self.message,
        }


@dataclass
class Plan:
    job: str
    today: dt.date
    steps: tuple[str, ...]
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    held: list[Notice] = field(default_factory=list)


@dataclass(frozen=True)
class Outcome:
    change: Change
    status: OutcomeStatus
    detail: str = ""


@dataclass
class Report:
    plan: Plan
    dry_run: bool
    outcomes: list[Outcome]
    problems: list[Problem]
    run_id: int | None = None

    @classmethod
    def planned(cls, plan: Plan) -> Report:
        return cls(plan, True, [Outcome(c, "planned") for c in plan.changes], list(plan.problems))

    def summary(self) -> dict[str, int]:
        counts = dict.fromkeys(("planned", "applied", "done-already", "skipped", "failed"), 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return {
            "changes": len(self.outcomes),
            **{k.replace("-", "_"): v for k, v in counts.items()},
            "problems": len(self.problems),
            "held": len(self.plan.held),
        }

    @property
    def exit_code(self) -> int:
        failed = any(o.status in ("failed", "skipped") for o in self.outcomes)
        return 1 if failed or self.problems else 0

    @property
    def outcome(self) -> str:
        return "problems" if self.exit_code else "ok"

    def as_json(self) -> dict[str, Any]:
        return {
            "job": self.plan.job,
            "today": self.plan.today.isoformat(),
            "dry_run": self.dry_run,
            "changes": [
                {**o.change.as_dict(), "outcome": o.status, "detail": o.detail} for o in self.outcomes
            ],
            "problems": [p.as_dict() for p in self.problems],
            "held": [n.as_dict() for n in self.plan.held],
            "summary": self.summary(),
        }


@dataclass
class ApplyContext:
    client: TribeClient
    journal: Journal
    schema: TenantSchema
    settings: Settings
    snapshot: Snapshot
    run_id: int
    now: Callable[[], dt.datetime]
    actor: str
    progress: Callable[[int], None] = lambda _n: None
    stopping: Callable[[], bool] = lambda: False

    @classmethod
    def for_run(
        cls,
        services: Services,
        snapshot: Snapshot,
        run_id: int,
        actor: str,
        progress: Callable[[int], None] | None = None,
    ) -> ApplyContext:
        return cls(
            client=services.client,
            journal=services.journal,
            schema=services.schema,
            settings=services.settings,
            snapshot=snapshot,
            run_id=run_id,
            now=services.clock,
            actor=actor,
            progress=progress or (lambda _n: None),
            stopping=services.stopping.is_set,
        )

    def check_stop(self) -> None:
        """Between two changes: if the process is asked to stop, end the run here, cleanly."""
        if self.stopping():
            raise InterruptedRun("stopped on request between two changes")


class Job(Protocol):
    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parts(self) -> Collection[str]:
        """What the snapshot must hold (see `snapshot.PARTS`)."""
        ...

    @property
    def task_prefixes(self) -> Collection[str]:
        """`ImportId` prefixes of our own tasks the plan must know about."""
        ...

    @property
    def journal_prefixes(self) -> Collection[str]:
        """Journal key prefixes the plan must know about (read into `Snapshot.journal_keys`)."""
        ...

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan: ...

    def apply(self, plan: Plan, ctx: ApplyContext) -> tuple[list[Outcome], list[Problem]]: ...


def current_phases(client: TribeClient, schema: TenantSchema, ids: Iterable[str]) -> dict[str, str | None]:
    """The phase code of each request now, in one filtered read per 40 IDs (never one call each)."""
    wanted = sorted(set(ids))
    phases: dict[str, str | None] = {}
    for start in range(0, len(wanted), _ID_CHUNK):
        chunk = [uuid.UUID(i) for i in wanted[start : start + _ID_CHUNK]]
        query = Query(filter=any_of(F("ID"), chunk), select=["ID"], expand=[Expand("Phase", select=["Code"])])
        for found, record in enumerate(client.iter_records(schema.sets.request, query), start=1):
            phase = record.get("Phase")
            phases[record.id] = phase.get("Code") if isinstance(phase, dict) else None
            if found == len(chunk):
                break  # every ID asked for is here: no need for the empty page that would confirm it
    return phases


def apply_changes(changes: list[Change], ctx: ApplyContext) -> tuple[list[Outcome], list[Problem]]:
    """Carry out updates and creates in plan order, step by step; one failure never stops the rest."""
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    for step in dict.fromkeys(c.step for c in changes):
        in_step = [c for c in changes if c.step == step]
        status_targets = [c.target_id for c in in_step if c.expect_status is not None and c.target_id]
        phases = current_phases(ctx.client, ctx.schema, status_targets) if status_targets else {}
        done, found = apply_in_order(in_step, ctx, phases)
        outcomes += done
        problems += found
    return outcomes, problems


def apply_in_order(
    changes: list[Change], ctx: ApplyContext, phases: Mapping[str, str | None]
) -> tuple[list[Outcome], list[Problem]]:
    """Each change in turn, stopping cleanly between two if the process is asked to stop."""
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    for change in changes:
        ctx.check_stop()
        outcome, found = apply_one(change, ctx, phases)
        outcomes.append(outcome)
        problems += found
        ctx.progress(1)
    return outcomes, problems


def apply_one(
    change: Change, ctx: ApplyContext, phases: Mapping[str, str | None]
) -> tuple[Outcome, list[Problem]]:
    if change.expect_status is not None and change.target_id is not None:
        current = phases.get(change.target_id)
        expected = ctx.schema.code_of(change.expect_status)
        if change.to_status is not None and current == ctx.schema.code_of(change.to_status):
            record(change, ctx, note="already in the target status")
            return Outcome(change, "done-already", "already in the target status"), []
        if current != expected:
            found = problem(
                "status_changed_meanwhile",
                "request",
                change.target_id,
                detail=current,
                order_number=change.label,
            )
            return Outcome(change, "skipped", found.message), [found]
    state = ctx.journal.state_of(change.key) if change.action == "create" else None
    if state is not None and state[0] == "done":
        return Outcome(change, "done-already", "created by an earlier run"), []
    try:
        if change.action == "create":
            created = ctx.client.create(change.entity_set, change.body)
            record(change, ctx, target_id=created.id)
        else:
            assert change.target_id is not None
            ctx.client.update(change.entity_set, change.target_id, change.body)
            record(change, ctx)
    except CRMError as exc:
        found = problem("write_failed", change.entity_set, change.target_id, detail=str(exc), key=change.key)
        return Outcome(change, "failed", str(exc)), [found]
    return Outcome(change, "applied"), []


def record(change: Change, ctx: ApplyContext, *, target_id: str | None = None, note: str = "") -> None:
    """Journal the change key and its audit line (who, what, before, after, why)."""
    at = ctx.now()
    ctx.journal.mark(ctx.run_id, change.key, at)
    for key in change.marks:
        ctx.journal.mark(ctx.run_id, key, at)
    ctx.journal.audit(
        ctx.run_id,
        change.key,
        entity_set=change.entity_set,
        target_id=target_id or change.target_id,
        before=dict(change.before),
        after=dict(change.after),
        reason=f"{change.reason} ({note})" if note else change.reason,
        actor=ctx.actor,
        at=at,
    )
