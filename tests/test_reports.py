from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import SCHEMA, make_forecast, make_report, make_request, make_snapshot
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import ForecastState
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.reports import accountability_rows, forecast_rows, parse_status, select_requests


@pytest.mark.parametrize("text", ["WAITING", "waiting", "WACHT_OP_TOEKENNING", "wacht op toekenning"])
def test_a_status_can_be_named_in_english_by_crm_code_or_by_dutch_label(text: str) -> None:
    assert parse_status(text, SCHEMA) is RequestStatus.WAITING


def test_an_unknown_status_says_which_ones_exist() -> None:
    with pytest.raises(ValueError, match="WAITING, PROCESSING"):
        parse_status("lost", SCHEMA)


def test_requests_are_selected_by_status_organisation_name_and_month() -> None:
    a = make_request(organisation_id="org-1", month=Month(2027, 1))
    b = make_request(organisation_id="org-2", month=Month(2027, 1), status=RequestStatus.PROCESSING)
    c = make_request(organisation_id="org-2", month=Month(2027, 2))
    snapshot = make_snapshot(requests=[a, b, c])
    assert select_requests(snapshot, organisation="delft") == [b, c]
    assert select_requests(snapshot, organisation="org-1") == [a]
    assert select_requests(snapshot, month=Month(2027, 1), status=RequestStatus.PROCESSING) == [b]


def test_forecast_states_are_decided_over_all_forecasts_before_filtering() -> None:
    old = make_forecast(quarter=Quarter(2026, 4), submitted_on=dt.date(2026, 8, 1))
    new = make_forecast(quarter=Quarter(2026, 4), submitted_on=dt.date(2026, 9, 1))
    late = make_forecast(quarter=Quarter(2026, 4), submitted_on=dt.date(2026, 9, 20))
    other = make_forecast(quarter=Quarter(2027, 1), submitted_on=dt.date(2026, 12, 1))
    rows = forecast_rows([late, new, old, other], year=2026, quarter=4)
    assert [(r.forecast, r.state) for r in rows] == [
        (old, ForecastState.SUPERSEDED),
        (new, ForecastState.EFFECTIVE),
        (late, ForecastState.LATE),
    ]


def test_the_accountability_report_can_show_how_things_stood_at_a_quarters_end() -> None:
    early = make_request(status=RequestStatus.CLOSED, quantity=10, delivery_date=dt.date(2026, 8, 1))
    later = make_request(status=RequestStatus.CLOSED, quantity=5, delivery_date=dt.date(2026, 11, 1))
    reports = [
        make_report(early.id, 4, reported_on=dt.date(2026, 9, 1)),
        make_report(early.id, 6, reported_on=dt.date(2026, 10, 15)),
    ]
    snapshot = make_snapshot(requests=[early, later], reports=reports)
    (now,) = accountability_rows(snapshot)
    (then,) = accountability_rows(snapshot, Quarter(2026, 3))
    assert (now.received, now.handed_out, now.in_stock) == (15, 10, 5)
    assert (then.received, then.handed_out, then.in_stock) == (10, 4, 6)
    assert then.last_report_on == dt.date(2026, 9, 1)
