"""Staff actions that are not scheduled: closing or reopening a month, importing processor
confirmations. Each is journalled as a run with the person's name in the audit trail."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field

from tribe_sync.bootstrap import Services
from tribe_sync.client.odata import F, any_of
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.base import ApplyContext, Change, Outcome, apply_changes
from tribe_sync.jobs.snapshot import Snapshot, load_snapshot
from tribe_sync.mappers import queries
from tribe_sync.mappers.read import map_requests
from tribe_sync.mappers.write import month_close_body, month_open_body, processor_confirmation_body

__all__ = [
    "Confirmation",
    "ConfirmationPlan",
    "MonthRow",
    "apply_staff_changes",
    "month_change",
    "month_rows",
    "parse_confirmations",
    "plan_confirmations",
    "requests_by_number",
    "staff_snapshot",
]


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


def month_change(
    services: Services, snapshot: Snapshot, month: Month, *, open_: bool, reason: str
) -> Change | None:
    """The write that closes (or reopens) `month` on staff's word; None if it already is so."""
    record = snapshot.months.get(month)
    if record is None:
        raise LookupError(f"there is no delivery month {month.code} in the CRM")
    if record.is_open == open_ and (not open_ or record.closed_by is ClosedBy.STAFF):
        return None
    schema = services.schema
    body = month_open_body(schema, reason) if open_ else month_close_body(schema, ClosedBy.STAFF, reason)
    verb = "open" if open_ else "close"
    return Change(
        key=f"month/{verb}/{month.code}/staff",
        step=verb,
        action="update",
        entity_set=schema.sets.delivery_month,
        target_id=record.id,
        label=month.label,
        reason=reason,
        body=body,
        before={"IsActive": record.is_open, "closed_by": record.closed_by},
        after={"IsActive": open_, "closed_by": "staff"},
    )


def apply_staff_changes(
    services: Services, name: str, changes: list[Change], actor: str, snapshot: Snapshot | None = None
) -> tuple[int, list[Outcome], list[Problem]]:
    """Journalled as one run. Plain updates need no snapshot; the caller passes one only if it has one."""
    today = services.today()
    journal = services.journal
    run_id = journal.start_run(name, today, services.clock(), holder=services.holder)
    ctx = ApplyContext.for_run(services, snapshot or Snapshot(), run_id, actor)
    outcomes, problems = apply_changes(changes, ctx)
    failed = problems or any(o.status == "failed" for o in outcomes)
    journal.finish_run(
        run_id,
        services.clock(),
        "problems" if failed else "ok",
        {"changes": len(outcomes), "problems": len(problems)},
    )
    return run_id, outcomes, problems


# -- processor confirmations -------------------------------------------------------------------

_COLUMNS = {
    "order": ("ordernummer", "order_number", "order number", "order"),
    "confirmed": ("bevestigd_op", "bevestigd op", "confirmed_on", "confirmed on", "confirmed"),
    "delivery": ("leverdatum", "delivery_date", "delivery date"),
}
_ACCEPTED = (RequestStatus.AT_PROCESSOR, RequestStatus.AWAITING_DELIVERY_DATE)


@dataclass(frozen=True)
class Confirmation:
    line: int
    order_number: str
    confirmed_on: dt.date
    delivery_date: dt.date | None


@dataclass
class ConfirmationPlan:
    changes: list[Change] = field(default_factory=list)
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
    rows: list[Confirmation], requests: dict[str, Request], services: Services, source: str
) -> ConfirmationPlan:
    plan = ConfirmationPlan()
    for row in rows:
        request = requests.get(row.order_number)
        if request is None:
            plan.errors.append(f"line {row.line}: {row.order_number} is not a known request")
            continue
        if request.status not in _ACCEPTED:
            plan.errors.append(
                f"line {row.line}: {row.order_number} is {request.status.label}, not "
                f"{' or '.join(s.label for s in _ACCEPTED)}"
            )
            continue
        plan.changes.append(
            Change(
                key=f"confirmation/{request.id}/{row.confirmed_on}",
                step="confirmation",
                action="update",
                entity_set=services.schema.sets.request,
                target_id=request.id,
                label=row.order_number,
                reason=f"processor confirmation from {source}, line {row.line}",
                body=processor_confirmation_body(services.schema, row.confirmed_on, row.delivery_date),
                before={
                    "confirmed_on": str(request.processor_confirmed_on),
                    "delivery_date": str(request.delivery_date),
                },
                after={
                    "confirmed_on": str(row.confirmed_on),
                    "delivery_date": str(row.delivery_date or request.delivery_date),
                },
            )
        )
    return plan


def requests_by_number(services: Services, numbers: list[str]) -> dict[str, Request]:
    """The named requests, in one filtered read per 40 order numbers."""
    found: dict[str, Request] = {}
    query = queries.requests(services.schema)
    for start in range(0, len(numbers), 40):
        chunk = numbers[start : start + 40]
        records = services.client.list(
            services.schema.sets.request, query.with_(filter=any_of(F("Number"), chunk))
        )
        mapped, _ = map_requests(records, services.schema)
        found.update({str(r.number): r for r in mapped})
    return found


def staff_snapshot(services: Services, *, with_requests: bool = True) -> Snapshot:
    """Months, and (for counts) requests: two paged reads, or one."""
    return load_snapshot(
        services.client, services.schema, {"months", "requests"} if with_requests else {"months"}
    )


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
