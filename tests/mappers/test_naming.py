"""Every problem names its record as staff know it in Tribe, even when the record that does not map
only points at the record whose name people use (a forecast at its organisation)."""

from __future__ import annotations

import datetime as dt

from tests.factories import SCHEMA, T, make_forecast, make_report, make_request, make_snapshot, new_id, record
from tests.mappers.test_read import forecast_record
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.problems import ProblemCode, problem
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.audit import findings
from tribe_sync.mappers.naming import name_problems
from tribe_sync.mappers.read import map_all, to_forecast, to_report

ORGANISATIONS = {"org-1": "Bibliotheek Noord"}


def test_a_broken_forecast_is_named_by_its_organisation_and_quarter() -> None:
    data = forecast_record(**{T.forecast.year: 2027, T.forecast.quarter: 1, T.forecast.quantity: -3})
    _, problems = map_all([record(data)], to_forecast, SCHEMA, "forecast")
    [found] = name_problems(problems, ORGANISATIONS, {})
    assert found.code == "negative_forecast"
    assert found.label == "Bibliotheek Noord, K1 2027"
    assert found.as_dict()["quarter"] == "2027-Q1"  # the JSON keeps the ISO quarter
    assert "Bibliotheek Noord, K1 2027" in str(found)


def test_a_forecast_with_an_impossible_quarter_is_still_named_by_its_organisation() -> None:
    _, problems = map_all(
        [record(forecast_record(**{T.forecast.quarter: 7}))], to_forecast, SCHEMA, "forecast"
    )
    [found] = name_problems(problems, ORGANISATIONS, {})
    assert found.label == "Bibliotheek Noord"


def test_an_accountability_report_is_named_by_its_organisation_and_the_requests_order_number() -> None:
    a = T.accountability
    data = {"ID": new_id(), "CreationDate": "2026-10-02T08:00:00Z", a.request: {"ID": "r-1"}}  # no count
    _, problems = map_all([record(data)], to_report, SCHEMA, "accountability")
    [found] = name_problems(problems, ORGANISATIONS, {"r-1": ("AD2026-00137", "org-1")})
    assert found.label == "Bibliotheek Noord, AD2026-00137"


def test_a_request_problem_without_its_order_number_gets_it_from_the_requests_read() -> None:
    bare = problem(ProblemCode.HANDED_OUT_ABOVE_RECEIVED, "request", "r-1", detail=12, received=10)
    [found] = name_problems([bare], ORGANISATIONS, {"r-1": ("AD2026-00137", "org-1")})
    assert found.label == "AD2026-00137"


def test_a_record_nothing_is_known_about_keeps_no_label_rather_than_a_guess() -> None:
    bare = problem(ProblemCode.NEGATIVE_FORECAST, "forecast", "f-1", detail=-1, organisation_id="org-9")
    [found] = name_problems([bare], ORGANISATIONS, {})
    assert found.label is None


def test_the_audit_names_a_late_forecast_by_organisation_and_quarter_not_by_its_id() -> None:
    late = make_forecast(quarter=Quarter(2027, 1), submitted_on=dt.date(2026, 12, 20))
    snapshot = make_snapshot(forecasts=[late])
    [found] = [p for p in findings(snapshot, Settings()) if p.code == "late_forecast"]
    assert found.label == "Bibliotheek Utrecht, K1 2027"
    assert late.id not in str(found)


def test_the_audit_names_a_report_for_an_undelivered_request_by_order_number() -> None:
    request = make_request(number=OrderNumber.parse("AD2026-00137"), status=RequestStatus.AT_PROCESSOR)
    snapshot = make_snapshot(requests=[request], reports=[make_report(request.id, 3)])
    [found] = [p for p in findings(snapshot, Settings()) if p.code == "report_for_undelivered_request"]
    assert found.label == "Bibliotheek Utrecht, AD2026-00137"
