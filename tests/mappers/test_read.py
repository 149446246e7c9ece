from __future__ import annotations

import datetime as dt

import pytest

from tests.domain.test_validation import CATALOGUE
from tests.factories import SCHEMA, T, new_id, record, request_record
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.mappers.read import (
    map_all,
    map_requests,
    to_contact,
    to_forecast,
    to_month,
    to_organisation,
    to_report,
    to_request,
)

F = T.request


def test_a_request_maps_every_field_of_the_default_tenant() -> None:
    data = request_record(
        **{
            F.delivery_date: "2027-01-20",
            F.processor_confirmed_on: "2027-01-05T00:00:00Z",
            F.delivered_quantity: 14,
            F.reference: "IP0123456",
        }
    )
    request = to_request(record(data), SCHEMA)
    assert str(request.number) == "AD2026-00412"
    assert request.status is RequestStatus.WAITING
    assert request.quantity == 15
    assert request.product_code == "LAPTOP"
    assert request.month == Month(2027, 1)
    assert request.age_groups == ("25-44", "65-74")
    assert request.organisation_id == "org-1"
    assert request.requested_on == dt.date(2026, 11, 3)
    assert request.delivery is not None
    assert request.delivery.postcode == "1012ab"
    assert request.delivery_date == dt.date(2027, 1, 20)
    assert request.processor_confirmed_on == dt.date(2027, 1, 5)
    assert request.received == 14
    assert request.reference == "IP0123456"


def test_the_request_date_is_the_calendar_day_in_amsterdam() -> None:
    late_evening_utc = request_record(CreationDate="2026-11-30T23:30:00Z")
    assert to_request(record(late_evening_utc), SCHEMA).requested_on == dt.date(2026, 12, 1)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"Phase": {"ID": "x", "Code": "IN_DE_WACHTRIJ"}}, "unknown_phase"),
        ({"Phase": None}, "missing_field"),
        ({"ProductLines": []}, "no_product_line"),
        ({"ProductLines": [{"Quantity": 1, "Product": {"Code": "LAPTOP"}}] * 2}, "several_product_lines"),
        ({"ProductLines": [{"Quantity": -3, "Product": {"Code": "LAPTOP"}}]}, "bad_quantity"),
        ({"ProductLines": [{"Quantity": 2.5, "Product": {"Code": "LAPTOP"}}]}, "bad_quantity"),
        ({"ProductLines": [{"Quantity": True, "Product": {"Code": "LAPTOP"}}]}, "bad_quantity"),
        ({"ProductLines": [{"Quantity": 3, "Product": None}]}, "missing_field"),
        ({"Number": "12345"}, "invalid_order_number"),
        ({"Number": None}, "missing_field"),
        ({"Relationship": None}, "missing_field"),
        ({F.delivery_month: {"ID": "m", "Code": "jan 2027"}}, "invalid_month_code"),
        ({F.delivery_date: "soon"}, "wrong_type"),
        ({F.delivered_quantity: -1}, "wrong_type"),
        ({F.terms_accepted: "yes"}, "wrong_type"),
        ({F.age_groups: "25-44"}, "wrong_type"),
        ({"CreationDate": None}, "missing_field"),
    ],
)
def test_a_record_that_does_not_map_is_one_problem_and_the_others_still_map(
    overrides: dict[str, object], code: str
) -> None:
    bad = request_record(**overrides)
    good = request_record()
    requests, problems = map_requests([record(bad), record(good)], SCHEMA)
    assert [r.id for r in requests] == [good["ID"]]
    assert [(p.code, p.record_id) for p in problems] == [(code, bad["ID"])]
    assert problems[0].message
    assert problems[0].message_nl


def test_lenient_mapping_keeps_a_request_with_rule_violations_and_reports_them() -> None:
    data = request_record(**{F.postcode: "0123 AB", F.phone: "12"})
    requests, problems = map_requests([record(data)], SCHEMA, catalogue=CATALOGUE)
    assert len(requests) == 1
    assert sorted(p.code for p in problems) == ["invalid_phone", "invalid_postcode"]


