"""What the programme's rules derive from the mirrored rows, kept at refresh time so views only read.

A forecast's state (effective, superseded, late) depends on every forecast of its organisation; an
organisation's stock on its delivered requests and their reports, today and at the end of each
quarter; whether a request was made for a month already closed on that month's record. Working
that out at every `forecasts list` or `accountability report` meant loading the whole programme
into domain objects (seconds at 10x). What the stock rules find wrong on the way (a request's reports
above what it received, which holds its stock at 0 so the sums no longer add up) is kept with the
stock, as a problem of the record staff correct. Here it is worked out by the same pure functions in `domain/`
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

from sqlalchemy import Connection, and_, bindparam, delete, func, insert, or_, select, union, update

from tribe_sync.domain.accountability import (
    STOCK_PROBLEMS,
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
from tribe_sync.domain.problems import Problem, ProblemCode, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.mappers.naming import name_problems
from tribe_sync.store.tables import (
    mirror_forecasts,
    mirror_months,
    mirror_organisations,
    mirror_problems,
    mirror_quarter_stock,
    mirror_reports,
    mirror_requests,
    mirror_sets,
    mirror_stock,
)
from tribe_sync.store.upsert import upsert_into

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


def derive_stock(
    tx: Connection, organisation_ids: Collection[str] | None, *, at: dt.datetime | None = None
) -> None:
    """Replace the stock rows of `organisation_ids` (ALL: every organisation) from their delivered
    requests and those requests' reports: today's (`mirror_stock`) and at the end of each quarter in
    which it moved (`mirror_quarter_stock`), from the same rows read once; and the problems the stock
    rules find in them (`STOCK_PROBLEMS`, kept as of `at`, default now), which replace the
    organisations' earlier ones: a corrected report makes its problem go."""
    r, a, s, q = mirror_requests, mirror_reports, mirror_stock, mirror_quarter_stock
    at = at if at is not None else dt.datetime.now(dt.UTC)
    everything = organisation_ids is ALL
    if organisation_ids is ALL:  # a chunk of organisations at a time: memory stays small at 10x
        tx.execute(delete(s))
        tx.execute(delete(q))
        tx.execute(delete(mirror_problems).where(mirror_problems.c.code.in_(sorted(STOCK_PROBLEMS))))
        delivered_by = select(r.c.organisation_id).where(r.c.status == RequestStatus.CLOSED.name)
        reported_by = select(r.c.organisation_id).join(a, a.c.request_id == r.c.id)
        organisation_ids = set(tx.execute(union(delivered_by, reported_by)).scalars())
    for chosen in _chunks(organisation_ids):
        delivered = select(r).where(r.c.status == RequestStatus.CLOSED.name)
        # Every report of the organisations' requests, delivered or not: one for a request not
        # delivered is a problem the rules report (it counts for no stock).
        reports = select(a, r.c.number, r.c.organisation_id).join(r, r.c.id == a.c.request_id)
        if chosen is not None:
            delivered = delivered.where(r.c.organisation_id.in_(chosen))
            reports = reports.where(r.c.organisation_id.in_(chosen))
            tx.execute(delete(s).where(s.c.organisation_id.in_(chosen)))
            tx.execute(delete(q).where(q.c.organisation_id.in_(chosen)))
            if not everything:
                _clear_stock_problems(tx, chosen)
        else:
            tx.execute(delete(s))
            tx.execute(delete(q))
        delivered_rows = list(tx.execute(delivered))
        requests = [domain_request(row) for row in delivered_rows]
        numbers = {row.id: (row.number, row.organisation_id) for row in delivered_rows}
        found = []
        for row in tx.execute(reports):
            numbers.setdefault(row.request_id, (row.number, row.organisation_id))
            found.append(
                AccountabilityReport(
                    row.id, row.request_id, row.handed_out, None, _utc(row.reported_at), row.reported_on
                )
            )
        stocks, problems = stock_per_request(requests, found)
        rows = [_stock_values(o) for o in stock_per_organisation(stocks.values()).values()]
        if rows:
            tx.execute(insert(s), rows)
        by_quarter = [
            {**_stock_values(o), "quarter": BEFORE_ANY_QUARTER if at_end is None else quarter_index(at_end)}
            for at_end, o in stock_at_quarter_ends(requests, found)
        ]
        if by_quarter:
            tx.execute(insert(q), by_quarter)
        _keep_stock_problems(tx, problems, numbers, at)


# Where a stock problem is kept: with the record staff correct, as the domain names it (a request's
# reports above what it received: the request, which `requests show` lists; a report: the report).
STOCK_PROBLEM_SETS = {"request": "requests", "accountability": "reports"}


def _clear_stock_problems(tx: Connection, organisation_ids: list[str]) -> None:
    """Remove the stock problems of the organisations' requests and of those requests' reports."""
    r, a, p = mirror_requests, mirror_reports, mirror_problems
    own_requests = select(r.c.id).where(r.c.organisation_id.in_(organisation_ids))
    own_reports = (
        select(a.c.id).join(r, r.c.id == a.c.request_id).where(r.c.organisation_id.in_(organisation_ids))
    )
    tx.execute(
        delete(p).where(
            p.c.code.in_(sorted(STOCK_PROBLEMS)),
            or_(
                and_(p.c.set_name == STOCK_PROBLEM_SETS["request"], p.c.record_id.in_(own_requests)),
                and_(p.c.set_name == STOCK_PROBLEM_SETS["accountability"], p.c.record_id.in_(own_reports)),
            ),
        )
    )


def _keep_stock_problems(
    tx: Connection, problems: list[Problem], requests: dict[str, tuple[str, str]], at: dt.datetime
) -> None:
    """Store the stock rules' problems, named as staff find the record in Tribe (a request by its order
    number, a report by its organisation and the request's order number) and in Dutch."""
    if not problems:
        return
    o, p = mirror_organisations, mirror_problems
    wanted = sorted({organisation for _, organisation in requests.values()})
    organisations = {
        row.id: row.name for row in tx.execute(select(o.c.id, o.c.name).where(o.c.id.in_(wanted)))
    }
    rows = {}
    for found in name_problems(problems, organisations, requests):
        set_name = STOCK_PROBLEM_SETS[found.entity]
        number = requests.get(found.record_id or "", ("", ""))[0] if set_name == "requests" else None
        rows[set_name, found.record_id, found.code] = {
            "set_name": set_name,
            "record_id": found.record_id,
            "code": found.code,
            "number": number or None,
            "label": (found.label or number or "")[:255] or None,
            "mapped": True,
            "message": found.message,
            "message_nl": found.message_nl,
            "synced_at": at,
        }
    statement = upsert_into(tx.dialect.name, p)
    keys = ["set_name", "record_id", "code"]
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in p.columns if c.name not in keys},
    )
    tx.execute(statement, list(rows.values()))


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
    p = mirror_problems
    for name in STOCK_PROBLEM_SETS.values():  # `mirror status` counts the stock problems too
        held = select(func.count()).select_from(p).where(p.c.set_name == name).scalar_subquery()
        tx.execute(update(mirror_sets).where(mirror_sets.c.name == name).values(problems=held))
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
