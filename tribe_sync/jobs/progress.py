"""`progress-statuses`: allocation, hand-off, confirmation, delivery (docs/programme.md section 3).

Four steps, planned in order from one snapshot. Each step sees the statuses the steps before it will
write, so a request allocated today is handed off in the same run; no status is ever skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from tribe_sync.config import Settings
from tribe_sync.domain.allocation import HoldReason, NoForecastPolicy, allocate
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.forecasts import effective_forecasts
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.problems import ProblemCode, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.jobs import keys, reasons
from tribe_sync.jobs.handoff import handoff_row
from tribe_sync.jobs.plan import (
    CreateTask,
    HandOff,
    HandOffRow,
    MoveStatus,
    Notice,
    Plan,
    Step,
    dutch_date,
)
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.jobs.tasks import Contacts, task_change
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["ProgressStatuses"]

STEPS = (Step.ALLOCATION, Step.HAND_OFF, Step.CONFIRMATION, Step.DELIVERY)


class ProgressStatuses:
    name = "progress-statuses"
    description = "Allocate, hand off to the processor, record confirmations, close delivered requests."
    parts = frozenset({"organisations", "contacts", "requests", "months", "forecasts", "reference"})
    task_prefixes = frozenset({keys.NOTIFY_PREFIX})
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        plan = Plan(self.name, today, STEPS, problems=list(snapshot.problems))
        missing = [s for s in S if s not in snapshot.phase_ids]
        if missing:
            plan.problems.append(
                problem(
                    ProblemCode.UNKNOWN_REFERENCE,
                    "request_phase",
                    None,
                    field="Phase",
                    detail=", ".join(schema.code_of(s) for s in missing),
                )
            )
            return plan
        draft = _Draft(snapshot, today, settings, schema, plan, {r.id: r for r in snapshot.requests})
        draft.allocation()
        draft.handoff()
        draft.confirmation()
        draft.delivery()
        return plan


@dataclass
class _Draft:
    """A plan in the making; `requests` holds each request as the steps planned so far will leave it."""

    snapshot: Snapshot
    today: dt.date
    settings: Settings
    schema: TenantSchema
    plan: Plan
    requests: dict[str, Request]

    def move(
        self,
        request: Request,
        to: S,
        step: Step,
        reason: str,
        *,
        month: DeliveryMonth | None = None,
        depends_on: tuple[str, ...] = (),
    ) -> str:
        key = keys.status(request.id, to)
        self.plan.changes.append(
            MoveStatus(
                key=key,
                step=step,
                reason=reason,
                request_id=request.id,
                order_number=str(request.number),
                from_status=request.status,
                to_status=to,
                phase_id=self.snapshot.phase_ids[to],
                month=month.month if month else None,
                month_id=month.id if month else None,
                depends_on=depends_on,
            )
        )
        self.requests[request.id] = dataclasses.replace(
            request, status=to, month=month.month if month else request.month
        )
        return key

    def allocation(self) -> None:
        month = Month.of(self.today)
        record = self.snapshot.months.get(month)
        if record is None:
            if any(r.status is S.WAITING and r.month <= month for r in self.requests.values()):
                self.plan.problems.append(
                    problem(
                        ProblemCode.UNKNOWN_REFERENCE,
                        "delivery_month",
                        None,
                        field="delivery month",
                        detail=month.code,
                        month=month.code,
                    )
                )
            return
        result = allocate(
            self.requests.values(),
            month,
            record.capacity,
            effective_forecasts(self.snapshot.forecasts),
            NoForecastPolicy(self.settings.programme.no_forecast_policy),
        )
        for request in result.allocate:
            carried = request.month != month
            reason = f"toegekend in ronde {result.rounds[request.id]} van {month.label}"
            if carried:
                reason += f" (doorgeschoven uit {request.month.label})"
            self.move(request, S.PROCESSING, Step.ALLOCATION, reason, month=record if carried else None)
        held = self.plan.held
        for item in result.held:
            held.append(
                Notice(
                    item.reason.value,
                    Step.ALLOCATION,
                    item.request.id,
                    str(item.request.number),
                    f"round {item.round}: stays waiting: {_why_held(item.reason, item.left, item.needed)}",
                )
            )
        for item in result.not_chosen:
            held.append(
                Notice(
                    "allocated_but_not_chosen",
                    Step.ALLOCATION,
                    item.request.id,
                    str(item.request.number),
                    f"round {item.round}: allocated earlier; the rounds would not choose it now "
                    f"({item.reason.value})",
                )
            )
        for organisation in sorted(result.uncapped):
            held.append(
                Notice(
                    "no_forecast",
                    Step.ALLOCATION,
                    organisation,
                    self.name_of(organisation),
                    "no valid forecast: allocated without a cap",
                )
            )

    def handoff(self) -> None:
        active = [p for p in self.snapshot.processors.values() if p.active]
        default = self.settings.programme.default_processor_id or (active[0].id if len(active) == 1 else None)
        unassigned = 0
        batches: dict[str, list[Request]] = {}
        for request in sorted(self.requests.values(), key=lambda r: r.queue_key):
            if request.status is not S.PROCESSING:
                continue
            chosen = request.processor_id or default
            if chosen is None:
                unassigned += 1
                continue
            processor = self.snapshot.processors.get(chosen)
            if processor is None:
                self.plan.problems.append(
                    problem(
                        ProblemCode.UNKNOWN_REFERENCE,
                        "request",
                        request.id,
                        field="processor",
                        detail=chosen,
                        order_number=str(request.number),
                    )
                )
                continue
            batches.setdefault(processor.id, []).append(request)
        for processor_id, members in batches.items():
            processor = self.snapshot.processors[processor_id]
            batch = keys.handoff_batch(processor_id, self.today)
            self.plan.changes.append(
                HandOff(
                    key=batch,
                    step=Step.HAND_OFF,
                    reason=f"overgedragen aan {processor.name}",
                    processor_id=processor_id,
                    processor_name=processor.name,
                    rows=tuple(
                        HandOffRow(r.id, str(r.number), tuple(handoff_row(r).items())) for r in members
                    ),
                )
            )
            for request in members:
                self.move(
                    request,
                    S.AT_PROCESSOR,
                    Step.HAND_OFF,
                    f"overgedragen aan {processor.name}",
                    depends_on=(batch,),
                )
        if unassigned:  # one configuration problem, not one per request
            self.plan.problems.append(
                problem(ProblemCode.NO_PROCESSOR, "processor", None, detail=unassigned, active=len(active))
            )

    def confirmation(self) -> None:
        for request in list(self.requests.values()):
            if request.status is S.AT_PROCESSOR and request.processor_confirmed_on is not None:
                self.move(
                    request,
                    S.AWAITING_DELIVERY_DATE,
                    Step.CONFIRMATION,
                    reasons.confirmed(request.processor_confirmed_on),
                )

    def delivery(self) -> None:
        """Close delivered requests, and tell the contact person once when the delivery date is known.

        The task is planned before the transition that takes its request out of view (a closed request
        gets no belated message), and the closing depends on it: a run killed between the two, or a
        task that could not be made, leaves the request where the next run makes the task again."""
        ahead = (S.AT_PROCESSOR, S.AWAITING_DELIVERY_DATE)
        was = {r.id: r.status for r in self.snapshot.requests}
        contacts = Contacts(self.snapshot)
        for request in list(self.requests.values()):
            key = keys.notify_delivery_date(request.id)
            told: tuple[str, ...] = ()
            if (
                request.delivery_date is not None
                and key not in self.snapshot.tasks
                and (request.status in ahead or was.get(request.id) in ahead)
            ):
                self.plan.changes.append(self.notification(request, key, contacts))
                told = (key,)
            if (
                request.status is S.AWAITING_DELIVERY_DATE
                and request.delivery_date
                and request.delivery_date <= self.today
            ):
                self.move(
                    request,
                    S.CLOSED,
                    Step.DELIVERY,
                    reasons.delivered(request.delivery_date),
                    depends_on=told,
                )

    def notification(self, request: Request, key: str, contacts: Contacts) -> CreateTask:
        assert request.delivery_date is not None
        contact = self.snapshot.contacts.get(request.contact_id or "") or contacts.for_organisation(
            request.organisation_id
        )
        name = (contact.name if contact else None) or (
            request.delivery.contact_name if request.delivery else ""
        )
        return task_change(
            key=key,
            step=Step.DELIVERY,
            template=self.settings.templates.delivery_date,
            values={
                "organisation": self.name_of(request.organisation_id),
                "contact_name": name or "",
                "order_number": request.number,
                "quantity": request.quantity,
                "product": request.product_code.lower() + "s",
                "delivery_date": request.delivery_date.strftime("%d-%m-%Y"),
                "month": request.month.label,
            },
            today=self.today,
            due=request.delivery_date,
            reason=f"leverdatum {dutch_date(request.delivery_date)} is bekend",
            label=str(request.number),
            snapshot=self.snapshot,
            schema=self.schema,
            organisation_id=request.organisation_id,
            contact_id=request.contact_id,
        )

    def name_of(self, organisation_id: str) -> str:
        organisation = self.snapshot.organisations.get(organisation_id)
        return organisation.name if organisation else organisation_id


def _why_held(reason: HoldReason, left: int | None, needed: int) -> str:
    """Why a request stays waiting, in words: never a negative count, never an enum's name."""
    room = "none" if left is None or left <= 0 else f"only {left}"
    if reason is HoldReason.CAPACITY:
        return f"{room} of the month's capacity left, {needed} asked"
    if reason is HoldReason.CAP:
        return f"{room} of the organisation's quarterly forecast left, {needed} asked"
    return "no valid forecast for the quarter, and programme.no_forecast_policy is hold"
