from __future__ import annotations

import datetime as dt

from tests.factories import SCHEMA, make_month, make_request, make_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy
from tribe_sync.jobs.close_months import CloseDeliveryMonths
from tribe_sync.jobs.plan import CreateMonth, SetMonth

JOB = CloseDeliveryMonths()
SETTINGS = Settings()  # capacity 500, threshold 1.0, lead 10 days, 3 months ahead
TODAY = dt.date(2026, 11, 10)


def plan(months=(), requests=(), today: dt.date = TODAY, settings: Settings = SETTINGS):  # type: ignore[no-untyped-def]
    return JOB.plan(make_snapshot(requests=requests, months=months), today, settings, SCHEMA)


def window() -> list:  # type: ignore[type-arg]
    return [make_month(Month(2026, 11), is_open=False, closed_by=ClosedBy.JOB)] + [
        make_month(Month(2026, 12) + i) for i in range(3)
    ]


def closes(result) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {c.label: c.reason for c in result.changes if c.step == "close"}


def test_a_month_closes_when_its_requests_reach_capacity() -> None:
    months = window()
    full = [make_request(month=Month(2027, 1), quantity=250) for _ in range(2)]
    result = plan(months, full)
    assert closes(result) == {"januari 2027": "vol: 500 van 500 apparaten aangevraagd"}
    (change,) = [c for c in result.changes if c.step == "close"]
    assert isinstance(change, SetMonth)
    assert (change.open, change.closed_by, change.was_open) == (False, ClosedBy.JOB, True)
    assert change.key == "month/close/2027-01"
    assert change.describe() == "open → gesloten (door job: vol: 500 van 500 apparaten aangevraagd)"


def test_the_threshold_is_a_fraction_of_capacity_and_no_capacity_never_fills() -> None:
    settings = Settings(programme={"close_threshold": 0.8})  # type: ignore[arg-type]
    months = [*window()[:2], make_month(Month(2027, 1), capacity=None), make_month(Month(2027, 2))]
    requests = [
        make_request(month=Month(2027, 2), quantity=400),
        make_request(month=Month(2027, 1), quantity=9999),
    ]
    assert set(closes(plan(months, requests, settings=settings))) == {"februari 2027"}


def test_a_month_closes_within_the_lead_time_and_once_it_has_begun_or_passed() -> None:
    months = [
        make_month(Month(2026, 10)),
        make_month(Month(2026, 11)),
        make_month(Month(2026, 12)),
        make_month(Month(2027, 1)),
        make_month(Month(2027, 2)),
    ]
    assert closes(plan(months, today=dt.date(2026, 11, 21))) == {
        "oktober 2026": "de maand is voorbij",
        "november 2026": "de leveringsmaand is begonnen",
        "december 2026": "binnen de levertermijn van 10 dagen",
    }
    assert "december 2026" not in closes(plan(months, today=dt.date(2026, 11, 20)))


def test_a_closed_month_is_never_reopened_and_staffs_closure_is_left_alone() -> None:
    months = [*window()[:3], make_month(Month(2027, 2), is_open=False, closed_by=ClosedBy.STAFF)]
    result = plan(months)
    assert result.changes == []


def test_a_month_staff_reopened_is_left_open_and_reported() -> None:
    reopened = make_month(Month(2026, 12), is_open=True, closed_by=ClosedBy.STAFF, closed_reason="heropend")
    result = plan([window()[0], reopened, *window()[2:]], today=dt.date(2026, 11, 25))
    assert closes(result) == {}
    assert [n.code for n in result.held] == ["reopened_by_staff"]


def test_missing_months_of_the_window_are_created_open_with_the_default_capacity() -> None:
    result = plan([make_month(Month(2026, 12))])
    created = [c for c in result.changes if c.step == "create"]
    assert [c.key for c in created] == ["month/create/2027-01", "month/create/2027-02"]
    assert isinstance(created[0], CreateMonth)
    assert (created[0].month, created[0].capacity, created[0].closed_reason) == (Month(2027, 1), 500, None)
    assert created[0].describe() == "nieuwe leveringsmaand januari 2027, capaciteit 500, open"


def test_a_missing_month_inside_the_lead_time_is_created_closed_in_one_write() -> None:
    result = plan([], today=dt.date(2026, 11, 25))
    first = next(c for c in result.changes if c.key == "month/create/2026-12")
    assert isinstance(first, CreateMonth)
    assert first.closed_reason == "binnen de levertermijn van 10 dagen"
