from __future__ import annotations

import datetime as dt

from tests.factories import make_forecast, moment
from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.forecasts import ForecastState, classify_forecasts, effective_forecasts

Q4 = Quarter(2026, 4)


def test_a_newer_forecast_replaces_the_older_one_for_the_same_key() -> None:
    old = make_forecast(quantity=40, submitted_on=dt.date(2026, 8, 1))
    new = make_forecast(quantity=25, submitted_on=dt.date(2026, 9, 10))
    assert effective_forecasts([new, old])[("org-1", Q4, "LAPTOP")] is new
    assert classify_forecasts([old, new]) == {
        old.id: ForecastState.SUPERSEDED,
        new.id: ForecastState.EFFECTIVE,
    }


def test_a_forecast_submitted_after_the_deadline_does_not_count() -> None:
    on_time = make_forecast(submitted_on=dt.date(2026, 9, 15))  # the deadline itself is still on time
    late = make_forecast(submitted_on=dt.date(2026, 9, 16))
    assert effective_forecasts([on_time, late])[("org-1", Q4, "LAPTOP")] is on_time
    assert classify_forecasts([on_time, late])[late.id] is ForecastState.LATE


def test_the_q1_deadline_is_in_december_of_the_year_before() -> None:
    q1 = Quarter(2027, 1)
    assert make_forecast(quarter=q1, submitted_on=dt.date(2026, 12, 16)).on_time
    assert not make_forecast(quarter=q1, submitted_on=dt.date(2026, 12, 17)).on_time


def test_keys_are_organisation_quarter_and_product() -> None:
    forecasts = [
        make_forecast(),
        make_forecast(organisation_id="org-2"),
        make_forecast(quarter=Quarter(2027, 1)),
        make_forecast(product_code="TABLET"),
    ]
    assert len(effective_forecasts(forecasts)) == 4


def test_two_forecasts_at_the_same_moment_resolve_the_same_way_in_any_order() -> None:
    at = moment(dt.date(2026, 9, 1))
    a = make_forecast(id="a", submitted_at=at)
    b = make_forecast(id="b", submitted_at=at)
    assert effective_forecasts([a, b]) == effective_forecasts([b, a])
