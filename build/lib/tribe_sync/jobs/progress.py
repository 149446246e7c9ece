"""`progress-statuses`: allocation, hand-off, confirmation, delivery (DOMAIN.md section 3).

Four steps, planned in order from one snapshot. Each step sees the statuses the steps before it will
write, so a request allocated today is handed off in the same run; no status is ever skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from tribe_sync.config import Settings
from tribe_sync.domain.allocation import NoForecastPolicy, allocate
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.forecasts import effective_forecasts
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.errors import HandoffError
from tribe_sync.jobs.base import (
    ApplyContext,
    Change,
    Notice,
    Outcome,
    Plan,
    apply_changes,
    apply_in_order,
    current_phases,
)
from tribe_sync.jobs.handoff import file_name, handoff_row, write_handoff_file
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.jobs.tasks import Contacts, task_change
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.mappers.write import phase_body, ref

__all__ = ["NOTIFY_PREFIX", "ProgressStatuses"]

NOTIFY_PREFIX = "notify/delivery-date/"
STEPS = ("allocation", "hand-off", "confirmation", "delivery")


class ProgressStatuses:
    name = "progress-statuses"
    description = "Allocate, hand off to the processor, record confirmations, close delivered requests."
    parts = frozenset({"organisations", "contacts", "requests", "months", "forecasts", "reference"})
    task_prefixes = frozenset({NOTIFY_PREFIX})
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        plan = Plan(self.name, today, STEPS, problems=list(snapshot.problems))
        missing = [s for s in S if s not in snapshot.phase_ids]
        if missing:
            plan.problems.append(
                problem(
                    "unknown_reference",
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

    def apply(self, plan: Plan, ctx: ApplyContext) -> tuple[list[Outcome], list[Problem]]:
        outcomes: list[Outcome] = []
        problems: list[Problem] = []
        for step in plan.steps:
            changes = [c for c in plan.changes if c.step == step]
            done, found = (
                _apply_handoff(changes, ctx, plan.today)
                if step == "hand-off"
                else apply_changes(changes, ctx)
            )
            outcomes += done
            problems += found
        return outcomes, problems


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
        self, request: Request, to: S, step: str, reason: str, extra: dict[str, object] | None = None
    ) -> None:
        self.plan.changes.append(
            Change(
                key=f"status/{request.id}/{to.name}",
                step=step,
                action="update",
                entity_set=self.schema.sets.request,
                target_id=request.id,
                label=str(request.number),
                reason=reason,
                body={**phase_body(self.snapshot.phase_ids[to]), **(extra or {})},
                before={"status": request.status.name},
                after={"status": to.name},
                expect_status=request.status,
                to_status=to,
            )
        )
        self.requests[request.id] = dataclasses.replace(request, status=to)

    def allocation(self) -> None:
        month = Month.of(self.today)
        record = self.snapshot.months.get(month)
        if record is None:
            if any(r.status is S.WAITING and r.month <= month for r in self.requests.values()):
                self.plan.problems.append(
                    problem(
                        "unknown_reference", "delivery_month", None, field="delivery month", detail=month.code
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
            reason = f"allocated in the rounds of {month.label}"
            if carried:
                reason += f" (carried over from {request.month})"
            extra: dict[str, object] = (
                {self.schema.tenant.request.delivery_month: ref(record.id)} if carried else {}
            )
            self.move(request, S.PROCESSING, "allocation", reason, extra)
            if carried:
                self.requests[request.id] = dataclasses.replace(self.requests[request.id], month=month)
        held = self.plan.held
        for item in result.held:
            left = "" if item.left is None else f" ({item.left} left, {item.needed} asked)"
            held.append(
                Notice(
                    item.reason.value,
                    "allocation",
                    item.request.id,
                    str(item.request.number),
                    f"stays waiting: {item.reason.value}{left}",
                )
            )
        for item in result.not_chosen:
            held.append(
                Notice(
                    "allocated_but_not_chosen",
                    "allocation",
                    item.request.id,
                    str(item.request.number),
                    f"allocated earlier; the rounds would not choose it now ({item.reason.value})",
                )
            )
        for organisation in sorted(result.uncapped):
            held.append(
                Notice(
                    "no_forecast",
                    "allocation",
                    organisation,
                    self.name_of(organisation),
                    "no valid forecast: allocated without a cap",
                )
            )

    def handoff(self) -> None:
        active = [p for p in self.snapshot.processors.values() if p.active]
        default = self.settings.programme.default_processor_id or (active[0].id if len(active) == 1 else None)
        unassigned = 0
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
                        "unknown_reference",
                        "request",
                        request.id,
                        field="processor",
                        detail=chosen,
                        order_number=str(request.number),
                    )
                )
                continue
            self.plan.changes.append(
                Change(
                    key=f"handoff/{request.id}",
                    step="hand-off",
                    action="handoff",
                    entity_set=self.schema.sets.request,
                    target_id=request.id,
                    label=str(request.number),
                    reason=f"handed off to {processor.name}",
                    body=phase_body(self.snapshot.phase_ids[S.AT_PROCESSOR]),
                    before={"status": "PROCESSING"},
                    after={"status": "AT_PROCESSOR", "processor": processor.name},
                    expect_status=S.PROCESSING,
                    to_status=S.AT_PROCESSOR,
                    group=processor.id,
                    row=handoff_row(request),
                )
            )
            self.requests[request.id] = dataclasses.replace(request, status=S.AT_PROCESSOR)
        if unassigned:  # one configuration problem, not one per request
            self.plan.problems.append(
                problem("no_processor", "processor", None, detail=unassigned, active=len(active))
            )

    def confirmation(self) -> None:
        for request in list(self.requests.values()):
            if request.status is S.AT_PROCESSOR and request.processor_confirmed_on is not None:
                self.move(
                    request,
                    S.AWAITING_DELIVERY_DATE,
                    "confirmation",
                    f"the processor confirmed on {request.processor_confirmed_on}",
                )

    def delivery(self) -> None:
        for request in list(self.requests.values()):
            if (
                request.status is S.AWAITING_DELIVERY_DATE
                and request.delivery_date
                and request.delivery_date <= self.today
            ):
                self.move(request, S.CLOSED, "delivery", f"delivered on {request.delivery_date}")
        # Tell the contact person once, while the delivery is still ahead (or happening in this run);
        # requests delivered before we first looked get no belated message.
        ahead = (S.AT_PROCESSOR, S.AWAITING_DELIVERY_DATE)
        was = {r.id: r.status for r in self.snapshot.requests}
        contacts = Contacts(self.snapshot)
        for request in self.requests.values():
            key = NOTIFY_PREFIX + request.id
            if request.delivery_date is None or key in self.snapshot.tasks:
                continue
            if request.status not in ahead and was.get(request.id) not in ahead:
                continue
            contact = self.snapshot.contacts.get(request.contact_id or "") or contacts.for_organisation(
                request.organisation_id
            )
            name = (contact.name if contact else None) or (
                request.delivery.contact_name if request.delivery else ""
            )
            self.plan.changes.append(
                task_change(
                    key=key,
                    step="delivery",
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
                    reason=f"the delivery date {request.delivery_date} is known",
                    label=str(request.number),
                    snapshot=self.snapshot,
                    schema=self.schema,
                    organisation_id=request.organisation_id,
                    contact_id=request.contact_id,
                )
            )

    def name_of(self, organisation_id: str) -> str:
        organisation = self.snapshot.organisations.get(organisation_id)
        return organisation.name if organisation else organisation_id


def _apply_handoff(
    changes: list[Change], ctx: ApplyContext, today: dt.date
) -> tuple[list[Outcome], list[Problem]]:
    """Per processor: re-read phases, write one durable file with what was not handed off before, and
    only then move those requests to AT_PROCESSOR. The journal holds the intent before the file exists,
    so a crash at any point never leads to a second file for the same requests."""
    outcomes: list[Outcome] = []
    problems: list[Problem] = []
    outbox = Path(ctx.settings.programme.outbox_dir)
    phases = current_phases(ctx.client, ctx.schema, [c.target_id for c in changes if c.target_id])
    processing = ctx.schema.code_of(S.PROCESSING)
    for group in dict.fromkeys(c.group for c in changes):
        ctx.check_stop()
        members = [c for c in changes if c.group == group]
        fresh = [
            c
            for c in members
            if phases.get(c.target_id or "") == processing and not _handed_off(c, ctx, outbox)
        ]
        if fresh:
            name = file_name(ctx.snapshot.processors[group or ""].name, today, ctx.run_id)
            for change in fresh:
                ctx.journal.mark(ctx.run_id, change.key, ctx.now(), state="pending", detail=name)
            try:
                write_handoff_file(outbox, name, [c.row or {} for c in fresh])
            except HandoffError as exc:
                for change in fresh:
                    ctx.journal.forget(change.key)
                    outcomes.append(Outcome(change, "failed", str(exc)))
                problems.append(problem("write_failed", "handoff", group, detail=str(exc)))
                members = [c for c in members if c not in fresh]
            else:
                for change in fresh:
                    ctx.journal.mark(ctx.run_id, change.key, ctx.now(), detail=name)
        done, found = apply_in_order(members, ctx, phases)
        outcomes += done
        problems += found
    return outcomes, problems


def _handed_off(change: Change, ctx: ApplyContext, outbox: Path) -> bool:
    state = ctx.journal.state_of(change.key)
    if state is None:
        return False
    status, name = state
    return status == "done" or (name is not None and (outbox / name).exists())
