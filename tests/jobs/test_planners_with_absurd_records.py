"""Every job's planner over a tenant with absurd records mixed in plans exactly what it plans for the
clean records alone: an absurd record is one more problem, never a crash and never a different
decision about anybody else's requests, months, forecasts or reminders."""

from __future__ import annotations

import copy
import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, TypeVar

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.absurd import FIELDS, absurd_record
from tests.factories import SCHEMA, T, request_record
from tribe_sync.client.odata import Query
from tribe_sync.client.wire import Record
from tribe_sync.config import Settings
from tribe_sync.jobs.plan import Plan, change_to_json
from tribe_sync.jobs.registry import JOBS
from tribe_sync.tribe_crm import load_snapshot

SETTINGS = Settings()
T_ = TypeVar("T_")
S = SCHEMA.sets
KIND_SET = {
    "request": S.request,
    "delivery_month": S.delivery_month,
    "forecast": S.forecast,
    "accountability": S.accountability,
    "organisation": S.customer,
    "contact": S.contact,
}
DAYS = [dt.date(2026, 12, 1), dt.date(2026, 12, 15), dt.date(2027, 1, 4), dt.date(2027, 2, 1)]


class RecordedCRM:
    """The CRM as `load_snapshot` reads it: every record of a set, whatever the query asks."""

    def __init__(self, sets: dict[str, list[dict[str, Any]]]) -> None:
        self.sets = sets

    def iter_records(self, entity_set: str, query: Query) -> Iterator[Record]:
        for data in self.sets.get(entity_set, []):
            yield Record.model_validate(data)

    def side_by_side(self, readers: Mapping[str, Callable[[], T_]]) -> dict[str, T_]:
        return {name: reader() for name, reader in readers.items()}


def guid(n: int, prefix: str) -> str:
    """A GUID as Tribe's IDs are: `prefix` (hex) tells the kinds apart, `n` the records."""
    return f"{prefix:0>8}-0000-4000-8000-{n:012d}"


def clean_tenant() -> dict[str, list[dict[str, Any]]]:
    """Three organisations with requests in every status, open, full and past months, forecasts and
    reports: enough that every job has something to decide on each of DAYS."""
    f, m, fc, a = T.request, T.month, T.forecast, T.accountability
    tenant: dict[str, list[dict[str, Any]]] = defaultdict(list)
    orgs = [guid(n, "c0ffee") for n in range(3)]
    for n, org in enumerate(orgs):
        tenant[S.customer].append(
            {"ID": org, "IsFormer": False, "Organization": {"ID": guid(n, "0a"), "Name": f"Bibliotheek {n}"}}
        )
        tenant[S.contact].append(
            {
                "ID": guid(n, "c0"),
                "EmailAddress": f"contact{n}@example.org",
                "PhoneNumber": "020-1234567",
                "Relation": {"ID": org},
                "Person": {"ID": guid(n, "9e"), "FirstName": "Contact", "LastName": str(n)},
            }
        )
    for n, (code, is_open, capacity) in enumerate(
        [("2026-10", False, 100), ("2026-11", False, 100), ("2026-12", True, 40), ("2027-01", True, 30)]
    ):
        tenant[S.delivery_month].append(
            {"ID": guid(n, "30"), "Code": code, "IsActive": is_open, m.capacity: capacity, m.closed_by: None}
        )
    phases = {
        "WAITING": SETTINGS.tenant.phases.waiting,
        "PROCESSING": SETTINGS.tenant.phases.processing,
        "AT_PROCESSOR": SETTINGS.tenant.phases.at_processor,
        "AWAITING": SETTINGS.tenant.phases.awaiting_delivery_date,
        "CLOSED": SETTINGS.tenant.phases.closed,
    }
    specs = [
        # (organisation, phase, month, quantity, created, extra)
        (0, "WAITING", "2026-12", 15, "2026-11-03T09:00:00Z", {}),
        (0, "WAITING", "2026-12", 10, "2026-11-04T09:00:00Z", {}),
        (1, "WAITING", "2026-12", 20, "2026-11-05T09:00:00Z", {}),
        (2, "WAITING", "2026-12", 25, "2026-11-06T09:00:00Z", {}),
        (2, "WAITING", "2027-01", 12, "2026-11-07T09:00:00Z", {}),
        (1, "PROCESSING", "2026-11", 8, "2026-10-02T09:00:00Z", {}),
        (0, "AT_PROCESSOR", "2026-11", 6, "2026-10-03T09:00:00Z", {f.processor_confirmed_on: "2026-11-20"}),
        (2, "AWAITING", "2026-11", 9, "2026-10-04T09:00:00Z", {f.delivery_date: "2026-11-30"}),
        (0, "CLOSED", "2026-10", 30, "2026-09-02T09:00:00Z", {f.delivery_date: "2026-10-15"}),
        (1, "CLOSED", "2026-10", 14, "2026-09-03T09:00:00Z", {f.delivery_date: "2026-10-20"}),
    ]
    for n, (org, phase, month, quantity, created, extra) in enumerate(specs):
        tenant[S.request].append(
            request_record(
                ID=guid(n, "4e"),
                Number=f"AD2026-{n + 1:05d}",
                CreationDate=created,
                Phase={"ID": f"phase-{phase}", "Code": phases[phase]},
                ProductLines=[
                    {"ID": guid(n, "11"), "Quantity": quantity, "Product": {"ID": "p", "Code": "LAPTOP"}}
                ],
                Relationship={"ID": orgs[org]},
                Contact={"ID": guid(org, "c0")},
                **{f.delivery_month: {"ID": guid(n, "31"), "Code": month}, **extra},
            )
        )
    for n, (org, year, quarter, quantity, created) in enumerate(
        [
            (0, 2026, 4, 30, "2026-09-01T08:00:00Z"),
            (1, 2027, 1, 20, "2026-12-01T08:00:00Z"),
            (2, 2026, 4, 10, "2026-10-01T08:00:00Z"),  # late: the audit reports it
        ]
    ):
        tenant[S.forecast].append(
            {
                "ID": guid(n, "f0"),
                "CreationDate": created,
                fc.year: year,
                fc.quarter: quarter,
                fc.quantity: quantity,
                fc.product: {"ID": "p", "Code": "LAPTOP"},
                fc.organisation: {"ID": orgs[org]},
            }
        )
    tenant[S.accountability].append(
        {
            "ID": guid(0, "a0"),
            "CreationDate": "2026-11-02T08:00:00Z",
            a.request: {"ID": guid(8, "4e")},
            a.handed_out: 5,
        }
    )
    tenant[S.product].append({"ID": "p", "Code": "LAPTOP", "Name": "Laptop", "IsInactive": False})
    tenant[S.processor].append(
        {"ID": guid(0, "b0"), "IsFormer": False, "Organization": {"ID": guid(9, "0a"), "Name": "Verwerker"}}
    )
    tenant[S.request_phase] = [{"ID": f"phase-{name}", "Code": code} for name, code in phases.items()]
    tenant[S.task_phase] = [{"ID": "task-open", "Code": "OPEN"}, {"ID": "task-done", "Code": "DONE"}]
    tenant[S.age_group] = [
        {"ID": guid(n, "ae"), "Code": c, "IsActive": True} for n, c in enumerate(["25-44", "65-74"])
    ]
    tenant[S.target_group] = [{"ID": guid(0, "7a"), "Code": "statushouders", "IsActive": True}]
    return dict(tenant)


