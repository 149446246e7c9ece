"""What the programme's rules derive from the mirrored rows, kept at refresh time so views only read.

A forecast's state (effective, superseded, late) depends on every forecast of its organisation; an
organisation's stock on its delivered requests and their reports, today and at the end of each
quarter; whether a request was made for a month already closed on that month's record. Working
that out at every `forecasts list` or `accountability report` meant loading the whole programme
into domain objects (seconds at 10x). Here it is worked out by the same pure functions in `domain/`
when the rows change, in the transaction that moves the set's cursor: for the organisations (or
months) a delta touched, or for everything after a full refresh. A view and a job therefore never
disagree about a rule, and a crash between batches leaves the cursor where it was, so the next
delta derives the same again.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Collection, Iterator
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from tribe_sync.domain.accountability import (
    AccountabilityReport,
    OrganisationStock,
    stock_at_quarter_ends,
    stock_per_organisation,
    stock_per_request,
)
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast, classify_forecasts
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.problems import ProblemCode, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.store.tables import (
    mirror_forecasts,
    mirror_months,
    mirror_problems,
    mirror_quarter_stock,
    mirror_reports,
    mirror_requests,
    mirror_stock,
)

__all__ = [
    "ALL",
    "BEFORE_ANY_QUARTER",
    "derive_forecast_states",
    "derive_missing_stock",
    "derive_month_problems",
    "derive_stock",
    "domain_request",
    "quarter_index",
    "stock_missing",
]

ALL = None  # "every organisation / month": after a full refresh
CHUNK = 500  # IDs per IN (...) list
BEFORE_ANY_QUARTER = -1  # `mirror_quarter_stock.quarter` of a stock that holds from the start


def derive_forecast_states(tx: Connection, organisation_ids: Collection[str] | None) -> None:
    """Decide the state of every forecast of `organisation_ids` (ALL: every forecast)."""
    f = mirror_forecasts
    if organisation_ids is ALL:  # a chunk of organisations at a time: memory stays small at 10x
        organisation_ids = set(tx.execute(select(f.c.organisation_id).distinct()).scalars())
    for chosen in _chunks(organisation_ids):
        states: dict[str, str] = {}
        query = select(
            f.c.id,
            f.c.organisation_id,
            f.c.year,
            f.c.quarter,
            f.c.product,
            f.c.submitted_at,
            f.c.submitted_on,
        )
        if chosen is not None:
            query = query.where(f.c.organisation_id.in_(chosen))
        forecasts = [
            Forecast(
                r.id,
                r.organisation_id,
                Quarter(r.year, r.quarter),
                r.product,
                0,
                _utc(r.submitted_at),
                r.submitted_on,
            )
            for r in tx.execute(query)
        ]
        states.update({key: value.value for key, value in classify_forecasts(forecasts).items()})
        if states:
            tx.execute(
                update(f).where(f.c.id == bindparam("b_id")).values(state=bindparam("b_state")),
                [{"b_id": key, "b_state": value} for key, value in states.items()],
            )


def derive_stock(tx: Connection, organisation_ids: Collection[str] | None) -> None:
    """Replace the stock rows of `organisation_ids` (ALL: every organisation) from their delivered
    requests and those requests' reports: today's (`mirror_stock`) and at the end of each quarter in
    which it moved (`mirror_quarter_stock`), from the same rows read once."""
    r, a, s, q = mirror_requests, mirror_reports, mirror_stock, mirror_quarter_stock
    if organisation_ids is ALL:  # a chunk of organisations at a time: memory stays small at 10x
        tx.execute(delete(s))
        tx.execute(delete(q))
        delivered_by = select(r.c.organisation_id).where(r.c.status == RequestStatus.CLOSED.name).distinct()
        organisation_ids = set(tx.execute(delivered_by).scalars())
    for chosen in _chunks(organisation_ids):
        delivered = select(r).where(r.c.status == RequestStatus.CLOSED.name)
        if chosen is not None:
            delivered = delivered.where(r.c.organisation_id.in_(chosen))
            tx.execute(delete(s).where(s.c.organisation_id.in_(chosen)))
            tx.execute(delete(q).where(q.c.organisation_id.in_(chosen)))
        else:
            tx.execute(delete(s))
            tx.execute(delete(q))
        requests = [domain_request(row) for row in tx.execute(delivered)]
        reports = select(a).join(r, r.c.id == a.c.request_id).where(r.c.status == RequestStatus.CLOSED.name)
        if chosen is not None:
            reports = reports.where(r.c.organisation_id.in_(chosen))
        found = [
            AccountabilityReport(
                row.id, row.request_id, row.handed_out, None, _utc(row.reported_at), row.reported_on
            )
            for row in tx.execute(reports)
        ]
        stocks, _ = stock_per_request(requests, found)
        rows = [_stock_values(o) for o in stock_per_organisation(stocks.values()).values()]
        if rows:
            tx.execute(insert(s), rows)
        by_quarter = [
            {**_stock_values(o), "quarter": BEFORE_ANY_QUARTER if at is None else quarter_index(at)}
            for at, o in stock_at_quarter_ends(requests, found)
        ]
        if by_quarter:
            tx.execute(insert(q), by_quarter)


def stock_missing(connection: Connection) -> bool:
    """Whether the stored rows hold a delivered request while today's stock or the quarters' stock
    holds no row at all: a table a revision added (0006, 0014) that no refresh has derived yet. A
    refresh derives both in the transaction that stores the rows, so one empty table next to a
    delivered request never means "nothing to show", only "not worked out yet"."""
    r = mirror_requests
    delivered = select(r.c.id).where(r.c.status == RequestStatus.CLOSED.name).limit(1)
    if connection.execute(delivered).first() is None:
        return False
    return any(
        connection.execute(select(table.c.organisation_id).limit(1)).first() is None
        for table in (mirror_stock, mirror_quarter_stock)
    )


def derive_missing_stock(tx: Connection) -> bool:
    """Derive every organisation's stock from the rows the read model holds when it is missing
    (`stock_missing`), as a full refresh would but without reading Tribe; whether it did. Run right
    after the migrations reach the head (`schema.upgrade`), with this version's rules and tables:
    a migration itself must not call code that later revisions change."""
    if not stock_missing(tx):
        return False
    derive_stock(tx, ALL)
    return True


def quarter_index(quarter: Quarter) -> int:
    """`mirror_quarter_stock.quarter`: quarters counted from the year 0, so they sort and compare."""
    return quarter.year * 4 + quarter.number - 1


def _stock_values(o: OrganisationStock) -> dict[str, Any]:
    return {
        "organisation_id": o.organisation_id,
        "received": o.received,
        "handed_out": o.handed_out,
        "in_stock": o.in_stock,
        "oldest_undistributed_delivery": o.oldest_undistributed_delivery,
        "last_report": o.last_report_on,
    }


def derive_month_problems(
    tx: Connection,
    at: dt.datetime,
    *,
    request_ids: Collection[str] | None = ALL,
    months: Collection[str] | None = ALL,
) -> None:
    """Record `month_closed_at_submission` for the requests made after their month was closed (by
    `DeliveryMonth.was_open_at`), for the given requests and months (ALL: every one)."""
    r, m, p = mirror_requests, mirror_months, mirror_problems
    code = ProblemCode.MONTH_CLOSED_AT_SUBMISSION.value
    if request_ids is not None and months is not None:
        raise ValueError("derive for requests or for months, not both")
    chosen_ids = request_ids if request_ids is not None else months
    for chosen in _chunks(chosen_ids):
        query = select(
            r.c.id, r.c.number, r.c.requested_at, m.c.id.label("month_id"), m.c.month, m.c.closed_at
        ).join(m, m.c.month == r.c.month)
        cleared = delete(p).where(p.c.set_name == "requests", p.c.code == code)
        if chosen is not None and request_ids is not None:
            query = query.where(r.c.id.in_(chosen))
            cleared = cleared.where(p.c.record_id.in_(chosen))
        elif chosen is not None:
            query = query.where(m.c.month.in_(chosen))
            cleared = cleared.where(p.c.record_id.in_(select(r.c.id).where(r.c.month.in_(chosen))))
        tx.execute(cleared)
        found: dict[str, dict[str, Any]] = {}
        for row in tx.execute(query.where(m.c.is_open.is_(False), m.c.closed_at.is_not(None))):
            month = DeliveryMonth(
                row.month_id, Month.parse(row.month), False, None, closed_at=_utc(row.closed_at)
            )
            if month.was_open_at(_utc(row.requested_at)):
                continue
            said = problem(code, "request", row.id, order_number=row.number, detail=month.month.label)
            found[row.id] = {
                "set_name": "requests",
                "record_id": row.id,
                "code": code,
                "number": row.number,
                "label": row.number,
                "mapped": True,
                "message": said.message,
                "message_nl": said.message_nl,
                "synced_at": at,
            }
        if found:
            tx.execute(insert(p), list(found.values()))


def domain_request(row: Any) -> Request:
    """A domain request from a read-model row: enough for the programme's sums, no personal fields."""
    return Request(
        id=row.id,
        number=OrderNumber.parse(row.number),
        organisation_id=row.organisation_id,
        contact_id=None,
        status=RequestStatus[row.status],
        requested_at=_utc(row.requested_at),
        requested_on=row.requested_on,
        month=_month(row.month),
        product_code=row.product,
        quantity=row.quantity,
        reference=row.reference,
        delivery_date=row.delivery_date,
        processor_id=row.processor_id,
        processor_confirmed_on=row.processor_confirmed_on,
        delivered_quantity=row.delivered_quantity,
    )


@functools.cache
def _month(code: str) -> Month:
    """A month from its code, parsed once for the thousands of requests that share it."""
    return Month.parse(code)


def _chunks(ids: Collection[str] | None) -> Iterator[list[str] | None]:
    if ids is None:
        yield None
        return
    listed = sorted(ids)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
