"""Plans as data: a closed set of frozen change kinds, each with its stable key, its reason and the
state it expects before, plus the problems and held-back decisions found while planning.

A plan is what a job (or a staff command) decided; the executor (`jobs/executor.py`) is the only
thing that carries one out. Because a plan is plain data it serialises to JSON and back without loss
(`plan_to_json` / `plan_from_json`), so it can be saved, reviewed, approved and applied exactly as
seen. Every change renders itself for people (`describe()`): order numbers, Dutch month names and
Dutch status labels, never a dict or an enum repr.

Ordering is explicit: a change lists the keys it `depends_on`; the executor never applies a change
whose dependency did not succeed, and may run independent changes in any order (or concurrently).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, StrEnum
from typing import Any, ClassVar

from tribe_sync.domain.calendar import Month, dutch_day
from tribe_sync.domain.counts import counted
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "PLAN_FORMAT",
    "Change",
    "CreateMonth",
    "CreateTask",
    "HandOff",
    "HandOffRow",
    "MoveStatus",
    "Notice",
    "Outcome",
    "Plan",
    "RecordConfirmation",
    "SetMonth",
    "SetTask",
    "Step",
    "change_from_json",
    "change_to_json",
    "dutch_date",
    "plan_from_json",
    "plan_to_json",
]

PLAN_FORMAT = 1


class Step(StrEnum):
    """The named phases of a plan, in the order a job applies them."""

    # close-delivery-months
    CREATE = "create"
    CLOSE = "close"
    # staff commands on months
    OPEN = "open"
    # progress-statuses
    ALLOCATION = "allocation"
    HAND_OFF = "hand-off"
    CONFIRMATION = "confirmation"
    DELIVERY = "delivery"
    # accountability-reminders (the stages of domain.reminders.Stage)
    FIRST = "first"
    FOLLOWUP = "followup"
    STAFF = "staff"
    # forecast-reminders
    REMINDER = "reminder"
    LATE = "late"
    # audit
    REPORT = "report"
    # the daemon under approval: the task that tells staff a plan waits
    APPROVAL = "approval"


class Outcome(StrEnum):
    """What became of one change."""

    PLANNED = "planned"  # a dry run, or a plan not applied
    APPLIED = "applied"
    DONE_ALREADY = "done-already"  # an earlier run (or a person) already made it so
    SKIPPED = "skipped"  # the record changed since it was read, or a dependency did not succeed
    FAILED = "failed"
    NOT_REACHED = "not-reached"  # the run stopped before it (interrupted, lost its claim)


# How each outcome reads in a table staff read (Dutch, as the changes in it); `--json` keeps the values.
OUTCOME_WORDS: dict[Outcome, str] = {
    Outcome.PLANNED: "gepland",
    Outcome.APPLIED: "uitgevoerd",
    Outcome.DONE_ALREADY: "was al zo",
    Outcome.SKIPPED: "overgeslagen",
    Outcome.FAILED: "mislukt",
    Outcome.NOT_REACHED: "niet toegekomen",
}


def dutch_date(day: dt.date) -> str:
    """`3 december 2026`: how a date reads in what staff see."""
    return dutch_day(day)


def _open_label(is_open: bool) -> str:
    return "open" if is_open else "gesloten"


@dataclass(frozen=True, kw_only=True)
class MoveStatus:
    """Move a request one status on; expects it still in `from_status` right before the write.
    A request carried over from an earlier month gets the allocating month in the same write."""

    kind: ClassVar[str] = "move_status"
    key: str
    step: Step
    reason: str
    request_id: str
    order_number: str
    from_status: RequestStatus
    to_status: RequestStatus
    phase_id: str
    month: Month | None = None
    month_id: str | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.order_number

    def describe(self) -> str:
        text = f"{self.from_status.label} → {self.to_status.label}"
        if self.month is not None:
            text += f", leveringsmaand {self.month.label}"
        return text


@dataclass(frozen=True, kw_only=True)
class CreateMonth:
    """Create a delivery month of the rolling window; expects no month with its code yet."""

    kind: ClassVar[str] = "create_month"
    key: str
    step: Step
    reason: str
    month: Month
    capacity: int | None
    closed_reason: str | None = None  # created closed (e.g. already within the lead time)
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.month.label

    def describe(self) -> str:
        capacity = "geen limiet" if self.capacity is None else f"capaciteit {self.capacity}"
        state = f"gesloten ({self.closed_reason})" if self.closed_reason else "open"
        return f"nieuwe leveringsmaand {self.month.label}, {capacity}, {state}"


@dataclass(frozen=True, kw_only=True)
class SetMonth:
    """Open or close a delivery month, saying by whom and why; expects it still as it was read
    (`was_open`, `was_closed_by`), so a decision made meanwhile (e.g. staff reopening it) stands."""

    kind: ClassVar[str] = "set_month"
    key: str
    step: Step
    reason: str
    month_id: str
    month: Month
    open: bool
    closed_by: ClosedBy
    closed_reason: str
    was_open: bool
    was_closed_by: ClosedBy | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.month.label

    def describe(self) -> str:
        who = "medewerker" if self.closed_by is ClosedBy.STAFF else "job"
        return f"{_open_label(self.was_open)} → {_open_label(self.open)} (door {who}: {self.closed_reason})"


@dataclass(frozen=True, kw_only=True)
class RecordConfirmation:
    """Record a processor's confirmation (and delivery date) on a request; expects the request still
    with the processor (`Aanvraag naar verwerker` or `In afwachting van leverdatum`)."""

    kind: ClassVar[str] = "record_confirmation"
    ACCEPTED: ClassVar[tuple[RequestStatus, ...]] = (
        RequestStatus.AT_PROCESSOR,
        RequestStatus.AWAITING_DELIVERY_DATE,
    )
    key: str
    step: Step
    reason: str
    request_id: str
    order_number: str
    confirmed_on: dt.date
    delivery_date: dt.date | None = None
    was_confirmed_on: dt.date | None = None
    was_delivery_date: dt.date | None = None
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.order_number

    def describe(self) -> str:
        text = f"bevestigd door de verwerker op {dutch_date(self.confirmed_on)}"
        if self.delivery_date is not None:
            text += f", leverdatum {dutch_date(self.delivery_date)}"
        return text


@dataclass(frozen=True, kw_only=True)
class CreateTask:
    """Create a CRM task (a reminder or a task for staff) with the change key as its `ImportId`;
    expects no task with that `ImportId`, checked in the CRM right before it is created."""

    kind: ClassVar[str] = "create_task"
    key: str
    step: Step
    reason: str
    label: str  # who or what it is about: an organisation, an order number, a quarter
    subject: str
    body: str
    start: dt.date
    due: dt.date
    organisation_id: str | None = None
    contact_id: str | None = None
    assignee_id: str | None = None
    phase_id: str | None = None  # the tasks' "open" phase, when known
    marks: tuple[str, ...] = ()  # further journal keys recorded once the task exists
    depends_on: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"taak “{self.subject}”, uiterlijk {dutch_date(self.due)}"


@dataclass(frozen=True, kw_only=True)
class SetTask:
    """Mark one of our tasks, found by its `ImportId`, done (or open again); expects the task in the
    CRM in the other phase right before the write. A task a person removed is left alone."""

    kind: ClassVar[str] = "set_task"
    key: str
    step: Step
    reason: str
    label: str
    import_id: str
    subject: str
    done: bool
    depends_on: tuple[str, ...] = ()

    def describe(self) -> str:
        return f"taak “{self.subject}” " + ("afgerond" if self.done else "weer open")


@dataclass(frozen=True)
class HandOffRow:
    """One request in a hand-off file: its ID (for the journal) and the file's columns, in order."""

    request_id: str
    order_number: str
    values: tuple[tuple[str, str], ...]

    def as_row(self) -> dict[str, str]:
        return dict(self.values)


