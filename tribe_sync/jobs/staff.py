"""Staff actions that are not scheduled, as plans: closing or reopening a month, recording processor
confirmations. The executor applies them like any job's plan, under the claim of the job that writes
the same records, journalled as a run with the person's name in the audit trail."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.confirmations import CheckedFile, Verdict
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.jobs import keys
from tribe_sync.jobs.plan import Notice, Plan, RecordConfirmation, SetMonth, Step
from tribe_sync.jobs.snapshot import Snapshot

__all__ = [
    "CLOSING_JOB",
    "MONTH_PARTS",
    "PROGRESS_JOB",
    "MonthRow",
    "confirmation_plan",
    "month_plan",
    "month_rows",
]

# Staff commands run under the claim of the job that writes the same records, so neither undoes the other.
CLOSING_JOB = "close-delivery-months"
PROGRESS_JOB = "progress-statuses"
MONTH_PARTS = frozenset({"months", "requests"})


@dataclass(frozen=True)
class MonthRow:
    month: DeliveryMonth
    requests: int
    requested: int


def month_rows(snapshot: Snapshot) -> list[MonthRow]:
    counts: dict[Month, list[int]] = defaultdict(lambda: [0, 0])
    for request in snapshot.requests:
        counts[request.month][0] += 1
        counts[request.month][1] += request.quantity
    return [MonthRow(m, *counts[key]) for key, m in sorted(snapshot.months.items())]


def month_plan(snapshot: Snapshot, month: Month, today: dt.date, *, open_: bool, reason: str) -> Plan:
    """The plan that closes (or reopens) `month` on staff's word; no change if it already is so."""
    record = snapshot.months.get(month)
    if record is None:
        raise LookupError(f"there is no delivery month {month.code} in the CRM")
    step = Step.OPEN if open_ else Step.CLOSE
    plan = Plan(f"months {step}", today, (step,))
    if record.is_open == open_ and (not open_ or record.closed_by is ClosedBy.STAFF):
        return plan
    plan.changes.append(
        SetMonth(
            key=keys.month_staff(month, open_=open_),
            step=step,
            reason=reason,
            month_id=record.id,
            month=month,
            open=open_,
            closed_by=ClosedBy.STAFF,
            closed_reason=reason,
            was_open=record.is_open,
            was_closed_by=record.closed_by,
        )
    )
    return plan


# -- processor confirmations -------------------------------------------------------------------


def confirmation_plan(checked: CheckedFile, today: dt.date, source: str) -> Plan:
    """The plan for a checked file (`domain.confirmations`): a change per line that is new or newer
    than what the CRM holds, and a notice per line that changes nothing (already so, or older)."""
    plan = Plan("processor import", today, (Step.CONFIRMATION,))
    for decision in checked.decisions:
        request, line = decision.request, decision.line
        if decision.verdict is not Verdict.RECORD:
            plan.held.append(
                Notice(
                    code=f"confirmation_{decision.verdict}",
                    step=Step.CONFIRMATION,
                    record_id=request.id,
                    label=line.order_number,
                    message=decision.reason,
                )
            )
            continue
        plan.changes.append(
            RecordConfirmation(
                key=keys.confirmation(request.id, decision.confirmed_on),
                step=Step.CONFIRMATION,
                reason=f"bevestiging van de verwerker ({source}, regel {line.line})",
                request_id=request.id,
                order_number=line.order_number,
                confirmed_on=decision.confirmed_on,
                delivery_date=decision.delivery_date,
                was_confirmed_on=request.processor_confirmed_on,
                was_delivery_date=request.delivery_date,
            )
        )
    return plan
