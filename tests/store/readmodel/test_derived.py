"""What the programme's rules derive is kept with the read model and equals what `domain/` works out
from the same rows: forecast states, stock per organisation and the problems its rules find, and
every rule a request breaks (as the demo's seven deliberate problems show), never with the personal
value that breaks it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.store.readmodel.conftest import Tenant
from tribe_sync.domain.accountability import STOCK_PROBLEMS, stock_per_organisation, stock_per_request
from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.forecasts import classify_forecasts
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.sandbox import tenant as t
from tribe_sync.store.readmodel.refresh import MirrorSet
from tribe_sync.tribe_crm import TribeCRM

pytestmark = pytest.mark.sandbox

REQUESTS = "Activity_SalesOrder"
FORECASTS = "_77dde229__df88__4e4d__ac23__86e5cc86ba64"
REPORTS = "f1a38d32__6834__4c65__927c__b2382bedda16"
SEEDED = {
    "unknown_phase",
    "no_product_line",
    "several_product_lines",
    "invalid_postcode",
    "invalid_phone",
    "not_adult_age_group",
    "month_closed_at_submission",
}


def crm_snapshot(tenant: Tenant) -> Snapshot:
    mirror = tenant.mirror
    return TribeCRM(mirror.reader, mirror.schema).snapshot(  # type: ignore[arg-type]
        {"organisations", "requests", "forecasts", "reports"}
    )


def assert_derived_equal_a_fresh_computation(tenant: Tenant) -> None:
    snapshot = crm_snapshot(tenant)
    states = classify_forecasts(snapshot.forecasts)
    assert {f.id: f.state for f in tenant.model.forecasts()} == states
    stocks, problems = stock_per_request(snapshot.requests, snapshot.reports)
    expected = {
        o.organisation_id: (o.received, o.handed_out, o.in_stock, o.oldest_undistributed_delivery)
        for o in stock_per_organisation(stocks.values()).values()
    }
    kept = {
        s.organisation_id: (s.received, s.handed_out, s.in_stock, s.oldest_undistributed_delivery)
        for s in tenant.model.stock()
    }
    assert kept == expected
    kept_problems = {
        (p.code, p.record_id, p.message_nl) for p in tenant.model.problems() if p.code in STOCK_PROBLEMS
    }
    assert kept_problems == {(p.code, p.record_id, p.message_nl) for p in problems}
    assert_status_counts_what_the_sets_hold(tenant)


def assert_status_counts_what_the_sets_hold(tenant: Tenant) -> None:
    """`mirror status`'s problems per set are the problems the set holds, derived ones included."""
    for row in tenant.mirror.status():
        if "problems" in row:
            assert row["problems"] == len(list(tenant.model.problems([row["name"]]))), row["name"]


def received_above(tenant: Tenant) -> tuple[dict[str, Any], dict[str, Any], int]:
    """A delivered request with a report (the request, the report, what it reported)."""
    store = tenant.sandbox.state.store
    reports = store.all(REPORTS)
    delivered = {
        str(r["ID"]): r for r in store.all(REQUESTS) if r.get(t.R_DELIVERY_DATE) and r.get("ProductLines")
    }
    report = next(a for a in reports if _nav(a[t.A_REQUEST]) in delivered)
    return delivered[_nav(report[t.A_REQUEST])], report, int(report[t.A_HANDED_OUT])


def _nav(value: Any) -> str:
    return str(value["ID"] if isinstance(value, dict) else value)


def test_a_report_above_what_was_received_is_the_requests_problem_until_the_report_is_corrected(
    tenant: Tenant,
) -> None:
    request, report, reported = received_above(tenant)
    tenant.edit(REPORTS, str(report["ID"]), **{t.A_HANDED_OUT: 10_000})
    tenant.mirror.refresh(full=True)
    [found] = [p for p in tenant.model.problems() if p.code == "handed_out_above_received"]
    assert (found.set_name, found.record_id, found.order_number) == (
        "requests",
        request["ID"],
        request["Number"],
    )
    assert found.label == request["Number"]
    assert found.mapped
    assert "uitgegeven, meer dan de" in found.message_nl
    assert "handed_out_above_received" in {p.code for p in tenant.model.problems(number=request["Number"])}
    assert_derived_equal_a_fresh_computation(tenant)

    tenant.edit(REPORTS, str(report["ID"]), **{t.A_HANDED_OUT: reported})
    tenant.mirror.refresh([MirrorSet.REPORTS])
    assert "handed_out_above_received" not in {p.code for p in tenant.model.problems()}
    assert_derived_equal_a_fresh_computation(tenant)


