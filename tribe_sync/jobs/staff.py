"""Staff actions that are not scheduled, as plans: closing or reopening a month, recording processor
confirmations. The executor applies them like any job's plan, under the claim of the job that writes
the same records, journalled as a run with the person's name in the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.domain.requests import Request
from tribe_sync.jobs import keys
from tribe_sync.jobs.plan import Plan, RecordConfirmation, SetMonth, Step
from tribe_sync.jobs.snapshot import Snapshot

__all__ = [
    "CLOSING_JOB",
    "MONTH_PARTS",
    "PROGRESS_JOB",
    "Confirmation",
    "ConfirmationPlan",
    "MonthRow",
    "month_plan",
    "month_rows",
    "parse_confirmations",
    "plan_confirmations",
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

_COLUMNS = {
    "order": ("ordernummer", "order_number", "order number", "order"),
    "confirmed": ("bevestigd_op", "bevestigd op", "confirmed_on", "confirmed on", "confirmed"),
    "delivery": ("leverdatum", "delivery_date", "delivery date"),
}
_ACCEPTED = RecordConfirmation.ACCEPTED


@dataclass(frozen=True)
class Confirmation:
    line: int
    order_number: str
    confirmed_on: dt.date
    delivery_date: dt.date | None


@dataclass
class ConfirmationPlan:
    plan: Plan
    errors: list[str] = field(default_factory=list)


def parse_confirmations(text: str) -> tuple[list[Confirmation], list[str]]:
    """Rows of a processor's confirmation file (`;` or `,`, Dutch or English headers); errors by line."""
    if not text.strip():
        return [], ["the file is empty"]
    delimiter = ";" if text.splitlines()[0].count(";") >= text.splitlines()[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")), delimiter=delimiter)
    headers = {(h or "").strip().lower(): h for h in reader.fieldnames or []}
    found = {key: next((headers[n] for n in names if n in headers), None) for key, names in _COLUMNS.items()}
    missing = [names[0] for key, names in _COLUMNS.items() if key != "delivery" and found[key] is None]
    if missing:
        return [], [f"line 1: missing column(s) {', '.join(missing)} (found: {', '.join(headers) or 'none'})"]
    rows: list[Confirmation] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for line, raw in enumerate(reader, start=2):
        order = (raw.get(found["order"] or "") or "").strip()
        if not order:
            errors.append(f"line {line}: no order number")
            continue
        if order in seen:
            errors.append(f"line {line}: {order} also on line {seen[order]}")
            continue
        seen[order] = line
        confirmed = _date(raw.get(found["confirmed"] or ""))
        delivery_text = (raw.get(found["delivery"] or "") or "").strip() if found["delivery"] else ""
        delivery = _date(delivery_text) if delivery_text else None
        if confirmed is None:
            errors.append(
                f"line {line}: {order}: confirmation date {raw.get(found['confirmed'] or '')!r} is not a date"
            )
        elif delivery_text and delivery is None:
            errors.append(f"line {line}: {order}: delivery date {delivery_text!r} is not a date")
        elif delivery is not None and delivery < confirmed:
            errors.append(
                f"line {line}: {order}: delivery date {delivery} is before the confirmation {confirmed}"
            )
        else:
            rows.append(Confirmation(line, order, confirmed, delivery))
    return rows, errors


def plan_confirmations(
    rows: list[Confirmation], requests: dict[str, Request], today: dt.date, source: str
) -> ConfirmationPlan:
    """Every row checked against the request it names; the plan holds a change per good row."""
    result = ConfirmationPlan(Plan("processor import", today, (Step.CONFIRMATION,)))
    for row in rows:
        request = requests.get(row.order_number)
        if request is None:
            result.errors.append(f"line {row.line}: {row.order_number} is not a known request")
            continue
        if request.status not in _ACCEPTED:
            result.errors.append(
                f"line {row.line}: {row.order_number} is {request.status.label}, not "
                f"{' or '.join(s.label for s in _ACCEPTED)}"
            )
            continue
        result.plan.changes.append(
            RecordConfirmation(
                key=keys.confirmation(request.id, row.confirmed_on),
                step=Step.CONFIRMATION,
                reason=f"processor confirmation from {source}, line {row.line}",
                request_id=request.id,
                order_number=row.order_number,
                confirmed_on=row.confirmed_on,
                delivery_date=row.delivery_date,
                was_confirmed_on=request.processor_confirmed_on,
                was_delivery_date=request.delivery_date,
            )
        )
    return result


def _date(value: str | None) -> dt.date | None:
    text = (value or "").strip()
    for pattern in (r"(\d{4})-(\d{2})-(\d{2})", r"(\d{2})-(\d{2})-(\d{4})"):
        match = re.fullmatch(pattern, text)
        if match:
            parts = [int(p) for p in match.groups()]
            year, month, day = parts if len(match.group(1)) == 4 else parts[::-1]
            try:
                return dt.date(year, month, day)
            except ValueError:
                return None
    return None
