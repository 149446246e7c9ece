"""What staff lists, reports and the console read: typed rows from the read model, streamed.

Rows come from the database a few hundred at a time (`yield_per`), so a list of the whole programme
at large scale never holds it all in memory. What needs the programme's rules (stock, which forecast
counts) was worked out by `domain/` when the rows were refreshed (`derived.py`) and is read here as it
is, so a view and a job never disagree about a rule (stock at the end of a quarter included).
Nothing here calls the CRM; `Mirror.ensure_fresh` does that first.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import Engine, Select, String, Text, and_, case, cast, func, literal, or_, select
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast, ForecastState, classify_forecasts
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.errors import StoreError
from tribe_sync.store.readmodel.derived import quarter_index, stock_missing
from tribe_sync.store.readmodel.refresh import CatalogueKind
from tribe_sync.store.tables import (
    mirror_catalogue,
    mirror_forecasts,
    mirror_months,
    mirror_organisations,
    mirror_problems,
    mirror_quarter_stock,
    mirror_reports,
    mirror_requests,
    mirror_stock,
    mirror_tasks,
)

__all__ = [
    "ForecastLine",
    "ForecastRow",
    "MonthRow",
    "OrganisationRow",
    "OrganisationTotals",
    "ProblemRow",
    "ReadModel",
    "RequestLine",
    "RequestRow",
    "StockRow",
    "TaskRow",
]

YIELD_PER = 500
IDS_PER_QUERY = 500  # IDs in one `IN (…)`: well inside SQLite's and PostgreSQL's parameter limits


@dataclass(frozen=True, slots=True)
class RequestRow:
    id: str
    order_number: str
    organisation_id: str
    organisation: str  # the name; the ID if the organisation is unknown to the read model
    status: RequestStatus
    quantity: int
    product: str
    month: str  # YYYY-MM
    requested_at: dt.datetime
    requested_on: dt.date
    delivery_date: dt.date | None
    reference: str | None
    processor_id: str | None
    processor_confirmed_on: dt.date | None
    delivered_quantity: int | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "order_number": self.order_number,
            "id": self.id,
            "organisation": self.organisation,
            "organisation_id": self.organisation_id,
            "status": self.status.name,
            "status_label": self.status.label,
            "quantity": self.quantity,
            "product": self.product,
            "month": self.month,
            "requested_on": self.requested_on.isoformat(),
            "delivery_date": _iso(self.delivery_date),
            "reference": self.reference,
            "processor_id": self.processor_id,
            "processor_confirmed_on": _iso(self.processor_confirmed_on),
            "delivered_quantity": self.delivered_quantity,
        }


class RequestLine(NamedTuple):
    """What a long list of requests shows of one, as the database gives it: the lean path for the
    whole programme (`requests list` at 10x is 36,000 of these), no object per field."""

    id: str
    organisation_id: str
    order_number: str
    organisation: str  # the name; the ID if the organisation is unknown to the read model
    status: str  # RequestStatus's name
    quantity: int
    month: str  # YYYY-MM
    requested_on: str  # days as ISO text (YYYY-MM-DD): a long list puts each into words once
    delivery_date: str | None


class ForecastLine(NamedTuple):
    """One forecast as a long list shows it (see RequestLine); `state` is a ForecastState's value."""

    organisation: str  # the name; the ID if the organisation is unknown to the read model
    year: int
    quarter: int
    product: str
    quantity: int
    submitted_on: str  # the day as ISO text (YYYY-MM-DD), as in RequestLine
    state: str


@dataclass(frozen=True, slots=True)
class ProblemRow:
    """What is wrong with a record: its set, ID, the order number if it is a request, what staff find
    it by in Tribe (`label`: order number, organisation and quarter, month), and why.
    `mapped`: the record breaks a rule but is in the lists; otherwise it does not map and is not."""

    set_name: str
    record_id: str
    order_number: str | None
    code: str
    message: str
    message_nl: str
    mapped: bool = False
    label: str | None = None

    @property
    def shown(self) -> str:
        """The record as a person names it; its ID only when the record holds nothing better."""
        return self.label or self.order_number or self.record_id

    def as_dict(self) -> dict[str, Any]:
        return {
            "set": self.set_name,
            "record_id": self.record_id,
            "order_number": self.order_number,
            "label": self.label,
            "code": self.code,
            "message": self.message,
            "message_nl": self.message_nl,
            "listed": self.mapped,
        }