def test_strict_mapping_rejects_a_request_with_rule_violations() -> None:
    bad = request_record(**{F.postcode: "0123 AB"})
    good = request_record()
    requests, problems = map_requests([record(bad), record(good)], SCHEMA, catalogue=CATALOGUE, strict=True)
    assert [r.id for r in requests] == [good["ID"]]
    assert [p.code for p in problems] == ["invalid_postcode"]


def test_a_delivery_month_maps_capacity_and_who_closed_it() -> None:
    m = T.month
    month = to_month(
        record(
            {
                "ID": new_id(),
                "Code": "2026-12",
                "IsActive": False,
                m.capacity: 300,
                m.closed_by: "staff",
                m.closed_reason: "vol",
                "LastMutationDate": "2026-11-20T10:00:00Z",
            }
        ),
        SCHEMA,
    )
    assert (month.month, month.is_open, month.capacity, month.closed_by) == (
        Month(2026, 12),
        False,
        300,
        ClosedBy.STAFF,
    )
    assert month.closed_at == dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    unlimited = to_month(
        record({"ID": new_id(), "Code": "2027-01", "IsActive": True, m.capacity: None}), SCHEMA
    )
    assert unlimited.capacity is None
    assert unlimited.closed_at is None


@pytest.mark.parametrize(
    "overrides",
    [{"IsActive": None}, {T.month.capacity: "veel"}, {T.month.closed_by: "robot"}, {"Code": "dec"}],
)
def test_a_broken_delivery_month_is_a_problem(overrides: dict[str, object]) -> None:
    data = {"ID": new_id(), "Code": "2026-12", "IsActive": True, **overrides}
    months, problems = map_all([record(data)], to_month, SCHEMA, "delivery_month")
    assert months == []
    assert len(problems) == 1


def forecast_record(**overrides: object) -> dict[str, object]:
    f = T.forecast
    data: dict[str, object] = {
        "ID": new_id(),
        "CreationDate": "2026-09-01T08:00:00Z",
        f.year: 2026,
        f.quarter: 4,
        f.quantity: 30,
        f.product: {"ID": "p", "Code": "LAPTOP"},
        f.organisation: {"ID": "org-1"},
    }
    data.update(overrides)
    return data


def test_a_forecast_maps_to_its_key_and_submission_day() -> None:
    forecast = to_forecast(record(forecast_record()), SCHEMA)
    assert forecast.key == ("org-1", Quarter(2026, 4), "LAPTOP")
    assert forecast.submitted_on == dt.date(2026, 9, 1)
    assert forecast.on_time


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({T.forecast.quarter: 5}, "invalid_quarter"),
        ({T.forecast.quantity: -2}, "negative_forecast"),
        ({T.forecast.year: None}, "missing_field"),
        ({T.forecast.organisation: None}, "missing_field"),
    ],
)
def test_a_broken_forecast_is_a_problem(overrides: dict[str, object], code: str) -> None:
    _, problems = map_all([record(forecast_record(**overrides))], to_forecast, SCHEMA, "forecast")
    assert [p.code for p in problems] == [code]


def test_an_accountability_report_is_an_increment_for_one_request() -> None:
    a = T.accountability
    report = to_report(
        record(
            {
                "ID": new_id(),
                "CreationDate": "2026-10-02T08:00:00Z",
                a.request: {"ID": "r-1"},
                a.handed_out: 4,
                a.note: "via de bibliotheek",
            }
        ),
        SCHEMA,
    )
    assert (report.request_id, report.handed_out, report.note) == ("r-1", 4, "via de bibliotheek")


def test_organisations_and_contacts_map_approval_and_names() -> None:
    org = to_organisation(
        record({"ID": "c-1", "IsFormer": True, "Organization": {"ID": "o-1", "Name": "Bieb"}}), SCHEMA
    )
    assert (org.name, org.approved, org.organisation_id) == ("Bieb", False, "o-1")
    contact = to_contact(
        record(
            {
                "ID": "k-1",
                "EmailAddress": "a@b.nl",
                "PhoneNumber": "020-1234567",
                "Relation": {"ID": "o-1"},
                "Person": {"ID": "p-1", "FirstName": "Anna", "MiddleName": "de", "LastName": "Vries"},
            }
        ),
        SCHEMA,
    )
    assert (contact.name, contact.person_id, contact.organisation_id) == ("Anna de Vries", "p-1", "o-1")