def test_a_delivered_quantity_lowered_below_the_reports_is_found_by_a_delta_of_the_requests(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    request, _, _ = received_above(tenant)
    tenant.edit(REQUESTS, str(request["ID"]), **{t.R_DELIVERED: 0})  # AD2026-11891 at 10x
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    [found] = [p for p in tenant.model.problems() if p.code == "handed_out_above_received"]
    assert found.record_id == request["ID"]
    assert "meer dan de 0 ontvangen" in found.message_nl
    assert_derived_equal_a_fresh_computation(tenant)


def test_a_negative_report_is_the_reports_problem_named_by_organisation_and_order_number(
    tenant: Tenant,
) -> None:
    request, report, reported = received_above(tenant)
    tenant.mirror.refresh(full=True)
    tenant.edit(REPORTS, str(report["ID"]), **{t.A_HANDED_OUT: -1})
    tenant.mirror.refresh([MirrorSet.REPORTS])
    [found] = [p for p in tenant.model.problems() if p.code == "negative_report"]
    assert (found.set_name, found.record_id) == ("reports", report["ID"])
    assert found.label is not None
    assert found.label.endswith(f", {request['Number']}")
    assert_derived_equal_a_fresh_computation(tenant)
    tenant.edit(REPORTS, str(report["ID"]), **{t.A_HANDED_OUT: reported})
    tenant.mirror.refresh([MirrorSet.REPORTS])
    assert "negative_report" not in {p.code for p in tenant.model.problems()}
    assert_status_counts_what_the_sets_hold(tenant)


def test_every_problem_the_demo_seeds_is_kept_with_its_order_number_and_without_the_personal_value(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    found = list(tenant.model.problems({"requests"}))
    assert {p.code for p in found} >= SEEDED
    for p in found:
        assert p.order_number
        assert p.message
        assert p.message_nl
    numbers = {str(r["ID"]): r["Number"] for r in tenant.sandbox.state.store.all(REQUESTS)}
    for p in found:
        assert p.order_number == numbers[p.record_id]
    listed = {r.id for r in tenant.model.requests()}
    breaking = [p for p in found if p.code in {"invalid_phone", "invalid_postcode", "not_adult_age_group"}]
    assert breaking
    assert all(p.mapped and p.record_id in listed for p in breaking)
    for p in breaking:  # a request with problems is found by its number, with its problems
        assert next(tenant.model.requests(number=p.order_number)).id == p.record_id
        assert p.code in {q.code for q in tenant.model.problems(number=p.order_number)}
    said = " ".join(p.message + p.message_nl for p in found)
    assert "bel ons" not in said
    assert "0123 SS" not in said


def test_a_month_closed_problem_follows_the_month_and_a_fixed_phone_number_loses_its_problem(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    [phone] = [p for p in tenant.model.problems({"requests"}) if p.code == "invalid_phone"]
    tenant.edit(REQUESTS, phone.record_id, **{t.R_PHONE: "020 123 4567"})
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert "invalid_phone" not in {p.code for p in tenant.model.problems(number=phone.order_number)}

    [late] = [p for p in tenant.model.problems({"requests"}) if p.code == "month_closed_at_submission"]
    request = tenant.sandbox.state.store.get(REQUESTS, late.record_id)
    assert request is not None
    month_id = request[t.R_MONTH]
    tenant.edit(tenant.mirror.schema.sets.delivery_month, str(month_id), IsActive=True)
    tenant.mirror.refresh([MirrorSet.MONTHS])
    assert "month_closed_at_submission" not in {p.code for p in tenant.model.problems({"requests"})}


def test_forecast_states_and_stock_after_deltas_equal_what_the_domain_works_out_from_the_crm(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    assert_derived_equal_a_fresh_computation(tenant)
    store = tenant.sandbox.state.store
    now = tenant.sandbox.state.now()
    forecast = store.all(FORECASTS)[0]
    navs = t.SETS[FORECASTS].navs
    store.create(  # a newer forecast for the same key: the older one is superseded
        FORECASTS,
        {
            k: ([{"ID": x} for x in v] if isinstance(v, list) else {"ID": v}) if k in navs and v else v
            for k, v in forecast.items()
            if k not in {"ID", "_Type", "_Name", "CreationDate", "LastMutationDate"}
        },
        now,
    )
    report = store.all(REPORTS)[0]
    store.update(REPORTS, report["ID"], {t.A_HANDED_OUT: 1}, now)
    tenant.mirror.refresh([MirrorSet.FORECASTS, MirrorSet.REPORTS])
    assert_derived_equal_a_fresh_computation(tenant)


def assert_stock_at_each_quarter_end_equals_the_rules_over_the_crm(tenant: Tenant) -> int:
    """For every quarter from the one before the first delivery or report to the one after the last,
    the kept stock equals the rules over what the CRM holds as delivered and reported by its end; how
    many of those quarters have stock."""
    snapshot = crm_snapshot(tenant)
    days = [r.reported_on for r in snapshot.reports]
    days += [r.delivery_date for r in snapshot.requests if r.delivery_date is not None]
    first, last = Quarter.of(min(days)) - 1, Quarter.of(max(days)) + 1
    checked, quarter = 0, first
    while quarter <= last:
        end = quarter.last_day
        delivered = [r for r in snapshot.requests if r.delivery_date is None or r.delivery_date <= end]
        stocks, _ = stock_per_request(delivered, [r for r in snapshot.reports if r.reported_on <= end])
        expected = {
            o.organisation_id: (
                o.received,
                o.handed_out,
                o.in_stock,
                o.oldest_undistributed_delivery,
                o.last_report_on,
            )
            for o in stock_per_organisation(stocks.values()).values()
        }
        kept = {
            s.organisation_id: (
                s.received,
                s.handed_out,
                s.in_stock,
                s.oldest_undistributed_delivery,
                s.last_report,
            )
            for s in tenant.model.stock(as_of=quarter)
        }
        assert kept == expected, quarter
        checked += bool(expected)
        quarter += 1
    return checked


def test_stock_at_the_end_of_every_quarter_equals_the_rules_over_what_was_delivered_and_reported_by_then(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    assert assert_stock_at_each_quarter_end_equals_the_rules_over_the_crm(tenant) >= 2, "quarters with stock"


def test_stock_at_quarter_ends_after_deltas_equals_the_rules_a_delivery_moved_back_and_reports_changed(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    store = tenant.sandbox.state.store
    now = tenant.sandbox.state.now()
    reported = {
        str(r[t.A_REQUEST]["ID"] if isinstance(r[t.A_REQUEST], dict) else r[t.A_REQUEST])
        for r in store.all(REPORTS)
    }
    delivered = [r for r in store.all(REQUESTS) if r.get(t.R_DELIVERY_DATE) and str(r["ID"]) in reported]
    assert delivered, "a delivered request with reports"
    # A year earlier: the organisation's stock moves in a quarter it did not move in before.
    moved = delivered[0]
    earlier = dt.date.fromisoformat(str(moved[t.R_DELIVERY_DATE])[:10]) - dt.timedelta(days=365)
    tenant.edit(REQUESTS, str(moved["ID"]), **{t.R_DELIVERY_DATE: earlier.isoformat()})
    report = store.all(REPORTS)[0]
    store.update(REPORTS, report["ID"], {t.A_HANDED_OUT: 0}, now)
    tenant.mirror.refresh([MirrorSet.REQUESTS, MirrorSet.REPORTS])
    assert next(tenant.model.requests(ids=[str(moved["ID"])])).delivery_date == earlier
    assert assert_stock_at_each_quarter_end_equals_the_rules_over_the_crm(tenant) >= 2, "quarters with stock"
