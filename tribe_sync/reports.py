"""What staff ask to see, computed from a snapshot: pure selections and sums, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from tribe_sync.domain.accountability import (
    OrganisationStock,
    stock_at_end_of,
    stock_per_organisation,
    stock_per_request,
)
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast, ForecastState, classify_forecasts
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["ForecastRow", "accountability_rows", "forecast_rows", "parse_status", "select_requests"]


def parse_status(text: str, schema: TenantSchema) -> RequestStatus:
    """A status by its name (`WAITING`), its CRM phase code or its Dutch label, in any case."""
    wanted = text.strip().casefold()
    for status in RequestStatus:
        names = {status.name, status.label, schema.code_of(status)}
        if wanted in {n.casefold() for n in names}:
            return status
    known = ", ".join(s.label.lower() for s in RequestStatus)
    codes = ", ".join(s.name for s in RequestStatus)
    raise ValueError(f"{text!r} is geen status; kies uit {known} (of {codes}, of de code in Tribe)")


def select_requests(
    snapshot: Snapshot,
    *,
    status: RequestStatus | None = None,
    organisation: str | None = None,
    month: Month | None = None,
) -> list[Request]:
    """Requests matching every given filter; `organisation` is an ID or part of a name."""
    needle = (organisation or "").casefold()
    names = {o.id: o.name.casefold() for o in snapshot.organisations.values()}
    return sorted(
        (
            r
            for r in snapshot.requests
            if (status is None or r.status is status)
            and (month is None or r.month == month)
            and (
                not needle or r.organisation_id == organisation or needle in names.get(r.organisation_id, "")
            )
        ),
        key=lambda r: r.queue_key,
    )


@dataclass(frozen=True)
class ForecastRow:
    forecast: Forecast
    state: ForecastState


def forecast_rows(
    forecasts: Iterable[Forecast], *, year: int | None = None, quarter: int | None = None
) -> list[ForecastRow]:
    """Forecasts with their state; the state is decided over all forecasts, then filtered."""
    forecasts = list(forecasts)
    states = classify_forecasts(forecasts)
    chosen = [
        f
        for f in forecasts
        if (year is None or f.quarter.year == year) and (quarter is None or f.quarter.number == quarter)
    ]
    return [
        ForecastRow(f, states[f.id])
        for f in sorted(chosen, key=lambda f: (f.organisation_id, f.quarter, f.product_code, f.submitted_at))
    ]


def accountability_rows(snapshot: Snapshot, as_of: Quarter | None = None) -> list[OrganisationStock]:
    """Per organisation: received, handed out, in stock; as it stood at the end of `as_of` if given."""
    if as_of is None:
        stocks, _ = stock_per_request(snapshot.requests, snapshot.reports)
        found = stock_per_organisation(stocks.values())
    else:
        found = stock_at_end_of(as_of, snapshot.requests, snapshot.reports)
    return sorted(found.values(), key=lambda s: (-s.in_stock, s.organisation_id))
