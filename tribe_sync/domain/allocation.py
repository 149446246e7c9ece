"""Allocation in fair rounds (docs/programme.md section 3, "Decision (allocation, fairness)").

A pure function of the data: the rounds always start from the month's full capacity and include the
requests already allocated in the month as if none were, so that an interrupted run, rerun, ends
exactly where an uninterrupted one would, and a second run in the same month changes nothing.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus

__all__ = ["Allocation", "Held", "HoldReason", "NoForecastPolicy", "allocate"]


class HoldReason(StrEnum):
    CAPACITY = "capacity"  # the month has too few devices left for this whole request
    CAP = "cap"  # the organisation's quarterly cap (forecast) has too little left
    NO_FORECAST = "no_forecast"  # no valid forecast and the policy is `hold`


class NoForecastPolicy(StrEnum):
    ALLOW = "allow"
    HOLD = "hold"


@dataclass(frozen=True)
class Held:
    request: Request
    reason: HoldReason
    needed: int
    left: int | None  # what was left of the capacity or cap when it was considered
    round: int = 0  # the round (1, 2, …) in which it was considered


@dataclass
class Allocation:
    month: Month
    capacity: int | None
    allocate: list[Request] = field(default_factory=list)  # WAITING now, to become PROCESSING
    held: list[Held] = field(default_factory=list)
    kept: list[Request] = field(default_factory=list)  # allocated before, chosen again
    not_chosen: list[Held] = field(
        default_factory=list
    )  # allocated before; the rounds would not choose it now
    uncapped: set[str] = field(
        default_factory=set
    )  # organisations allocated without a forecast (policy allow)
    rounds: dict[str, int] = field(default_factory=dict)  # request id -> the round it was chosen in

    @property
    def chosen(self) -> list[Request]:
        return self.kept + self.allocate


def allocate(
    requests: Iterable[Request],
    month: Month,
    capacity: int | None,
    effective_forecasts: Mapping[tuple[str, Quarter, str], Forecast],
    policy: NoForecastPolicy = NoForecastPolicy.ALLOW,
) -> Allocation:
    """Run the rounds for `month` over its candidates; `capacity` None means no limit."""
    requests = list(requests)
    result = Allocation(month, capacity)
    candidates = [r for r in requests if _takes_part(r, month)]
    queues: dict[str, deque[Request]] = defaultdict(deque)
    for request in sorted(candidates, key=lambda r: r.queue_key):
        queues[request.organisation_id].append(request)

    caps = _caps(requests, candidates, month, effective_forecasts)
    capacity_left = capacity
    number = 0
    while any(queues.values()):
        number += 1
        heads = sorted((queue.popleft() for queue in queues.values() if queue), key=lambda r: r.queue_key)
        for request in heads:
            cap_key = (request.organisation_id, request.product_code)
            cap_left = caps.get(cap_key)
            has_forecast = cap_key in caps
            reason: HoldReason | None = None
            left: int | None = None
            if not has_forecast and policy is NoForecastPolicy.HOLD:
                reason = HoldReason.NO_FORECAST
            elif capacity_left is not None and request.quantity > capacity_left:
                reason, left = HoldReason.CAPACITY, capacity_left
            elif cap_left is not None and request.quantity > cap_left:
                reason, left = HoldReason.CAP, cap_left
            already = request.status is not RequestStatus.WAITING
            if reason is not None:
                (result.not_chosen if already else result.held).append(
                    Held(request, reason, request.quantity, left, number)
                )
                continue
            if capacity_left is not None:
                capacity_left -= request.quantity
            if cap_left is not None:
                caps[cap_key] = cap_left - request.quantity
            if not has_forecast:
                result.uncapped.add(request.organisation_id)
            (result.kept if already else result.allocate).append(request)
            result.rounds[request.id] = number
    return result


def _takes_part(request: Request, month: Month) -> bool:
    if request.status is RequestStatus.WAITING:
        return request.month <= month
    return request.month == month


def _caps(
    requests: list[Request],
    candidates: list[Request],
    month: Month,
    forecasts: Mapping[tuple[str, Quarter, str], Forecast],
) -> dict[tuple[str, str], int]:
    """Each organisation's cap for `month` per product: its forecast for the quarter minus what it was
    allocated in the quarter's other months. Absent key: no valid forecast."""
    quarter = month.quarter
    elsewhere: dict[tuple[str, str], int] = defaultdict(int)
    for request in requests:
        if (
            request.status is not RequestStatus.WAITING
            and request.month != month
            and request.month.quarter == quarter
        ):
            elsewhere[(request.organisation_id, request.product_code)] += request.quantity
    caps = {}
    for org, product in {(r.organisation_id, r.product_code) for r in candidates}:
        forecast = forecasts.get((org, quarter, product))
        if forecast is not None:
            caps[(org, product)] = forecast.quantity - elsewhere[(org, product)]
    return caps