@dataclass(frozen=True, slots=True)
class MonthRow:
    id: str
    month: str  # YYYY-MM
    label: str
    is_open: bool
    capacity: int | None
    requests: int
    requested: int  # devices requested for it (every status, as the closing job counts)
    closed_by: str | None
    closed_reason: str | None

    @property
    def fill(self) -> float | None:
        """Requested as a fraction of capacity; None without a limit."""
        return self.requested / self.capacity if self.capacity else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "month": self.month,
            "label": self.label,
            "open": self.is_open,
            "capacity": self.capacity,
            "requests": self.requests,
            "requested": self.requested,
            "closed_by": self.closed_by,
            "closed_reason": self.closed_reason,
        }


@dataclass(frozen=True, slots=True)
class TaskRow:
    """A task our jobs created: its change key (the CRM's ImportId) and its phase."""

    id: str
    key: str
    status: str | None


@dataclass(frozen=True, slots=True)
class OrganisationTotals:
    requested: int
    allocated: int
    requested_in_quarter: int


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    id: str
    name: str
    approved: bool


@dataclass(frozen=True, slots=True)
class StockRow:
    """Per organisation: received (delivered requests), handed out, in stock, and how old the stock is."""

    organisation_id: str
    organisation: str
    received: int
    handed_out: int
    in_stock: int
    oldest_undistributed_delivery: dt.date | None
    last_report: dt.date | None

    def stock_age_days(self, today: dt.date) -> int | None:
        oldest = self.oldest_undistributed_delivery
        return (today - oldest).days if oldest is not None else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "organisation": self.organisation,
            "organisation_id": self.organisation_id,
            "received": self.received,
            "handed_out": self.handed_out,
            "in_stock": self.in_stock,
            "oldest_undistributed_delivery": _iso(self.oldest_undistributed_delivery),
            "last_report": _iso(self.last_report),
        }


@dataclass(frozen=True, slots=True)
class ForecastRow:
    id: str
    organisation_id: str
    organisation: str
    quarter: Quarter
    product: str
    quantity: int
    submitted_on: dt.date
    state: ForecastState

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "organisation": self.organisation,
            "organisation_id": self.organisation_id,
            "quarter": str(self.quarter),
            "product": self.product,
            "quantity": self.quantity,
            "submitted_on": self.submitted_on.isoformat(),
            "deadline": self.quarter.forecast_deadline.isoformat(),
            "state": self.state.value,
        }


