"""Hypothesis strategies for absurd wire records: the right shape, values no domain object can hold.

Extremes and nonsense per kind of value (huge and negative numbers, far past and future dates, empty
and 10,000-character strings, control characters, half surrogate pairs, the wrong JSON type), and per
record kind the fields its mapper reads, each with the absurd values that field can receive. A record
drawn from `absurd_record(kind)` must become exactly one problem: every value in it is checked.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from tests.factories import T, new_id, request_record
from tribe_sync.domain.limits import FIRST_YEAR, LAST_YEAR, MAX_QUANTITY, MAX_TEXT_CHARS

__all__ = [
    "CLEAN",
    "absurd_record",
    "extreme_json",
    "far_dates",
    "far_moments",
    "nonsense_text",
]

Strategy = st.SearchStrategy[Any]

huge = st.integers(min_value=MAX_QUANTITY + 1, max_value=10**30) | st.sampled_from([2**63, 10**100])
very_negative = st.integers(min_value=-(10**30), max_value=-MAX_QUANTITY - 1)
not_whole = (
    st.floats(allow_nan=True, allow_infinity=True) | st.booleans() | st.sampled_from(["12", "", [], {}])
)
far_years = st.integers(min_value=1, max_value=FIRST_YEAR - 1) | st.integers(
    min_value=LAST_YEAR + 1, max_value=9999
)


def _far_day(year: int, data: Any) -> dt.date:
    return dt.date(year, 1, 1) + dt.timedelta(days=data)


far_dates = st.builds(_far_day, far_years, st.integers(0, 364)).map(dt.date.isoformat)
far_moments = st.builds(
    lambda day, time, zone: f"{day}T{time}{zone}",
    far_dates,
    st.sampled_from(["00:00:00", "23:59:59", "12:00:00.123456"]),
    st.sampled_from(["Z", "+14:00", "-12:00", ""]),
) | st.sampled_from(["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "9999-12-31T23:59:59Z"])
not_a_date = (
    st.sampled_from(["yesterday", "2026-13-01", "2026-02-30", "31-12-2026"])
    | st.integers()
    | st.lists(st.none(), max_size=1)
)
control_characters = st.sampled_from(
    ["\x00", "\x01", "\x08", "\x1b", "\x7f", "\x85", "\x9f", "\ud800", "\udfff"]
)
nonsense_text = (
    st.builds(
        lambda a, c, b: a + c + b,
        st.text("abc ", min_size=1, max_size=5).filter(str.strip),
        control_characters,
        st.text("xyz", max_size=5),
    )
    | st.builds(lambda n, c: c * n, st.integers(MAX_TEXT_CHARS + 1, 10_000), st.sampled_from(["x", "é", "☃"]))
    | st.sampled_from([10**30, -1, 1.5, True, [], {"a": 1}, ["x"]])
)
long_ids = st.builds(lambda n: "a" * n, st.integers(101, 10_000))
absurd_ids = long_ids | st.builds(lambda c: "id" + c, control_characters)


def extreme_json() -> Strategy:
    """Any JSON a careless portal could send: the extremes above mixed with ordinary values."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers(-(10**30), 10**30)
        | huge
        | very_negative
        | st.floats()
        | st.text(max_size=20)
        | nonsense_text
        | far_dates
        | far_moments,
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(
                st.sampled_from(["ID", "Code", "Quantity", "Product", "Name", "x"]), children, max_size=3
            )
        ),
        max_leaves=6,
    )


def nav(ids: Strategy = absurd_ids) -> Strategy:
    return st.builds(lambda i: {"ID": i}, ids)


def code(values: Strategy) -> Strategy:
    return st.builds(lambda c: {"ID": new_id(), "Code": c}, values)


bad_code_values = (
    long_ids | st.builds(lambda c: "CODE" + c, control_characters) | st.sampled_from([5, 1.5, True, ["x"]])
)
out_of_range_month_codes = st.builds(lambda y, m: f"{y:04d}-{m:02d}", far_years, st.integers(1, 12))
bad_quantity = huge | very_negative | st.sampled_from([0, -1]) | not_whole
not_bool = st.sampled_from(["true", "false", 1, 0, [], {}, "ja"])


