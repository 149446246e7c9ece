"""`progress-statuses`: allocation, hand-off, confirmation, delivery (DOMAIN.md section 3).

Four steps, planned in order from one snapshot. Each step sees the statuses the steps before it will
write, so a request allocated today is handed off in the same run; no status is ever skipped.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from string import Template

from tribe_sync.config import Settings
from tribe_sync.domain.allocation import NoForecastPolicy, allocate
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.forecasts import effective_forecasts
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.domain.tasks import TaskIntent
from tribe_sync.errors import HandoffError
from tribe_sync.jobs.base import (
    ApplyContext,
    Change,
    Notice,
    Outcome,
    Plan,
    apply_changes,
    apply_one,
    current_phases,
)
from tribe_sync.jobs.handoff import file_name, handoff_row, write_handoff_file
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.mappers.write import phase_body, ref, task_body

__all__ = ["NOTIFY_PREFIX", "ProgressStatuses"]

Mover = Callable[[Request, S, str, str, "dict[str, object] | None"], None]

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
        requests = {r.id: r for r in snapshot.requests}

        def move(request: Request, to: S, step: str, reason: str, extra: dict[str, object] | None) -> None:
            body = {**phase_body(snapshot.phase_ids[to]), **(extra or {})}
            plan.changes.append(
                Change(
                    key=f"status/{request.id}/{to.name}",
                    step=step,
                    action="update",
                    entity_set=schema.sets.request,
                    target_id=request.id,
                    label=str(request.number),
                    reason=reason,
                    body=body,
                    before={"status": request.status.name},
                    after={"status": to.name},
                    expect_status=request.status,
                    to_status=to,
                )
            )
            requests[request.id] = dataclasses.replace(request, status=to)

        self._allocation(snapshot, today, settings, schema, plan, requests, move)
        self._handoff(snapshot, settings, schema, plan, requests)
        for request in list(requests.values()):
            if request.status is S.AT_PROCESSOR and request.processor_confirmed_on is not None:
                move(
                    request,
                    S.AWAITING_DELIVERY_DATE,
                    "confirmation",
                    f"the processor confirmed on {request.processor_confirmed_on}",
                    None,
                )
        self._delivery(snapshot, today, settings, schema, plan, requests, move)
        return plan

    def _allocation(
        self,
        snapshot: Snapshot,
        today: dt.date,
        settings: Settings,
        schema: TenantSchema,
        plan: Plan,
        requests: dict[str, Request],
        move: Mover,
    ) -> None:
        month = Month.of(today)
        record = snapshot.months.get(month)
        if record is None:
            if any(r.status is S.WAITING and r.month <= month for r in requests.values()):
                plan.problems.append(
                    problem(
                        "unknown_reference", "delivery_month", None, field="delivery month", detail=month.code
                    )
                )
            return
        result = allocate(
            requests.values(),
            month,
            record.capacity,
            effective_forecasts(snapshot.forecasts),
            NoForecastPolicy(settings.programme.no_forecast_policy),
        )
        for request in result.allocate:
            carried = request.month != month
            extra: dict[str, object] | None = (
                {schema.tenant.request.delivery_month: ref(record.id)} if carried else None
            )
            reason = f"allocated in the rounds of {month.label}" + (
                f" (carried over from {request.month})" if carried else ""
            )
            move(request, S.PROCESSING, "allocation", reason, extra)
            if carried:
                requests[request.id] = dataclasses.replace(requests[request.id], month=month)
        for held in result.held:
            left = "" if held.left is None else f" ({held.left} left, {held.needed} asked)"
            plan.held.append(
                Notice(
                    held.reason.value,
                    "allocation",
                    held.request.id,
                    str(held.request.number),
                    f"stays waiting: {held.reason.value}{left}",
                )
            )
        for held in result.not_chosen:
            plan.held.append(
                Notice(
                    "allocated_but_not_chosen",
                    "allocation",
                    held.request.id,
                    str(held.request.number),
                    f"allocated earlier; the rounds would not choose it now ({held.reason.value})",
                )
            )
        for organisation in sorted(result.uncapped):
            plan.held.append(
                Notice(
                    "no_forecast",
                    "allocation",
                    organisation,
                    _name(snapshot, organisation),
                    "no valid forecast: allocated without a cap",
                )
            )

    def _handoff(
        self,
        snapshot: Snapshot,
        settings: Settings,
        schema: TenantSchema,
        plan: Plan,
        requests: dict[str, Request],
    ) -> None:
        active = [p for p in snapshot.processors.values() if p.active]
        default = settings.programme.default_processor_id or (active[0].id if len(active) == 1 else None)
        unassigned = 0
        for request in sorted(requests.values(), key=lambda r: r.queue_key):
            if request.status is not S.PROCESSING:
                continue
            chosen = request.processor_id or default
            if chosen is None:
                unassigned += 1
                continue
            processor = snapshot.processors.get(chosen)
            if processor is None:
                plan.problems.append(
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
            plan.changes.append(
                Change(
                    key=f"handoff/{request.id}",
                    step="hand-off",
                    action="handoff",
                    entity_set=schema.sets.request,
                    target_id=request.id,
                    label=str(request.number),
                    reason=f"handed off to {processor.name}",
                    body=phase_body(snapshot.phase_ids[S.AT_PROCESSOR]),
                    before={"status": "PROCESSING"},
                    after={"status": "AT_PROCESSOR", "processor": processor.name},
                    expect_status=S.PROCESSING,
                    to_status=S.AT_PROCESSOR,
                    group=processor.id,
                    row=handoff_row(request),
                )
            )
            requests[request.id] = dataclasses.replace(request, status=S.AT_PROCESSOR)
        if unassigned:
            # One configuration problem, not one per request.
            plan.problems.append(
                problem("no_processor", "processor", None, detail=unassigned, active=len(active))
            )

    def _delivery(
        self,
        snapshot: Snapshot,
        today: dt.date,
        settings: Settings,
        schema: TenantSchema,
        plan: Plan,
        requests: dict[str, Request],
        move: Mover,
    ) -> None:
        for request in list(requests.values()):
            if (
                request.status is S.AWAITING_DELIVERY_DATE
                and request.delivery_date
                and request.delivery_date <= today
            ):
                move(request, S.CLOSED, "delivery", f"delivered on {request.delivery_date}", None)
        # Tell the contact person once, while the delivery is still ahead (or happening in this run);
        # requests that were delivered before we first looked get no belated message.
        template = settings.templates.delivery_date
        ahead = (S.AT_PROCESSOR, S.AWAITING_DELIVERY_DATE)
        was = {r.id: r.status for r in snapshot.requests}
        for request in requests.values():
            key = NOTIFY_PREFIX + request.id
            if request.delivery_date is None or key in snapshot.tasks:
                continue
            if request.status not in ahead and was.get(request.id) not in ahead:
                continue
            contact = snapshot.contacts.get(request.contact_id or "")
            values = {
                "organisation": _name(snapshot, request.organisation_id),
                "contact_name": (contact.name if contact else None)
                or (request.delivery.contact_name if request.delivery else "")
                or "",
                "order_number": str(request.number),
                "quantity": str(request.quantity),
                "product": request.product_code.lower() + "s",
                "delivery_date": request.delivery_date.strftime("%d-%m-%Y"),
                "month": request.month.label,
            }
            intent = TaskIntent(
                key=key,
                kind="delivery_date",
                subject=Template(template.subject).substitute(values),
                body=Template(template.body).substitute(values),
                start=today,
                due=request.delivery_date,
                organisation_id=request.organisation_id,
                contact_id=request.contact_id,
            )
            plan.changes.append(
                Change(
                    key=key,
                    step="delivery",
                    action="create",
                    entity_set=schema.sets.task,
                    target_id=None,
                    label=str(request.number),
                    reason=f"the delivery date {request.delivery_date} is known",
                    body=task_body(
                        intent, open_phase_id=snapshot.task_phase_ids.get(schema.tenant.task_phases.open)
                    ),
                    after={"task": intent.subject},
                )
            )

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
        for change in members:
            ctx.check_stop()
            outcome, found = apply_one(change, ctx, phases)
            outcomes.append(outcome)
            problems += found
            ctx.progress(1)
    return outcomes, problems


def _handed_off(change: Change, ctx: ApplyContext, outbox: Path) -> bool:
    state = ctx.journal.state_of(change.key)
    if state is None:
        return False
    status, name = state
    return status == "done" or (name is not None and (outbox / name).exists())


def _name(snapshot: Snapshot, organisation_id: str) -> str:
    organisation = snapshot.organisations.get(organisation_id)
    return organisation.name if organisation else organisation_id
