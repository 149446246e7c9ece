"""The Plannen page says which month a request was carried over from, for Dutch and older English reasons."""

from __future__ import annotations

from tribe_sync.console.plans_pages import _carried


def test_a_dutch_allocation_reason_names_the_month_it_was_carried_over_from() -> None:
    reason = "toegekend in ronde 1 van december 2026 (doorgeschoven uit november 2026)"
    assert _carried(reason) == "toegekend; doorgeschoven van november 2026"


def test_a_plan_saved_with_an_english_reason_still_names_the_month() -> None:
    reason = "allocated in round 1 of the rounds of december 2026 (carried over from 2026-11)"
    assert _carried(reason) == "toegekend; doorgeschoven van november 2026"
