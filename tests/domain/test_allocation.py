from __future__ import annotations

import dataclasses
import datetime as dt
import random

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_forecast, make_request, moment
from tribe_sync.domain.allocation import HoldReason, NoForecastPolicy, allocate
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import effective_forecasts
from tribe_sync.domain.statuses import RequestStatus

JAN = Month(2027, 1)
Q1 = Quarter(2027, 1)
W, P = RequestStatus.WAITING, RequestStatus.PROCESSING


def req(org: str, qty: int, day: int, *, month: Month = JAN, status: RequestStatus = W, **kw: object):  # type: ignore[no-untyped-def]
    return make_request(
        organisation_id=org,
        quantity=qty,
        requested_on=dt.date(2026, 11, day),
        month=month,
        status=status,
        **kw,
    )


def forecast(org: str, qty: int):  # type: ignore[no-untyped-def]
    return make_forecast(organisation_id=org, quarter=Q1, quantity=qty, submitted_on=dt.date(2026, 12, 1))


def caps(*forecasts):  # type: ignore[no-untyped-def]
    return effective_forecasts(forecasts)


def ids(requests) -> list[str]:  # type: ignore[no-untyped-def]
    return [r.id for r in requests]


def test_every_organisation_gets_its_oldest_request_in_before_anyone_gets_a_second() -> None:
    a1, a2, a3 = req("A", 10, 1), req("A", 10, 2), req("A", 10, 3)
    b1 = req("B", 10, 5)
    result = allocate([a1, a2, a3, b1], JAN, capacity=20, effective_forecasts={})
    assert ids(result.allocate) == [a1.id, b1.id]
    assert [(h.request.id, h.reason) for h in result.held] == [
        (a2.id, HoldReason.CAPACITY),
        (a3.id, HoldReason.CAPACITY),
    ]


def test_a_request_that_does_not_fit_whole_waits_and_a_smaller_later_one_may_fit() -> None:
    a1, b1, c1 = req("A", 15, 1), req("B", 8, 2), req("C", 4, 3)
    result = allocate([a1, b1, c1], JAN, capacity=20, effective_forecasts={})
    assert ids(result.allocate) == [a1.id, c1.id]
    (held,) = result.held
    assert (held.request.id, held.reason, held.left) == (b1.id, HoldReason.CAPACITY, 5)


def test_an_organisations_next_request_is_considered_in_the_next_round() -> None:
    big, small = req("A", 50, 1), req("A", 5, 2)
    result = allocate([big, small], JAN, capacity=20, effective_forecasts={})
    assert ids(result.allocate) == [small.id]
    assert ids(h.request for h in result.held) == [big.id]


def test_no_capacity_means_no_limit() -> None:
    requests = [req(org, 400, 1 + i) for i, org in enumerate("ABCDE")]
    assert len(allocate(requests, JAN, capacity=None, effective_forecasts={}).allocate) == 5


def test_a_request_carried_over_from_an_earlier_month_keeps_its_place_in_the_queue() -> None:
    carried = req("A", 10, 1, month=Month(2026, 12))
    newer = req("B", 10, 2)
    later_month = req("C", 10, 1, month=Month(2027, 2))
    result = allocate([newer, later_month, carried], JAN, capacity=10, effective_forecasts={})
    assert ids(result.allocate) == [carried.id]
    assert ids(h.request for h in result.held) == [newer.id]


def test_the_quarterly_cap_is_the_forecast_minus_what_was_allocated_in_the_other_months() -> None:
    december_other_quarter = req("A", 30, 1, month=Month(2026, 12), status=RequestStatus.CLOSED)
    february = req("A", 15, 1, month=Month(2027, 2), status=P)  # same quarter, allocated: counts
    fits, too_big = req("A", 5, 2), req("A", 10, 3)
    result = allocate(
        [december_other_quarter, february, fits, too_big],
        JAN,
        capacity=None,
        effective_forecasts=caps(forecast("A", 25)),
    )
    assert ids(result.allocate) == [fits.id]
    (held,) = result.held
    assert (held.request.id, held.reason, held.left) == (too_big.id, HoldReason.CAP, 5)


