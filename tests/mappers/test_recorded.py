"""The mappers over requests recorded from a CRM (scrubbed): lenient and strict."""

from __future__ import annotations

from tests.cassettes import CASSETTES
from tests.factories import SCHEMA
from tribe_sync.client.wire import Record
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.validation import Catalogue
from tribe_sync.mappers.read import map_requests
from tribe_sync.recording import load_cassette

CATALOGUE = Catalogue(
    adult_age_groups=frozenset(SCHEMA.tenant.adult_age_groups),
    target_groups=frozenset(
        {
            "statushouders",
            "ouderen",
            "werkzoekenden",
            "laaggeletterden",
            "mensen-met-schulden",
            "mantelzorgers",
        }
    ),
    products=frozenset({"LAPTOP"}),
    months={},
)


def recorded_requests() -> list[Record]:
    exchanges = load_cassette(CASSETTES / "test_every_waiting_request_is_read_once_across_pages.json")
    return [
        Record.model_validate(row)
        for e in exchanges
        if e.path.endswith("/Activity_SalesOrder")
        for row in e.response["value"]
    ]


def test_lenient_mapping_keeps_every_sound_request_and_reports_each_fault() -> None:
    records = recorded_requests()
    requests, problems = map_requests(records, SCHEMA, catalogue=CATALOGUE)
    structural = [p for p in problems if p.code in ("no_product_line", "several_product_lines")]
    assert len(requests) + len(structural) == len(records)
    assert {p.code for p in problems} == {
        "no_product_line",
        "several_product_lines",
        "invalid_postcode",
        "invalid_phone",
        "not_adult_age_group",
    }
    assert all(p.record_id for p in problems)
    assert {r.month for r in requests} >= {Month(2026, 12)}


def test_strict_mapping_rejects_the_requests_that_break_a_rule() -> None:
    records = recorded_requests()
    lenient, _ = map_requests(records, SCHEMA, catalogue=CATALOGUE)
    strict, problems = map_requests(records, SCHEMA, catalogue=CATALOGUE, strict=True)
    rejected = {
        p.record_id
        for p in problems
        if p.code in ("invalid_postcode", "invalid_phone", "not_adult_age_group")
    }
    assert len(rejected) == 3
    assert {r.id for r in strict} == {r.id for r in lenient} - rejected
