from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from tests.factories import make_report, make_request
from tribe_sync.domain.accountability import (
    stock_at_end_of,
    stock_at_quarter_ends,
    stock_per_organisation,
    stock_per_request,
)
from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.statuses import RequestStatus

CLOSED = RequestStatus.CLOSED


def test_stock_is_received_minus_the_sum_of_the_reports() -> None:
    request = make_request(status=CLOSED, quantity=20, delivery_date=dt.date(2026, 7, 1))
    stocks, problems = stock_per_request([request], [make_report(request.id, 5), make_report(request.id, 3)])
    assert problems == []
    assert (stocks[request.id].received, stocks[request.id].handed_out, stocks[request.id].in_stock) == (
        20,
        8,
        12,
    )


def test_received_is_the_delivered_quantity_when_it_differs_from_the_order() -> None:
    request = make_request(status=CLOSED, quantity=20, delivered_quantity=18)
    stocks, _ = stock_per_request([request], [])
    assert stocks[request.id].in_stock == 18


def test_only_delivered_requests_hold_stock() -> None:
    waiting = make_request(status=RequestStatus.AT_PROCESSOR)
    stocks, problems = stock_per_request([waiting], [make_report(waiting.id, 1)])
    assert stocks == {}
    assert [p.code for p in problems] == ["report_for_undelivered_request"]


def test_handing_out_more_than_received_or_lowering_the_total_is_reported() -> None:
    request = make_request(status=CLOSED, quantity=5)
    stocks, problems = stock_per_request([request], [make_report(request.id, 7), make_report(request.id, -1)])
    assert sorted(p.code for p in problems) == ["handed_out_above_received", "negative_report"]
    assert stocks[request.id].in_stock == 0


def test_an_organisation_sums_its_requests_and_knows_its_oldest_undistributed_delivery() -> None:
    old = make_request(status=CLOSED, quantity=10, delivery_date=dt.date(2026, 3, 1))
    new = make_request(status=CLOSED, quantity=10, delivery_date=dt.date(2026, 9, 1))
    stocks, _ = stock_per_request([old, new], [make_report(old.id, 10, reported_on=dt.date(2026, 10, 2))])
    org = stock_per_organisation(stocks.values())["org-1"]
    assert (org.received, org.handed_out, org.in_stock) == (20, 10, 10)
    assert org.oldest_undistributed_delivery == dt.date(2026, 9, 1)
    assert org.last_report_on == dt.date(2026, 10, 2)


@given(st.integers(min_value=1, max_value=500), st.data())
def test_stock_is_never_negative_for_valid_data(received: int, data: st.DataObject) -> None:
    request = make_request(status=CLOSED, quantity=received)
    increments = []
    left = received
    for _ in range(data.draw(st.integers(0, 6))):
        step = data.draw(st.integers(0, left))
        increments.append(step)
        left -= step
    stocks, problems = stock_per_request([request], [make_report(request.id, n) for n in increments])
    assert problems == []
    assert stocks[request.id].in_stock == received - sum(increments) >= 0


def test_stock_at_quarter_ends_is_kept_where_it_moved_and_a_report_counts_once_its_request_is_delivered() -> (
    None
):
    july = make_request(status=CLOSED, quantity=10, delivery_date=dt.date(2026, 7, 1))
    undated = make_request(status=CLOSED, quantity=4, delivery_date=None)
    reports = [
        make_report(july.id, 3, reported_on=dt.date(2026, 5, 20)),  # before its delivery: counts from K3
        make_report(july.id, 2, reported_on=dt.date(2026, 11, 2)),
    ]
    found = {
        quarter: (o.received, o.handed_out, o.in_stock, o.last_report_on)
        for quarter, o in stock_at_quarter_ends([july, undated], reports)
    }
    assert found == {
        None: (4, 0, 4, None),  # the undated delivery, from the start
        Quarter(2026, 2): (4, 0, 4, None),  # a report on a request not yet delivered moves nothing
        Quarter(2026, 3): (14, 3, 11, dt.date(2026, 5, 20)),
        Quarter(2026, 4): (14, 5, 9, dt.date(2026, 11, 2)),
    }
    for quarter in (Quarter(2026, 1), Quarter(2026, 3), Quarter(2027, 2)):
        [expected] = stock_at_end_of(quarter, [july, undated], reports).values()
        kept = max((q for q in found if q is not None and q <= quarter), default=None)
        assert found[kept] == (
            expected.received,
            expected.handed_out,
            expected.in_stock,
            expected.last_report_on,
        )