def test_without_a_forecast_the_policy_decides_allow_uncapped_or_hold() -> None:
    a1 = req("A", 100, 1)
    allowed = allocate([a1], JAN, capacity=None, effective_forecasts={}, policy=NoForecastPolicy.ALLOW)
    assert ids(allowed.allocate) == [a1.id]
    assert allowed.uncapped == {"A"}
    held = allocate([a1], JAN, capacity=None, effective_forecasts={}, policy=NoForecastPolicy.HOLD)
    assert held.allocate == []
    assert [h.reason for h in held.held] == [HoldReason.NO_FORECAST]


def test_a_forecast_of_another_product_or_quarter_is_no_cap() -> None:
    other_product = make_forecast(
        organisation_id="A", quarter=Q1, product_code="TABLET", quantity=0, submitted_on=dt.date(2026, 12, 1)
    )
    other_quarter = make_forecast(
        organisation_id="A", quarter=Quarter(2027, 2), quantity=0, submitted_on=dt.date(2027, 3, 1)
    )
    result = allocate(
        [req("A", 10, 1)], JAN, capacity=None, effective_forecasts=caps(other_product, other_quarter)
    )
    assert len(result.allocate) == 1


def test_ties_on_the_request_date_go_to_the_lower_order_number() -> None:
    same = moment(dt.date(2026, 11, 1))
    low = req("A", 10, 1, requested_at=same)
    high = req("B", 10, 1, requested_at=same)
    assert low.number < high.number
    result = allocate([high, low], JAN, capacity=10, effective_forecasts={})
    assert ids(result.allocate) == [low.id]


def test_requests_already_allocated_in_the_month_count_as_if_none_had_been_allocated() -> None:
    first = req("A", 10, 1)
    second = req("B", 10, 2)
    third = req("C", 10, 3)
    clean = allocate([first, second, third], JAN, capacity=20, effective_forecasts={})
    # The run was interrupted after writing the first allocation; the rerun ends in the same place.
    after_crash = [dataclasses.replace(first, status=P), second, third]
    rerun = allocate(after_crash, JAN, capacity=20, effective_forecasts={})
    assert ids(rerun.chosen) == ids(clean.allocate)
    assert ids(rerun.allocate) == [second.id]
    # And a second run once everything is written changes nothing.
    done = [dataclasses.replace(r, status=P) for r in (first, second)] + [third]
    assert allocate(done, JAN, capacity=20, effective_forecasts={}).allocate == []


def test_an_earlier_allocation_the_rounds_would_not_choose_now_stays_and_is_reported() -> None:
    older = req("A", 10, 1)
    allocated_before = req("B", 10, 2, status=P)
    result = allocate([older, allocated_before], JAN, capacity=10, effective_forecasts={})
    assert ids(result.allocate) == [older.id]
    assert [h.request.id for h in result.not_chosen] == [allocated_before.id]


def test_requests_of_later_months_and_past_statuses_do_not_take_part() -> None:
    february = req("A", 10, 1, month=Month(2027, 2))
    delivered_last_month = req("A", 10, 1, month=Month(2026, 12), status=RequestStatus.CLOSED)
    assert allocate([february, delivered_last_month], JAN, capacity=None, effective_forecasts={}).chosen == []


@given(st.integers(0, 200), st.randoms(use_true_random=False))
def test_the_rounds_never_exceed_capacity_and_do_not_depend_on_input_order(
    capacity: int, rng: random.Random
) -> None:
    requests = [req(rng.choice("ABCD"), rng.randint(1, 40), rng.randint(1, 28)) for _ in range(12)]
    first = allocate(requests, JAN, capacity, {})
    shuffled = list(requests)
    rng.shuffle(shuffled)
    assert ids(allocate(shuffled, JAN, capacity, {}).allocate) == ids(first.allocate)
    assert sum(r.quantity for r in first.allocate) <= capacity
    assert len(first.allocate) + len(first.held) == len(requests)


def test_each_decision_names_the_round_it_was_taken_in() -> None:
    a1, a2, a3 = req("A", 5, 1), req("A", 5, 2), req("A", 5, 3)
    b1, b2 = req("B", 5, 4), req("B", 20, 5)
    result = allocate([a1, a2, a3, b1, b2], JAN, capacity=15, effective_forecasts={})
    assert result.rounds == {a1.id: 1, b1.id: 1, a2.id: 2}
    assert [(h.request.id, h.round) for h in result.held] == [(b2.id, 2), (a3.id, 3)]