def _request_fields() -> dict[str, Strategy]:
    f = T.request
    text_fields = [
        f.explanation,
        f.street,
        f.house_number,
        f.postcode,
        f.city,
        f.contact_name,
        f.phone,
        f.email,
        f.reference,
    ]
    fields: dict[str, Strategy] = dict.fromkeys(text_fields, nonsense_text)
    fields.update(
        {
            "Number": st.sampled_from(["AD0000-00001", "AD9999-00001", "AD1899-12345"]) | nonsense_text,
            "CreationDate": far_moments | not_a_date,
            "Phase": code(bad_code_values),
            "ProductLines": st.builds(
                lambda q: [{"ID": new_id(), "Quantity": q, "Product": {"ID": new_id(), "Code": "LAPTOP"}}],
                bad_quantity,
            )
            | st.builds(
                lambda c: [{"ID": new_id(), "Quantity": 5, "Product": {"ID": new_id(), "Code": c}}],
                bad_code_values,
            ),
            "Relationship": nav(),
            "Contact": nav(),
            f.age_groups: st.builds(lambda c: [{"ID": new_id(), "Code": c}], bad_code_values),
            f.target_groups: st.builds(lambda c: [{"ID": new_id(), "Code": c}], bad_code_values),
            f.delivery_month: code(out_of_range_month_codes | bad_code_values),
            f.delivery_date: far_dates | far_moments | not_a_date,
            f.processor_confirmed_on: far_dates | far_moments | not_a_date,
            f.processor: nav(),
            f.terms_accepted: not_bool,
            f.delivered_quantity: huge | very_negative | not_whole,
        }
    )
    return fields


def month_record(code_: str = "2027-01", **overrides: Any) -> dict[str, Any]:
    m = T.month
    return {"ID": new_id(), "Code": code_, "IsActive": True, m.capacity: 500, m.closed_by: None, **overrides}


def forecast_record(**overrides: Any) -> dict[str, Any]:
    f = T.forecast
    return {
        "ID": new_id(),
        "CreationDate": "2026-09-01T08:00:00Z",
        f.year: 2026,
        f.quarter: 4,
        f.quantity: 30,
        f.product: {"ID": "p", "Code": "LAPTOP"},
        f.organisation: {"ID": "org-1"},
        **overrides,
    }


def report_record(**overrides: Any) -> dict[str, Any]:
    a = T.accountability
    return {
        "ID": new_id(),
        "CreationDate": "2026-10-02T08:00:00Z",
        a.request: {"ID": "r-1"},
        a.handed_out: 4,
        **overrides,
    }


def organisation_record(**overrides: Any) -> dict[str, Any]:
    return {"ID": new_id(), "IsFormer": False, "Organization": {"ID": new_id(), "Name": "Bieb"}, **overrides}


def contact_record(**overrides: Any) -> dict[str, Any]:
    return {
        "ID": new_id(),
        "EmailAddress": "a@b.nl",
        "PhoneNumber": "020-1234567",
        "Relation": {"ID": "o"},
        "Person": {"ID": new_id(), "FirstName": "A"},
        **overrides,
    }


FIELDS: dict[str, dict[str, Strategy]] = {
    "request": _request_fields(),
    "delivery_month": {
        "Code": out_of_range_month_codes | nonsense_text,
        "IsActive": not_bool,
        T.month.capacity: huge | very_negative | not_whole,
        T.month.closed_by: nonsense_text | st.sampled_from(["robot", "STAFF"]),
        T.month.closed_reason: nonsense_text,
    },
    "forecast": {
        T.forecast.year: far_years | huge | very_negative | not_whole,
        T.forecast.quarter: st.sampled_from([0, 5, -1, 10**30]) | not_whole,
        T.forecast.quantity: huge | very_negative | st.just(-1) | not_whole,
        T.forecast.product: code(bad_code_values),
        T.forecast.organisation: nav(),
        "CreationDate": far_moments | not_a_date,
    },
    "accountability": {
        T.accountability.request: nav(),
        T.accountability.handed_out: huge | very_negative | not_whole,
        T.accountability.note: nonsense_text,
        "CreationDate": far_moments | not_a_date,
    },
    "organisation": {
        "Organization": st.builds(lambda n: {"ID": new_id(), "Name": n}, nonsense_text)
        | st.builds(lambda i: {"ID": i, "Name": "x"}, absurd_ids)
        | st.sampled_from(["x", 5, ["x"]]),
        "IsFormer": not_bool,
    },
    "contact": {
        "EmailAddress": nonsense_text,
        "PhoneNumber": nonsense_text,
        "MobilePhoneNumber": nonsense_text,
        "Relation": nav(),
        "Person": st.builds(lambda n: {"ID": new_id(), "FirstName": n}, nonsense_text)
        | st.builds(lambda n: {"ID": new_id(), "LastName": n}, nonsense_text)
        | st.sampled_from(["x", 5, ["x"]]),
    },
}

CLEAN: dict[str, Callable[..., dict[str, Any]]] = {
    "request": request_record,
    "delivery_month": month_record,
    "forecast": forecast_record,
    "accountability": report_record,
    "organisation": organisation_record,
    "contact": contact_record,
}


@st.composite
def absurd_record(
    draw: st.DrawFn, kind: str, base: Callable[..., dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A record of `kind` (clean from `base`, or the kind's factory) with one to three fields, or its
    ID, replaced by an absurd value."""
    fields = FIELDS[kind]
    record = (base or CLEAN[kind])()
    if draw(st.integers(0, 9)) == 0:
        record["ID"] = draw(absurd_ids)
        return record
    for name in draw(st.lists(st.sampled_from(sorted(fields)), min_size=1, max_size=3, unique=True)):
        record[name] = draw(fields[name])
    record["ID"] = new_id()
    return record
