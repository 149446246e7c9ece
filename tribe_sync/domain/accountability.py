"""Accountability (verantwoording): how many delivered devices an organisation has handed out.

Each report is an increment (handed out *in that report*); stock is what was received minus the sum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.problems import Problem, ProblemCode, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "STOCK_PROBLEMS",
    "AccountabilityReport",
    "OrganisationStock",
    "RequestStock",
    "stock_at_end_of",
    "stock_at_quarter_ends",
    "stock_per_organisation",
    "stock_per_request",
]


# What `stock_per_request` reports: a request's reports above what it received (its stock is held at
# 0, so an organisation's sums no longer add up), a report that would lower the total, a report for a
# request not delivered. The read model keeps them with the stock (`store.readmodel.derived`).
STOCK_PROBLEMS = frozenset(
    {
        ProblemCode.HANDED_OUT_ABOVE_RECEIVED,
        ProblemCode.NEGATIVE_REPORT,
        ProblemCode.REPORT_FOR_UNDELIVERED_REQUEST,
    }
)


@dataclass(frozen=True, slots=True)
class AccountabilityReport:
    id: str
    request_id: str
    handed_out: int
    note: str | None
    reported_at: dt.datetime
    reported_on: dt.date


@dataclass(frozen=True, slots=True)
class RequestStock:
    request: Request
    handed_out: int
    last_report_on: dt.date | None

    @property
    def received(self) -> int:
        return self.request.received

    @property
    def in_stock(self) -> int:
        return max(self.received - self.handed_out, 0)


@dataclass(frozen=True)
class OrganisationStock:
    organisation_id: str
    requests: tuple[RequestStock, ...]

    @property
    def received(self) -> int:
        return sum(r.received for r in self.requests)

    @property
    def handed_out(self) -> int:
        return sum(r.handed_out for r in self.requests)

    @property
    def in_stock(self) -> int:
        return sum(r.in_stock for r in self.requests)

    @property
    def oldest_undistributed_delivery(self) -> dt.date | None:
        dates = [r.request.delivery_date for r in self.requests if r.in_stock and r.request.delivery_date]
        return min(dates, default=None)

    @property
    def last_report_on(self) -> dt.date | None:
        return max((r.last_report_on for r in self.requests if r.last_report_on), default=None)


def stock_per_request(
    requests: Iterable[Request], reports: Iterable[AccountabilityReport]
) -> tuple[dict[str, RequestStock], list[Problem]]:
    """Stock of every delivered (CLOSED) request, and the problems the reports show."""
    delivered = {r.id: r for r in requests if r.status is RequestStatus.CLOSED}
    by_request: dict[str, list[AccountabilityReport]] = defaultdict(list)
    problems: list[Problem] = []
    for report in reports:
        if report.request_id not in delivered:
            problems.append(
                problem(
                    ProblemCode.REPORT_FOR_UNDELIVERED_REQUEST,
                    "accountability",
                    report.id,
                    request_id=report.request_id,
                )
            )
            continue
        if report.handed_out < 0:
            problems.append(
                problem(
                    ProblemCode.NEGATIVE_REPORT,
                    "accountability",
                    report.id,
                    detail=report.handed_out,
                    request_id=report.request_id,
                )
            )
        by_request[report.request_id].append(report)
    stocks = {}
    for request_id, request in delivered.items():
        own = by_request.get(request_id, [])
        total = sum(r.handed_out for r in own)
        if total > request.received:
            problems.append(
                problem(
                    ProblemCode.HANDED_OUT_ABOVE_RECEIVED,
                    "request",
                    request_id,
                    detail=total,
                    received=request.received,
                )
            )
        stocks[request_id] = RequestStock(request, total, max((r.reported_on for r in own), default=None))
    return stocks, problems


def stock_per_organisation(stocks: Iterable[RequestStock]) -> dict[str, OrganisationStock]:
    grouped: dict[str, list[RequestStock]] = defaultdict(list)
    for stock in stocks:
        grouped[stock.request.organisation_id].append(stock)
    return {
        org: OrganisationStock(org, tuple(sorted(items, key=lambda s: s.request.queue_key)))
        for org, items in grouped.items()
    }


def stock_at_end_of(
    quarter: Quarter | None, requests: Iterable[Request], reports: Iterable[AccountabilityReport]
) -> dict[str, OrganisationStock]:
    """Stock per organisation as it stood at the end of `quarter`: the requests delivered by then (a
    delivered request without a delivery date counts from the start) and what was reported by then.
    `quarter` None: before any quarter (only the requests without a delivery date, nothing reported)."""
    end = quarter.last_day if quarter is not None else None
    stocks, _ = stock_per_request(
        (r for r in requests if r.delivery_date is None or (end is not None and r.delivery_date <= end)),
        (a for a in reports if end is not None and a.reported_on <= end),
    )
    return stock_per_organisation(stocks.values())


def stock_at_quarter_ends(
    requests: Iterable[Request], reports: Iterable[AccountabilityReport]
) -> Iterator[tuple[Quarter | None, OrganisationStock]]:
    """Each organisation's stock (`stock_at_end_of`) at the end of every quarter in which it moved: a
    delivery or a report in it. At the end of any other quarter it is as at the last of those before
    (none before: the organisation had nothing delivered yet). None: before any quarter, for an
    organisation with a delivered request that has no delivery date."""
    delivered = [r for r in requests if r.status is RequestStatus.CLOSED]
    organisation_of = {r.id: r.organisation_id for r in delivered}
    own_requests: dict[str, list[Request]] = defaultdict(list)
    own_reports: dict[str, list[AccountabilityReport]] = defaultdict(list)
    for request in delivered:
        own_requests[request.organisation_id].append(request)
    for report in reports:
        if report.request_id in organisation_of:
            own_reports[organisation_of[report.request_id]].append(report)
    for organisation_id, own in own_requests.items():
        reported = own_reports.get(organisation_id, [])
        moved: set[Quarter | None] = {Quarter.of(a.reported_on) for a in reported}
        moved |= {Quarter.of(r.delivery_date) if r.delivery_date else None for r in own}
        for quarter in moved:
            found = stock_at_end_of(quarter, own, reported).get(organisation_id)
            if found is not None:  # none yet: what it reported is for requests delivered later
                yield quarter, found