@dataclass(frozen=True, kw_only=True)
class HandOff:
    """Hand a batch of requests to one processor: one durable file with the rows not handed off
    before. Expects each request still in `Verwerking bestelling`; the status moves that follow
    depend on this change, so no request reaches `Aanvraag naar verwerker` without its row."""

    kind: ClassVar[str] = "hand_off"
    key: str
    step: Step
    reason: str
    processor_id: str
    processor_name: str
    rows: tuple[HandOffRow, ...]
    depends_on: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.processor_name

    def describe(self) -> str:
        numbers = ", ".join(r.order_number for r in self.rows[:5])
        more = f" en {len(self.rows) - 5} meer" if len(self.rows) > 5 else ""
        requests = counted(len(self.rows), "aanvraag", "aanvragen")
        return f"bestand naar {self.processor_name} met {requests}: {numbers}{more}"


Change = MoveStatus | CreateMonth | SetMonth | RecordConfirmation | CreateTask | SetTask | HandOff
KINDS: dict[str, type[Any]] = {
    k.kind: k for k in (MoveStatus, CreateMonth, SetMonth, RecordConfirmation, CreateTask, SetTask, HandOff)
}


@dataclass(frozen=True)
class Notice:
    """Not bad data but a decision worth telling: a request held back, a month left open by staff."""

    code: str
    step: Step
    record_id: str | None
    label: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "step": str(self.step),
            "record_id": self.record_id,
            "label": self.label,
            "message": self.message,
        }


