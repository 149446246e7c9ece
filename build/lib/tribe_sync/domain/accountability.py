"""Accountability (verantwoording): how many delivered devices an organisation has handed out.

Each report is an increment (handed out *in that report*); stock is what was received minus the sum.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "AccountabilityReport",
    "OrganisationStock",
    "RequestStock",
    "stock_per_organisation",
    "stock_per_request",
]


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
                    "report_for_undelivered_request",
                    "accountability",
                    report.id,
                    request_id=report.request_id,
                )
            )
            continue
        if report.handed_out < 0:
            problems.append(
                problem(
                    "negative_report",
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
                    "handed_out_above_received",
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