CLEAN_TENANT = clean_tenant()


def plan_of(job: str, tenant: dict[str, list[dict[str, Any]]], today: dt.date) -> Plan:
    chosen = JOBS[job]
    snapshot = load_snapshot(RecordedCRM(tenant), SCHEMA, chosen.parts, chosen.task_prefixes)  # type: ignore[arg-type]
    return chosen.plan(snapshot, today, SETTINGS, SCHEMA)


def decisions(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    """What a plan decides about records: its changes (the audit's task body aside, which lists the
    problems) and its held notices; and the journal keys it would record."""
    changes = [
        {"kind": c.kind, "step": str(c.step)} if getattr(c, "marks", ()) else change_to_json(c)
        for c in plan.changes
    ]
    marks = sorted(mark for c in plan.changes for mark in getattr(c, "marks", ()))
    return changes, [h.as_dict() for h in plan.held], marks


def test_the_clean_tenant_gives_every_job_something_to_decide() -> None:
    for job in JOBS:
        assert any(plan_of(job, CLEAN_TENANT, day).changes for day in DAYS), job


mixed_in = st.lists(
    st.sampled_from(sorted(FIELDS)).flatmap(lambda kind: st.tuples(st.just(kind), absurd_record(kind))),
    min_size=1,
    max_size=8,
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(absurd=mixed_in, day=st.sampled_from(DAYS), seed=st.integers(0, 2**16))
def test_every_planner_plans_the_same_for_the_clean_records_with_absurd_ones_mixed_in(
    absurd: list[tuple[str, dict[str, Any]]], day: dt.date, seed: int
) -> None:
    tenant = copy.deepcopy(CLEAN_TENANT)
    shuffle = random.Random(seed)
    for kind, data in absurd:
        records = tenant[KIND_SET[kind]]
        records.insert(shuffle.randint(0, len(records)), data)
    for job in JOBS:
        clean, mixed = plan_of(job, CLEAN_TENANT, day), plan_of(job, tenant, day)
        clean_changes, clean_held, clean_marks = decisions(clean)
        mixed_changes, mixed_held, mixed_marks = decisions(mixed)
        assert mixed_changes == clean_changes, job
        assert mixed_held == clean_held, job
        assert set(clean_marks) <= set(mixed_marks), job
        read = {KIND_SET[kind] for kind in KIND_SET} & set(_sets_read(job))
        expected_extra = sum(1 for kind, _ in absurd if KIND_SET[kind] in read)
        clean_problems = [p.as_dict() for p in clean.problems]
        extra = [p.as_dict() for p in mixed.problems if p.as_dict() not in clean_problems]
        assert len(mixed.problems) == len(clean.problems) + expected_extra, (job, extra)
        assert len(extra) == expected_extra, job


def _sets_read(job: str) -> list[str]:
    parts = JOBS[job].parts
    names = {
        "organisations": S.customer,
        "contacts": S.contact,
        "requests": S.request,
        "months": S.delivery_month,
        "forecasts": S.forecast,
        "reports": S.accountability,
    }
    return [names[p] for p in parts if p in names]
