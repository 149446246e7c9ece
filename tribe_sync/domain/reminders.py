"""Which reminders are due (docs/programme.md sections 5-6): pure functions of the data and the date.

Level-triggered: each answers "what should exist by today", so a run that was missed is made up for
by the next one, and keys (organisation, quarter, kind) keep each reminder to one.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tribe_sync.domain.accountability import AccountabilityReport, RequestStock, stock_per_request
from tribe_sync.domain.calendar import Quarter, WorkingDays
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

__all__ = ["AccountabilityDue", "Stage", "accountability_due", "forecast_reminders_due", "late_forecasts"]


class Stage(StrEnum):
    FIRST = "first"  # from the quarter's first working day
    FOLLOWUP = "followup"  # from N days later, if the organisation has not reported since the quarter began
    STAFF = "staff"  # from M days later, a task for staff about an organisation still silent


@dataclass(frozen=True)
class AccountabilityDue:
    organisation_id: str
    quarter: Quarter
    stage: Stage
    stocks: tuple[RequestStock, ...]

    @property
    def in_stock(self) -> int:
        return sum(s.in_stock for s in self.stocks)


def accountability_due(
    today: dt.date,
    days: WorkingDays,
    requests: Iterable[Request],
    reports: Iterable[AccountabilityReport],
    *,
    followup_days: int,
    escalation_days: int,
) -> list[AccountabilityDue]:
    """Every accountability reminder that should exist by `today` for the current quarter.

    Stock is counted as it is now, so a run that comes late does not remind an organisation that has
    reported everything meanwhile. Silent means: no report on any of its requests since the quarter began.
    """
    quarter = Quarter.of(today)
    first = days.first_of_quarter(quarter)
    if today < first:
        return []
    requests = list(requests)
    reports = list(reports)
    organisation_of = {r.id: r.organisation_id for r in requests}
    delivered_before = [
        r
        for r in requests
        if r.status is RequestStatus.CLOSED and (r.delivery_date is None or r.delivery_date < first)
    ]
    stocks, _ = stock_per_request(delivered_before, reports)
    reported = {organisation_of.get(r.request_id) for r in reports if r.reported_on >= quarter.first_day}
    by_org: dict[str, list[RequestStock]] = defaultdict(list)
    for stock in stocks.values():
        if stock.in_stock > 0:
            by_org[stock.request.organisation_id].append(stock)
    due = []
    for org, listed in sorted(by_org.items()):
        ordered = tuple(sorted(listed, key=lambda s: s.request.queue_key))
        due.append(AccountabilityDue(org, quarter, Stage.FIRST, ordered))
        if org in reported:
            continue
        if today >= first + dt.timedelta(days=followup_days):
            due.append(AccountabilityDue(org, quarter, Stage.FOLLOWUP, ordered))
        if today >= first + dt.timedelta(days=escalation_days):
            due.append(AccountabilityDue(org, quarter, Stage.STAFF, ordered))
    return due


def forecast_reminders_due(
    today: dt.date,
    reminder_days: int,
    organisations: Iterable[str],
    forecasts: Iterable[Forecast],
    product: str,
) -> tuple[Quarter, list[str]]:
    """The coming quarter, and the organisations that should be reminded of its forecast by today:
    from `reminder_days` before its deadline up to the deadline itself, those without a valid one."""
    coming = Quarter.of(today) + 1
    deadline = coming.forecast_deadline
    if not deadline - dt.timedelta(days=reminder_days) <= today <= deadline:
        return coming, []
    have = {
        f.organisation_id
        for f in forecasts
        if f.quarter == coming and f.product_code == product and f.on_time
    }
    return coming, sorted(set(organisations) - have)


def late_forecasts(today: dt.date, forecasts: Iterable[Forecast]) -> tuple[Quarter, list[Forecast]]:
    """The current quarter and the forecasts for it that came in after its deadline. Staff hear of
    them once the quarter has begun, by when the stragglers around the deadline are in."""
    quarter = Quarter.of(today)
    late = [f for f in forecasts if f.quarter == quarter and not f.on_time]
    return quarter, sorted(late, key=lambda f: (f.submitted_at, f.id))