@dataclass
class Plan:
    """What one job (or staff command) decided for one day, in the order it is to be applied."""

    job: str
    today: dt.date
    steps: tuple[Step, ...]
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    held: list[Notice] = field(default_factory=list)

    def in_step(self, step: Step) -> list[Change]:
        return [c for c in self.changes if c.step == step]


# -- JSON ----------------------------------------------------------------------------------------


def _encode(value: Any) -> Any:
    if isinstance(value, RequestStatus):
        return value.name
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Month):
        return value.code
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, HandOffRow):
        return {"request_id": value.request_id, "order_number": value.order_number, "values": value.as_row()}
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any, hint: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(value, options[0])
    if origin is tuple:
        item = typing.get_args(hint)[0]
        return tuple(_decode(v, item) for v in value)
    if hint is RequestStatus:
        return RequestStatus[value]
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is Month:
        return Month.parse(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is HandOffRow:
        return HandOffRow(value["request_id"], value["order_number"], tuple(value["values"].items()))
    return value


_HINTS: dict[str, dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    if kind.kind not in _HINTS:
        _HINTS[kind.kind] = typing.get_type_hints(kind)
    return _HINTS[kind.kind]


def change_to_json(change: Change) -> dict[str, Any]:
    """One change as plain JSON: its `kind`, every field, and `describe`, the line people read."""
    document: dict[str, Any] = {"kind": change.kind}
    for item in dataclasses.fields(change):
        document[item.name] = _encode(getattr(change, item.name))
    document["label"] = change.label
    document["describe"] = change.describe()
    return document


def change_from_json(document: Mapping[str, Any]) -> Change:
    kind = KINDS.get(str(document.get("kind")))
    if kind is None:
        raise ValueError(f"unknown change kind {document.get('kind')!r}")
    hints = _hints(kind)
    values = {f.name: _decode(document[f.name], hints[f.name]) for f in dataclasses.fields(kind)}
    change: Change = kind(**values)
    return change


def problem_to_json(found: Problem) -> dict[str, Any]:
    return {
        "code": found.code,
        "entity": found.entity,
        "record_id": found.record_id,
        "message": found.message,
        "message_nl": found.message_nl,
        "context": dict(found.context),
    }


def problem_from_json(document: Mapping[str, Any]) -> Problem:
    return Problem(
        document["code"],
        document["entity"],
        document["record_id"],
        document["message"],
        document["message_nl"],
        dict(document.get("context") or {}),
    )


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The whole plan as one JSON-able document; `plan_from_json` gives back an equal plan."""
    return {
        "plan_format": PLAN_FORMAT,
        "job": plan.job,
        "today": plan.today.isoformat(),
        "steps": [str(s) for s in plan.steps],
        "changes": [change_to_json(c) for c in plan.changes],
        "problems": [problem_to_json(p) for p in plan.problems],
        "held": [n.as_dict() for n in plan.held],
    }


def plan_from_json(document: Mapping[str, Any]) -> Plan:
    """The inverse of `plan_to_json`; raises ValueError for a document it cannot read."""
    try:
        if document.get("plan_format", PLAN_FORMAT) != PLAN_FORMAT:
            raise ValueError(f"plan_format {document.get('plan_format')!r} is not {PLAN_FORMAT}")
        return Plan(
            job=str(document["job"]),
            today=dt.date.fromisoformat(document["today"]),
            steps=tuple(Step(s) for s in document["steps"]),
            changes=[change_from_json(c) for c in _list(document["changes"])],
            problems=[problem_from_json(p) for p in _list(document.get("problems", []))],
            held=[
                Notice(n["code"], Step(n["step"]), n["record_id"], n["label"], n["message"])
                for n in _list(document.get("held", []))
            ],
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"not a plan: {exc}") from exc


def _list(value: Any) -> Sequence[Any]:
    if not isinstance(value, list):
        raise TypeError("expected a list")
    return value