@dataclass(frozen=True)
class ReadModel:
    """Queries over the read model on `engine`. Every method reads only the store."""

    engine: Engine

    # -- organisations -----------------------------------------------------------------------

    def organisations(self, needle: str | None = None) -> list[OrganisationRow]:
        """Organisations by name; `needle` is an ID or part of a name (any case)."""
        o = mirror_organisations
        query = select(o.c.id, o.c.name, o.c.approved).order_by(o.c.name, o.c.id)
        if needle:
            query = query.where(or_(o.c.id == needle, func.lower(o.c.name).contains(needle.casefold())))
        return [OrganisationRow(r.id, r.name, bool(r.approved)) for r in self._rows(query)]

    # -- requests ----------------------------------------------------------------------------

    def requests(
        self,
        *,
        status: RequestStatus | None = None,
        organisation_ids: Collection[str] | None = None,
        month: Month | None = None,
        number: str | None = None,
        ids: Collection[str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Iterator[RequestRow]:
        """Requests in queue order (oldest first, then order number), or newest first; streamed.
        `ids`: only these requests (looked up in batches, for a plan's page)."""
        if ids is not None:
            wanted = sorted(set(ids))
            for first in range(0, len(wanted), IDS_PER_QUERY):
                yield from self._requests(
                    status=status,
                    organisation_ids=organisation_ids,
                    month=month,
                    number=number,
                    ids_batch=wanted[first : first + IDS_PER_QUERY],
                )
            return
        yield from self._requests(
            status=status,
            organisation_ids=organisation_ids,
            month=month,
            number=number,
            newest_first=newest_first,
            limit=limit,
            offset=offset,
        )

    def requests_json(
        self,
        *,
        status: RequestStatus | None = None,
        organisation_ids: Collection[str] | None = None,
        month: Month | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[str]:
        """`requests(...)`, each row already as the JSON object `RequestRow.as_dict` gives, written by
        the database (SQLite's `json_object`, PostgreSQL's `json_build_object`): `requests list
        --json` of the whole programme then costs Python a string per row instead of an object, a
        dict and an encoding."""
        r, o = mirror_requests, mirror_organisations
        label = case(*((r.c.status == s.name, literal(s.label)) for s in RequestStatus), else_=literal(None))
        fields: list[tuple[str, Any]] = [
            ("order_number", r.c.number),
            ("id", r.c.id),
            ("organisation", _name_or_id(o.c.name, r.c.organisation_id)),
            ("organisation_id", r.c.organisation_id),
            ("status", r.c.status),
            ("status_label", label),
            ("quantity", r.c.quantity),
            ("product", r.c.product),
            ("month", r.c.month),
            ("requested_on", r.c.requested_on),
            ("delivery_date", r.c.delivery_date),
            ("reference", r.c.reference),
            ("processor_id", r.c.processor_id),
            ("processor_confirmed_on", r.c.processor_confirmed_on),
            ("delivered_quantity", r.c.delivered_quantity),
        ]
        document = _json_object(self.engine.dialect.name, fields)
        query = select(document).select_from(r.outerjoin(o, o.c.id == r.c.organisation_id))
        query = _request_filters(query, status, organisation_ids, month, None)
        query = _in_queue_order(query, newest_first=newest_first, limit=limit)
        for (text,) in self._rows(query):
            yield str(text)

    def request_lines(
        self,
        *,
        status: RequestStatus | None = None,
        organisation_ids: Collection[str] | None = None,
        month: Month | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[RequestLine]:
        """`requests(...)` with only what a list shows, streamed in the same order: days come as their
        ISO text and organisations' names from one look-up of the names, no date parsed and no name
        joined a row."""
        r = mirror_requests
        query = select(
            r.c.id,
            r.c.organisation_id,
            r.c.number,
            r.c.status,
            r.c.quantity,
            r.c.month,
            _iso_day(self.engine.dialect.name, r.c.requested_on),
            _iso_day(self.engine.dialect.name, r.c.delivery_date),
        )
        query = _request_filters(query, status, organisation_ids, month, None)
        query = _in_queue_order(query, newest_first=newest_first, limit=limit)
        names = self._names(organisation_ids)
        make = RequestLine._make
        for row in self._rows(query):
            organisation_id = row[1]
            yield make(
                (row[0], organisation_id, row[2], names.get(organisation_id) or organisation_id, *row[3:])
            )

    def count_requests(
        self,
        *,
        status: RequestStatus | None = None,
        organisation_ids: Collection[str] | None = None,
        month: Month | None = None,
        number: str | None = None,
    ) -> int:
        """How many requests `requests` would list with these filters (for "1–100 van N")."""
        query = _request_filters(
            select(func.count()).select_from(mirror_requests), status, organisation_ids, month, number
        )
        return int(next(iter(self._rows(query)))[0])

    def _requests(
        self,
        *,
        status: RequestStatus | None = None,
        organisation_ids: Collection[str] | None = None,
        month: Month | None = None,
        number: str | None = None,
        ids_batch: Collection[str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int | None = None,
    ) -> Iterator[RequestRow]:
        r, o = mirror_requests, mirror_organisations
        # Only the columns a row shows: every date and time read costs a parse per row.
        shown = [c for c in r.columns if c.name not in ("mutated_at", "synced_at")]
        query = select(*shown, o.c.name.label("organisation_name")).select_from(
            r.outerjoin(o, o.c.id == r.c.organisation_id)
        )
        query = _request_filters(query, status, organisation_ids, month, number)
        if ids_batch is not None:
            query = query.where(r.c.id.in_(list(ids_batch)))
        query = _in_queue_order(query, newest_first=newest_first, limit=limit)
        if offset:
            query = query.offset(offset)
        for row in self._rows(query):
            yield RequestRow(
                id=row.id,
                order_number=row.number,
                organisation_id=row.organisation_id,
                organisation=row.organisation_name or row.organisation_id,
                status=RequestStatus[row.status],
                quantity=row.quantity,
                product=row.product,
                month=row.month,
                requested_at=_utc(row.requested_at),
                requested_on=row.requested_on,
                delivery_date=row.delivery_date,
                reference=row.reference,
                processor_id=row.processor_id,
                processor_confirmed_on=row.processor_confirmed_on,
                delivered_quantity=row.delivered_quantity,
            )

    def request_counts(self) -> dict[RequestStatus, int]:
        r = mirror_requests
        query = select(r.c.status, func.count()).group_by(r.c.status)
        return {RequestStatus[status]: count for status, count in self._rows(query)}

    def totals_per_organisation(self, quarter: Quarter) -> dict[str, OrganisationTotals]:
        """Per organisation, in one grouped query: devices requested, allocated (Verwerking
        bestelling or later) and requested for the months of `quarter` (the console's Organisaties)."""
        r = mirror_requests
        allocated = [s.name for s in RequestStatus if s.at_least(RequestStatus.PROCESSING)]
        months = [Month(quarter.year, (quarter.number - 1) * 3 + i).code for i in (1, 2, 3)]
        query = select(
            r.c.organisation_id,
            func.sum(r.c.quantity),
            func.sum(case((r.c.status.in_(allocated), r.c.quantity), else_=0)),
            func.sum(case((r.c.month.in_(months), r.c.quantity), else_=0)),
        ).group_by(r.c.organisation_id)
        return {
            org: OrganisationTotals(int(requested or 0), int(given or 0), int(in_quarter or 0))
            for org, requested, given, in_quarter in self._rows(query)
        }

    # -- months ------------------------------------------------------------------------------

    def months(self) -> list[MonthRow]:
        """Every delivery month with how full it is (requests and devices requested for it)."""
        m, r = mirror_months, mirror_requests
        totals = (
            select(
                r.c.month,
                func.count().label("requests"),
                func.coalesce(func.sum(r.c.quantity), 0).label("requested"),
            )
            .group_by(r.c.month)
            .subquery()
        )
        query = (
            select(m, totals.c.requests, totals.c.requested)
            .select_from(m.outerjoin(totals, totals.c.month == m.c.month))
            .order_by(m.c.month, m.c.id)
        )
        return [
            MonthRow(
                id=row.id,
                month=row.month,
                label=Month.parse(row.month).label,
                is_open=bool(row.is_open),
                capacity=row.capacity,
                requests=row.requests or 0,
                requested=int(row.requested or 0),
                closed_by=row.closed_by,
                closed_reason=row.closed_reason,
            )
            for row in self._rows(query)
        ]

    # -- stock (accountability) ----------------------------------------------------------------

    def stock(self, as_of: Quarter | None = None, *, organisation_id: str | None = None) -> list[StockRow]:
        """Per organisation with delivered requests: received, handed out, in stock; as it stood at
        the end of `as_of` if given (the current quarter: so far). Most stock first.
        `organisation_id`: only that organisation's row (none if it has no delivered request)."""
        o = mirror_organisations
        if as_of is None:
            s: Any = mirror_stock
            kept = s.outerjoin(o, o.c.id == s.c.organisation_id)
        else:
            # Each organisation's row of the last quarter up to `as_of` in which its stock moved.
            s = mirror_quarter_stock
            last = (
                select(s.c.organisation_id, func.max(s.c.quarter).label("quarter"))
                .where(s.c.quarter <= quarter_index(as_of))
                .group_by(s.c.organisation_id)
                .subquery()
            )
            kept = s.join(
                last, and_(last.c.organisation_id == s.c.organisation_id, last.c.quarter == s.c.quarter)
            ).outerjoin(o, o.c.id == s.c.organisation_id)
        query = (
            select(
                s.c.organisation_id,
                o.c.name,
                s.c.received,
                s.c.handed_out,
                s.c.in_stock,
                s.c.oldest_undistributed_delivery,
                s.c.last_report,
            )
            .select_from(kept)
            .order_by(s.c.in_stock.desc(), s.c.organisation_id)
        )
        if organisation_id is not None:
            query = query.where(s.c.organisation_id == organisation_id)
        return [
            StockRow(
                organisation_id=row.organisation_id,
                organisation=row.name or row.organisation_id,
                received=row.received,
                handed_out=row.handed_out,
                in_stock=row.in_stock,
                oldest_undistributed_delivery=row.oldest_undistributed_delivery,
                last_report=row.last_report,
            )
            for row in self._rows(query)
        ]

    def stock_missing(self) -> bool:
        """Whether the stock is not worked out yet although a request was delivered (a table a
        revision added that neither `store upgrade` nor a refresh has filled): a report must say so,
        never show its empty rows as zeros."""
        try:
            with self.engine.connect() as connection:
                return stock_missing(connection)
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read the read model: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
            ) from exc

    # -- forecasts ---------------------------------------------------------------------------

    def forecasts(
        self,
        *,
        year: int | None = None,
        quarter: int | None = None,
        organisation_ids: Collection[str] | None = None,
        state: ForecastState | None = None,
    ) -> list[ForecastRow]:
        """Forecasts with their state (decided at refresh time over all forecasts of their key), by
        organisation, quarter, product and submission."""
        return list(
            self.iter_forecasts(year=year, quarter=quarter, organisation_ids=organisation_ids, state=state)
        )

    def iter_forecasts(
        self,
        *,
        year: int | None = None,
        quarter: int | None = None,
        organisation_ids: Collection[str] | None = None,
        state: ForecastState | None = None,
    ) -> Iterator[ForecastRow]:
        """`forecasts`, streamed."""
        f = mirror_forecasts
        name = _name_or_id(mirror_organisations.c.name, f.c.organisation_id)
        columns = (name, f.c.year, f.c.quarter, f.c.product, f.c.quantity, f.c.submitted_on)
        states = {s.value: s for s in ForecastState}
        for row, found in self._forecast_rows(columns, year, quarter, organisation_ids, state, None):
            organisation_id, forecast_id, name, year_, quarter_, product, quantity, submitted_on, _ = row
            yield ForecastRow(
                forecast_id,
                organisation_id,
                name,
                Quarter(year_, quarter_),
                product,
                quantity,
                submitted_on,
                states[found],
            )

    def forecast_lines(
        self,
        *,
        year: int | None = None,
        quarter: int | None = None,
        organisation_ids: Collection[str] | None = None,
        state: ForecastState | None = None,
        limit: int | None = None,
    ) -> Iterator[ForecastLine]:
        """`iter_forecasts(...)` with only what a list shows, streamed in the same order: the lean path
        for the whole programme (60,000 at 10x). The day comes as its ISO text and the organisation's
        name from one look-up of the names: no date parsed, no name joined a row."""
        f = mirror_forecasts
        submitted_on = _iso_day(self.engine.dialect.name, f.c.submitted_on)
        columns = (f.c.year, f.c.quarter, f.c.product, f.c.quantity, submitted_on)
        names = self._names(organisation_ids)
        new = tuple.__new__
        last, name = None, ""
        for row, found in self._forecast_rows(columns, year, quarter, organisation_ids, state, limit):
            if row[0] != last:  # in the list's order an organisation's forecasts come together
                last = row[0]
                name = names.get(last) or last
            yield new(ForecastLine, (name, *row[2:7], found))

    def _names(self, organisation_ids: Collection[str] | None) -> dict[str, str]:
        """Organisations' names by ID (all of them, or these)."""
        o = mirror_organisations
        query = select(o.c.id, o.c.name)
        if organisation_ids is not None:
            query = query.where(o.c.id.in_(list(organisation_ids)))
        return {row.id: row.name for row in self._rows(query)}

    def count_forecasts(
        self,
        *,
        year: int | None = None,
        quarter: int | None = None,
        organisation_ids: Collection[str] | None = None,
        state: ForecastState | None = None,
    ) -> int:
        """How many forecasts `forecast_lines` lists with these filters (a long list's title says it
        before its rows follow). One stored without its state yet is counted as it will be decided."""
        f = mirror_forecasts
        counted = select(func.count()).select_from(f)
        total = int(
            next(iter(self._rows(_forecast_filters(counted, year, quarter, organisation_ids, state))))[0]
        )
        if state is None:
            return total
        undecided = select(f.c.organisation_id, f.c.id).where(f.c.state.is_(None))
        undecided = _forecast_filters(undecided, year, quarter, organisation_ids, state)
        states: dict[str, dict[str, ForecastState]] = {}
        for organisation_id, forecast_id in list(self._rows(undecided)):
            if organisation_id not in states:
                states[organisation_id] = self._states_of(organisation_id)
            total -= states[organisation_id][forecast_id] is not state
        return total

    def forecasts_json(
        self,
        *,
        year: int | None = None,
        quarter: int | None = None,
        organisation_ids: Collection[str] | None = None,
        state: ForecastState | None = None,
        limit: int | None = None,
    ) -> Iterator[str]:
        """`iter_forecasts(...)`, each as the JSON object `ForecastRow.as_dict` gives, written whole by
        the database, as `requests_json` does: the quarter's deadline comes from the programme's rule
        (`Quarter.forecast_deadline`) for each quarter the set holds, handed to the query as a table of
        a few dozen values; only a state a refresh has not decided yet is filled in here."""
        f = mirror_forecasts
        quarter_text = cast(f.c.year, String) + literal("-Q") + cast(f.c.quarter, String)
        fields: list[tuple[str, Any]] = [
            ("id", f.c.id),
            ("organisation", _name_or_id(mirror_organisations.c.name, f.c.organisation_id)),
            ("organisation_id", f.c.organisation_id),
            ("quarter", quarter_text),
            ("product", f.c.product),
            ("quantity", f.c.quantity),
            ("submitted_on", f.c.submitted_on),
            ("deadline", self._deadlines()),
            ("state", f.c.state),  # last: an undecided one ends its object in `null}`
        ]
        document = _json_object(self.engine.dialect.name, fields)
        for row, found in self._forecast_rows((document,), year, quarter, organisation_ids, state, limit):
            text = str(row[2])
            yield text if row[-1] is not None else f'{text[: -len("null}")]}"{found}"}}'

    def _deadlines(self) -> Any:
        """Each quarter's forecast deadline (ISO text) by the quarter's year and number, for every
        quarter from the first year the forecasts hold to the last."""
        f = mirror_forecasts
        first, last = next(iter(self._rows(select(func.min(f.c.year), func.max(f.c.year)))))
        if first is None:
            return literal(None, String)
        whens = {
            year * 10 + number: Quarter(year, number).forecast_deadline.isoformat()
            for year in range(int(first), int(last) + 1)
            for number in (1, 2, 3, 4)
        }
        return case(whens, value=f.c.year * 10 + f.c.quarter)

    def _forecast_rows(
        self,
        columns: tuple[Any, ...],
        year: int | None,
        quarter: int | None,
        organisation_ids: Collection[str] | None,
        state: ForecastState | None,
        limit: int | None,
    ) -> Iterator[tuple[Any, str]]:
        """Forecasts as `iter_forecasts` lists them: each row is (organisation ID, ID, then `columns`)
        with its state's value (a ForecastState's), as few steps a row as can be: the lists of the
        whole programme go through here. A column may name the organisation (its table is joined;
        the database leaves the join out when no column reads it)."""
        f, o = mirror_forecasts, mirror_organisations
        query = select(f.c.organisation_id, f.c.id, *columns, f.c.state).select_from(
            f.outerjoin(o, o.c.id == f.c.organisation_id)
        )
        query = _in_forecast_order(_forecast_filters(query, year, quarter, organisation_ids, state))
        wanted = state.value if state is not None else None
        undecided: dict[str, dict[str, ForecastState]] = {}
        shown = 0
        for row in self._rows(query):
            if shown == limit:
                return
            found = row[-1]
            if found is None:  # stored in the middle of a refresh: decided as it is read
                if row[0] not in undecided:
                    undecided[row[0]] = self._states_of(row[0])
                found = undecided[row[0]][row[1]].value
                if wanted is not None and found != wanted:
                    continue
            shown += 1
            yield row, found

    def _states_of(self, organisation_id: str) -> dict[str, ForecastState]:
        f = mirror_forecasts
        query = select(f).where(f.c.organisation_id == organisation_id)
        # A list, not a generator: classify_forecasts reads them twice (the winners, then each one).
        forecasts = [
            Forecast(
                row.id,
                row.organisation_id,
                Quarter(row.year, row.quarter),
                row.product,
                row.quantity,
                _utc(row.submitted_at),
                row.submitted_on,
            )
            for row in self._rows(query)
        ]
        return classify_forecasts(forecasts)

    # -- one request -------------------------------------------------------------------------

    def handed_out(self, request_id: str) -> tuple[int, dt.date | None]:
        """Devices of one request reported handed out, and the last report's day."""
        a = mirror_reports
        query = select(func.coalesce(func.sum(a.c.handed_out), 0), func.max(a.c.reported_on)).where(
            a.c.request_id == request_id
        )
        total, last = next(iter(self._rows(query)))
        return int(total), last

    def tasks(self, *about: str) -> list[TaskRow]:
        """Our tasks whose key names one of `about` (a request's or an organisation's ID)."""
        t = mirror_tasks
        query = select(t.c.id, t.c.key, t.c.status).order_by(t.c.key)
        if about:
            query = query.where(or_(*(t.c.key.contains(x, autoescape=True) for x in about)))
        return [TaskRow(row.id, row.key, row.status) for row in self._rows(query)]

    def product_names(self) -> dict[str, str]:
        """Each product's name by its code (a product without a name is left out: shown by code)."""
        c = mirror_catalogue
        query = select(c.c.code, c.c.name).where(c.c.kind == CatalogueKind.PRODUCTS.value)
        return {str(row.code): str(row.name) for row in self._rows(query) if row.name}

    def processor_names(self) -> dict[str, str]:
        """Each processor's name by its ID (the supplier relationship a request points at); "" for
        one Tribe holds without a name. A processor missing here is one the read model has not read
        yet: it comes with the next refresh of the requests."""
        c = mirror_catalogue
        query = select(c.c.code, c.c.name).where(c.c.kind == CatalogueKind.PROCESSORS.value)
        return {str(row.code): str(row.name or "") for row in self._rows(query)}

    # -- problems ----------------------------------------------------------------------------

    def problems(
        self, sets: Collection[str] | None = None, *, number: str | None = None
    ) -> Iterator[ProblemRow]:
        """What is wrong with records of `sets` (default all; only request `number`'s if given): the
        ones that do not map and the rules mapped ones break, by set and order number."""
        p = mirror_problems
        query = select(p).order_by(p.c.set_name, p.c.number, p.c.record_id, p.c.code)
        if sets is not None:
            query = query.where(p.c.set_name.in_(list(sets)))
        if number is not None:
            query = query.where(p.c.number == number)
        for row in self._rows(query):
            yield ProblemRow(
                row.set_name,
                row.record_id,
                row.number,
                row.code,
                row.message,
                row.message_nl,
                bool(row.mapped),
                row.label,
            )

    # -- plumbing ----------------------------------------------------------------------------

    def _rows(self, query: Select[Any]) -> Iterator[Any]:
        try:
            with self.engine.connect() as connection:
                result = connection.execution_options(yield_per=YIELD_PER).execute(query)
                for part in result.partitions():  # a batch at a time: no call per row to fetch it
                    yield from part
        except SQLAlchemyError as exc:
            raise StoreError(
                f"cannot read the read model: {str(getattr(exc, 'orig', exc)).splitlines()[0]}"
            ) from exc


def _name_or_id(name: Any, organisation_id: Any) -> Any:
    """The organisation's name, or its ID when the read model knows no name (as the rows say it)."""
    return func.coalesce(func.nullif(name, ""), organisation_id)


def _forecast_filters(
    query: Select[Any],
    year: int | None,
    quarter: int | None,
    organisation_ids: Collection[str] | None,
    state: ForecastState | None,
) -> Select[Any]:
    f = mirror_forecasts
    if year is not None:
        query = query.where(f.c.year == year)
    if quarter is not None:
        query = query.where(f.c.quarter == quarter)
    if organisation_ids is not None:
        query = query.where(f.c.organisation_id.in_(list(organisation_ids)))
    if state is not None:
        # A forecast stored in the middle of a refresh has no state yet: decided as it is read.
        query = query.where(or_(f.c.state == state.value, f.c.state.is_(None)))
    return query


def _iso_day(dialect: str, column: Any) -> Any:
    """A day as its ISO text (YYYY-MM-DD), written by the database: SQLite keeps it so; PostgreSQL
    is told the format, whatever its DateStyle."""
    if dialect == "postgresql":
        return func.to_char(column, literal("YYYY-MM-DD"))
    return cast(column, String)


def _in_forecast_order(query: Select[Any]) -> Select[Any]:
    """Forecasts by organisation, quarter, product and submission (ID last for a stable order): the
    order the lists' covering index holds (revisions 0012, 0013), so they stream without a sort."""
    f = mirror_forecasts
    return query.order_by(f.c.organisation_id, f.c.year, f.c.quarter, f.c.product, f.c.submitted_at, f.c.id)


def _json_object(dialect: str, fields: list[tuple[str, Any]]) -> Any:
    """A row as one JSON object the database writes (SQLite's `json_object`, PostgreSQL's
    `json_build_object`), as text: a long `--json` list then costs Python a string per row."""
    build = func.json_build_object if dialect == "postgresql" else func.json_object
    return cast(build(*(part for key, column in fields for part in (literal(key), column))), Text)


def _in_queue_order(query: Select[Any], *, newest_first: bool, limit: int | None) -> Select[Any]:
    """Requests in queue order (oldest first, then order number; ID last for a stable order), or
    newest first; at most `limit`. The lists' index (revision 0012) ends in the same columns."""
    r = mirror_requests
    order = [r.c.requested_at, r.c.number, r.c.id]
    query = query.order_by(*(c.desc() for c in order) if newest_first else order)
    return query if limit is None else query.limit(limit)


def _request_filters(
    query: Select[Any],
    status: RequestStatus | None,
    organisation_ids: Collection[str] | None,
    month: Month | None,
    number: str | None,
) -> Select[Any]:
    r = mirror_requests
    if status is not None:
        query = query.where(r.c.status == status.name)
    if organisation_ids is not None:
        query = query.where(r.c.organisation_id.in_(list(organisation_ids)))
    if month is not None:
        query = query.where(r.c.month == month.code)
    if number is not None:
        query = query.where(r.c.number == number)
    return query


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
