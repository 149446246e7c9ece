from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import make_forecast, make_report, make_request
from tribe_sync.config import ProgrammeSettings
from tribe_sync.domain.calendar import Quarter, WorkingDays
from tribe_sync.domain.reminders import Stage, accountability_due, forecast_reminders_due, late_forecasts
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs import keys

DAYS = WorkingDays(ProgrammeSettings().holidays)
D = dt.date


NOVEMBER = D(2026, 11, 10)


def delivered(org: str = "org-1", quantity: int = 10, on: dt.date = NOVEMBER):  # type: ignore[no-untyped-def]
    return make_request(organisation_id=org, status=RequestStatus.CLOSED, quantity=quantity, delivery_date=on)


def due(today: dt.date, requests, reports=()) -> list[tuple[str, Stage]]:  # type: ignore[no-untyped-def]
    return [
        (d.organisation_id, d.stage)
        for d in accountability_due(today, DAYS, requests, reports, followup_days=14, escalation_days=28)
    ]


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (D(2026, 12, 31), [("org-1", s) for s in Stage]),  # Q4's last day: all three are due by now
        (D(2027, 1, 1), []),  # New Year's Day: Q1 has not reached its first working day
        (D(2027, 1, 3), []),  # the weekend after
        (D(2027, 1, 4), [("org-1", Stage.FIRST)]),  # Monday: the first working day of Q1 2027
    ],
)
def test_the_first_reminder_starts_on_the_first_working_day_after_new_year(
    today: dt.date, expected: list[tuple[str, Stage]]
) -> None:
    assert due(today, [delivered(on=D(2026, 7, 1))]) == expected


def test_easter_monday_postpones_the_second_quarters_first_working_day() -> None:
    request = delivered(on=D(2024, 2, 1))
    assert due(D(2024, 4, 1), [request]) == []  # Easter Monday 2024
    assert due(D(2024, 4, 2), [request]) == [("org-1", Stage.FIRST)]


def test_the_follow_up_and_the_staff_task_come_14_and_28_days_after_the_first_working_day() -> None:
    request = delivered(on=D(2026, 7, 1))
    assert due(D(2026, 10, 14), [request]) == [("org-1", Stage.FIRST)]
    assert due(D(2026, 10, 15), [request]) == [("org-1", Stage.FIRST), ("org-1", Stage.FOLLOWUP)]
    assert due(D(2026, 10, 29), [request]) == [("org-1", s) for s in Stage]


def test_a_report_since_the_quarter_began_stops_the_follow_up_but_one_before_does_not() -> None:
    request = delivered(on=D(2026, 7, 1))
    before = make_report(request.id, 2, reported_on=D(2026, 9, 30))
    since = make_report(request.id, 2, reported_on=D(2026, 10, 3))
    assert due(D(2026, 10, 20), [request], [before]) == [("org-1", Stage.FIRST), ("org-1", Stage.FOLLOWUP)]
    assert due(D(2026, 10, 20), [request], [since]) == [("org-1", Stage.FIRST)]


def test_an_organisation_whose_stock_reached_zero_is_not_reminded() -> None:
    request = delivered(quantity=5, on=D(2026, 7, 1))
    assert due(D(2026, 11, 2), [request], [make_report(request.id, 5, reported_on=D(2026, 9, 1))]) == []


def test_only_requests_delivered_before_the_first_working_day_count() -> None:
    assert due(D(2026, 10, 20), [delivered(on=D(2026, 10, 1))]) == []
    not_closed = make_request(status=RequestStatus.AWAITING_DELIVERY_DATE, delivery_date=D(2026, 9, 1))
    assert due(D(2026, 10, 20), [not_closed]) == []


def test_the_reminder_lists_each_request_with_received_handed_out_and_stock() -> None:
    one, two = delivered(quantity=10), delivered(quantity=4, on=D(2026, 12, 1))
    (first,) = accountability_due(
        D(2027, 1, 4), DAYS, [one, two], [make_report(one.id, 3)], followup_days=14, escalation_days=28
    )
    assert [(s.received, s.handed_out, s.in_stock) for s in first.stocks] == [(10, 3, 7), (4, 0, 4)]
    assert first.in_stock == 11
    assert keys.accountability_reminder(first.quarter, first.stage, first.organisation_id) == (
        "reminder/accountability/2027-Q1/first/org-1"
    )


@pytest.mark.parametrize(
    ("today", "reminded"),
    [
        (D(2026, 12, 1), []),  # 15 days before the Q1 deadline of 16 December
        (D(2026, 12, 2), ["org-2"]),  # 14 days before
        (D(2026, 12, 16), ["org-2"]),  # the deadline itself
        (D(2026, 12, 17), []),  # too late to remind
    ],
)
def test_forecast_reminders_run_in_the_14_days_up_to_a_q1_deadline_in_december(
    today: dt.date, reminded: list[str]
) -> None:
    has_one = make_forecast(organisation_id="org-1", quarter=Quarter(2027, 1), submitted_on=D(2026, 11, 20))
    coming, missing = forecast_reminders_due(today, 14, ["org-1", "org-2"], [has_one], "LAPTOP")
    assert coming == Quarter(2027, 1)
    assert missing == reminded


def test_a_late_forecast_does_not_count_as_one() -> None:
    late = make_forecast(organisation_id="org-1", quarter=Quarter(2027, 1), submitted_on=D(2026, 12, 17))
    _, missing = forecast_reminders_due(D(2026, 12, 10), 14, ["org-1"], [late], "LAPTOP")
    assert missing == ["org-1"]
    quarter, found = late_forecasts(D(2027, 1, 5), [late])
    assert (quarter, found) == (Quarter(2027, 1), [late])
