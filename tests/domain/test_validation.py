from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from tests.factories import make_month, make_request, moment
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.requests import DeliveryDetails
from tribe_sync.domain.validation import (
    Catalogue,
    normalise_phone,
    normalise_postcode,
    validate_email_address,
    validate_request,
)

JAN = Month(2027, 1)
CATALOGUE = Catalogue(
    adult_age_groups=frozenset({"18-24", "25-44", "45-64", "65-74", "75+"}),
    target_groups=frozenset({"statushouders", "ouderen", "werkzoekenden"}),
    products=frozenset({"LAPTOP"}),
    months={JAN: make_month(JAN)},
)


def codes(**overrides: object) -> list[str]:
    return [p.code for p in validate_request(make_request(**overrides), CATALOGUE)]


def delivery(**changes: object) -> DeliveryDetails:
    return dataclasses.replace(make_request().delivery, **changes)  # type: ignore[arg-type]


def test_a_complete_request_has_no_problems() -> None:
    assert codes() == []


@pytest.mark.parametrize(
    ("text", "normalised"),
    [
        ("1234AB", "1234 AB"),
        ("1234 ab", "1234 AB"),
        (" 9999 zz ", "9999 ZZ"),
        ("0123 AB", None),
        ("1234 SA", None),
        ("1234 sd", None),
        ("1234 SS", None),
        ("12345", None),
        ("1234 A", None),
        ("1234-AB", None),
    ],
)
def test_dutch_postcodes_are_normalised_or_refused(text: str, normalised: str | None) -> None:
    assert normalise_postcode(text) == normalised


@pytest.mark.parametrize(
    ("text", "e164"),
    [
        ("020-1234567", "+31201234567"),
        ("06 12345678", "+31612345678"),
        ("+31 6 1234 5678", "+31612345678"),
        ("0031201234567", "+31201234567"),
        ("12345", None),
        ("+32 2 555 12 12", None),
        ("bel me", None),
    ],
)
def test_phone_numbers_must_be_dutch_and_are_normalised_to_e164(text: str, e164: str | None) -> None:
    assert normalise_phone(text) == e164


@pytest.mark.parametrize(
    ("text", "ok"),
    [("a@b.nl", True), ("j.jansen@example.org", True), ("nope@", False), ("two@@x.nl", False), ("", False)],
)
def test_email_addresses_are_checked_for_syntax_only(text: str, ok: bool) -> None:
    assert (validate_email_address(text) is not None) is ok


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"quantity": 0}, ["bad_quantity"]),
        ({"age_groups": ()}, ["no_age_group"]),
        ({"age_groups": ("25-44", "12-17")}, ["not_adult_age_group"]),
        ({"age_groups": ("0-17",)}, ["not_adult_age_group"]),
        ({"target_groups": ()}, ["no_target_group"]),
        ({"target_groups": ("kinderen",)}, ["unknown_target_group"]),
        ({"product_code": "TABLET"}, ["unknown_product"]),
        ({"terms_accepted": False}, ["terms_not_accepted"]),
        ({"explanation": "  "}, ["no_explanation"]),
        ({"delivery": delivery(postcode="0123 AB")}, ["invalid_postcode"]),
        ({"delivery": delivery(phone="12")}, ["invalid_phone"]),
        ({"delivery": delivery(email="nope@")}, ["invalid_email"]),
        ({"delivery": delivery(email=None, city="")}, ["missing_field", "missing_field"]),
    ],
)
def test_each_rule_of_section_2_is_a_problem_of_its_own(
    overrides: dict[str, object], expected: list[str]
) -> None:
    assert codes(**overrides) == expected


def test_a_request_made_after_its_month_closed_is_reported() -> None:
    closed = make_month(JAN, is_open=False, closed_at=moment(dt.date(2026, 11, 1)))
    catalogue = dataclasses.replace(CATALOGUE, months={JAN: closed})
    late = make_request(requested_on=dt.date(2026, 11, 3))
    early = make_request(requested_on=dt.date(2026, 10, 3))
    assert [p.code for p in validate_request(late, catalogue)] == ["month_closed_at_submission"]
    assert validate_request(early, catalogue) == []


def test_problems_explain_themselves_in_english_and_dutch_without_a_persons_value() -> None:
    """A delivery detail is a person's: the problem names the field and where to look, never the value
    (it would reach job output, `--json`, the journal and the read model)."""
    (problem,) = validate_request(make_request(delivery=delivery(postcode="0123 AB")), CATALOGUE)
    assert problem.message == "the postcode is not a Dutch postcode, 1234 AB (see Tribe)"
    assert problem.message_nl == "de postcode is geen Nederlandse postcode, 1234 AB (zie Tribe)"
    assert "0123 AB" not in repr(problem), "nor in its context, which --json shows"
    assert problem.entity == "request"
    assert problem.as_dict()["order_number"].startswith("AD2026-")
