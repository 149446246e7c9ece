"""Absurd records, of the right shape but with values no domain object can hold: each is exactly one
problem naming its record, never an object, never a crash; the records beside it still map."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.absurd import CLEAN, FIELDS, absurd_record, forecast_record, month_record
from tests.factories import SCHEMA, T, record, request_record
from tribe_sync.client.wire import Record
from tribe_sync.mappers.read import (
    map_all,
    to_contact,
    to_forecast,
    to_month,
    to_organisation,
    to_report,
    to_request,
)
from tribe_sync.mappers.schema import TenantSchema

MAPPERS: dict[str, Callable[[Record, TenantSchema], Any]] = {
    "request": to_request,
    "delivery_month": to_month,
    "forecast": to_forecast,
    "accountability": to_report,
    "organisation": to_organisation,
    "contact": to_contact,
}


@pytest.mark.parametrize("kind", sorted(FIELDS))
def test_the_clean_record_of_every_kind_maps(kind: str) -> None:
    mapped, problems = map_all([record(CLEAN[kind]())], MAPPERS[kind], SCHEMA, kind)
    assert (len(mapped), problems) == (1, [])


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(FIELDS)).flatmap(lambda kind: st.tuples(st.just(kind), absurd_record(kind))))
def test_an_absurd_record_of_any_kind_is_exactly_one_problem_and_its_neighbours_still_map(
    drawn: tuple[str, dict[str, Any]],
) -> None:
    kind, absurd = drawn
    clean = [CLEAN[kind]() for _ in range(2)]
    mapped, problems = map_all(
        [record(clean[0]), record(absurd), record(clean[1])], MAPPERS[kind], SCHEMA, kind
    )
    assert len(mapped) == 2, f"an absurd {kind} mapped: {absurd!r:.300}"
    assert len(problems) == 1
    found = problems[0]
    assert found.record_id is not None
    assert found.message
    assert found.message_nl
    assert len(found.message) < 300, "a problem quotes a value, never a 10,000-character one"
    json.dumps(found.as_dict()).encode("utf-8")  # printable in --json and in a file, surrogates included


@pytest.mark.parametrize(
    ("kind", "overrides", "code"),
    [
        ("forecast", {T.forecast.year: 10_000}, "out_of_range"),
        ("forecast", {T.forecast.year: 9999, T.forecast.quarter: 4}, "out_of_range"),
        ("forecast", {T.forecast.quantity: 10**30}, "out_of_range"),
        ("delivery_month", {"Code": "9999-12"}, "out_of_range"),
        ("delivery_month", {"Code": "0000-01"}, "out_of_range"),
        ("delivery_month", {T.month.capacity: -5}, "wrong_type"),
        ("delivery_month", {T.month.capacity: 10**12}, "out_of_range"),
        ("request", {"CreationDate": "9999-12-31T23:59:59-14:00"}, "out_of_range"),
        ("request", {"CreationDate": "0001-01-01T00:00:00+14:00"}, "out_of_range"),
        ("request", {T.request.delivery_date: "9999-12-31"}, "out_of_range"),
        ("request", {T.request.delivery_month: {"ID": "m", "Code": "9999-12"}}, "out_of_range"),
        ("request", {T.request.explanation: "x" * 10_000}, "unusable_text"),
        ("request", {T.request.reference: "IP\x00123"}, "unusable_text"),
        ("request", {T.request.city: "Delft\ud800"}, "unusable_text"),
        ("request", {"Number": "AD9999-00001"}, "invalid_order_number"),
        ("accountability", {T.accountability.handed_out: -(10**30)}, "out_of_range"),
    ],
)
def test_the_values_that_stopped_everyones_work_are_one_reported_problem(
    kind: str, overrides: dict[str, Any], code: str
) -> None:
    base = {"forecast": forecast_record, "delivery_month": month_record}.get(kind) or CLEAN[kind]
    _, problems = map_all([record({**base(), **overrides})], MAPPERS[kind], SCHEMA, kind)
    assert [p.code for p in problems] == [code]


def test_a_request_on_the_edges_of_the_supported_years_still_maps() -> None:
    edge = request_record(CreationDate="1900-01-01T00:00:00Z", **{T.request.delivery_date: "2999-12-31"})
    mapped, problems = map_all([record(edge)], to_request, SCHEMA, "request")
    assert (len(mapped), problems) == (1, [])
