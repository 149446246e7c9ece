"""What a job knows of the CRM: one paged read per set, mapped to domain objects.

Never a call per record: each set is read once, with `$select` and `$expand` from the mappers'
queries, and the sets are read side by side. A record that does not map becomes a `Problem` in
`problems`, and the rest is kept.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from tribe_sync.client.odata import Query
from tribe_sync.client.tribe import TribeClient
from tribe_sync.client.wire import Record
from tribe_sync.domain.accountability import AccountabilityReport
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.parties import ContactPerson, Organisation, Processor, Product
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.domain.validation import Catalogue
from tribe_sync.mappers import queries
from tribe_sync.mappers.read import (
    map_all,
    map_requests,
    to_contact,
    to_forecast,
    to_month,
    to_organisation,
    to_processor,
    to_product,
    to_report,
)
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["PARTS", "Snapshot", "load_snapshot"]

PARTS = frozenset({"organisations", "contacts", "requests", "months", "forecasts", "reports", "reference"})


@dataclass
class Snapshot:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    contacts: dict[str, ContactPerson] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    months: dict[Month, DeliveryMonth] = field(default_factory=dict)
    forecasts: list[Forecast] = field(default_factory=list)
    reports: list[AccountabilityReport] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)
    processors: dict[str, Processor] = field(default_factory=dict)
    phase_ids: dict[RequestStatus, str] = field(default_factory=dict)
    task_phase_ids: dict[str, str] = field(default_factory=dict)
    age_groups: dict[str, bool] = field(default_factory=dict)
    target_groups: dict[str, bool] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)  # our tasks: ImportId -> task ID
    journal_keys: set[str] = field(
        default_factory=set
    )  # what the journal says we did (see Job.journal_prefixes)
    problems: list[Problem] = field(default_factory=list)

    def catalogue(self, adult_age_groups: Collection[str]) -> Catalogue:
        return Catalogue(
            adult_age_groups=frozenset(adult_age_groups),
            target_groups=frozenset(code for code, active in self.target_groups.items() if active),
            products=frozenset(p.code for p in self.products.values() if p.active),
            months=self.months,
        )


def load_snapshot(
    client: TribeClient,
    schema: TenantSchema,
    parts: Collection[str] = PARTS,
    task_prefixes: Collection[str] = (),
) -> Snapshot:
    """Read the parts asked for, their sets side by side (the client bounds the calls in flight).

    Each set is read and mapped on a thread of its own; the snapshot is put together afterwards in a
    fixed order, so that it (and the order of its problems) never depends on which set came first.
    """
    unknown = set(parts) - PARTS
    if unknown:
        raise ValueError(f"unknown snapshot parts: {sorted(unknown)}")
    sets = schema.sets

    def read(entity_set: str, query: Query) -> Iterator[Record]:
        # Streamed: each page is mapped as it arrives, so only the pages in flight are held as wire records.
        return client.iter_records(entity_set, query)

    readers: dict[str, Callable[[], Any]] = {}
    if "organisations" in parts:
        readers["organisations"] = lambda: map_all(
            read(sets.customer, queries.organisations(schema)), to_organisation, schema, "organisation"
        )
    if "contacts" in parts:
        readers["contacts"] = lambda: map_all(
            read(sets.contact, queries.contacts(schema)), to_contact, schema, "contact"
        )
    if "requests" in parts:
        readers["requests"] = lambda: map_requests(read(sets.request, queries.requests(schema)), schema)
    if "months" in parts:
        readers["months"] = lambda: map_all(
            read(sets.delivery_month, queries.months(schema)), to_month, schema, "delivery_month"
        )
    if "forecasts" in parts:
        readers["forecasts"] = lambda: map_all(
            read(sets.forecast, queries.forecasts(schema)), to_forecast, schema, "forecast"
        )
    if "reports" in parts:
        readers["reports"] = lambda: map_all(
            read(sets.accountability, queries.accountability(schema)), to_report, schema, "accountability"
        )
    if "reference" in parts:
        readers["products"] = lambda: map_all(
            read(sets.product, queries.products(schema)), to_product, schema, "product"
        )
        readers["processors"] = lambda: map_all(
            read(sets.processor, queries.processors(schema)), to_processor, schema, "processor"
        )
        readers["phases"] = lambda: list(read(sets.request_phase, queries.phases(schema)))
        readers["task_phases"] = lambda: list(read(sets.task_phase, queries.phases(schema)))
        readers["age_groups"] = lambda: _codes(read(sets.age_group, queries.options(schema)))
        readers["target_groups"] = lambda: _codes(read(sets.target_group, queries.options(schema)))
    for prefix in task_prefixes:
        readers[f"tasks:{prefix}"] = partial(
            lambda p: list(read(sets.task, queries.tasks(schema, p))), prefix
        )
    return _assemble(client.side_by_side(readers), schema, task_prefixes)


def _assemble(got: dict[str, Any], schema: TenantSchema, task_prefixes: Collection[str]) -> Snapshot:
    snap = Snapshot()
    if "organisations" in got:
        found, bad = got["organisations"]
        snap.organisations = {o.id: o for o in found}
        snap.problems += bad
    if "contacts" in got:
        found_contacts, bad = got["contacts"]
        snap.contacts = {c.id: c for c in found_contacts}
        snap.problems += bad
    if "requests" in got:
        snap.requests, bad = got["requests"]
        snap.problems += bad
    if "months" in got:
        months, bad = got["months"]
        snap.problems += bad
        for month in months:
            if month.month in snap.months:
                snap.problems.append(
                    problem(
                        "wrong_type",
                        "delivery_month",
                        month.id,
                        field="Code",
                        detail=f"{month.month} exists twice",
                    )
                )
                continue
            snap.months[month.month] = month
    if "forecasts" in got:
        snap.forecasts, bad = got["forecasts"]
        snap.problems += bad
    if "reports" in got:
        snap.reports, bad = got["reports"]
        snap.problems += bad
    if "products" in got:
        products, bad = got["products"]
        snap.products = {p.id: p for p in products}
        snap.problems += bad
        processors, bad = got["processors"]
        snap.processors = {p.id: p for p in processors}
        snap.problems += bad
        for record in got["phases"]:
            status = schema.status_by_code.get(str(record.get("Code")))
            if status is not None:
                snap.phase_ids[status] = record.id
        snap.task_phase_ids = {str(r.get("Code")): r.id for r in got["task_phases"]}
        snap.age_groups = got["age_groups"]
        snap.target_groups = got["target_groups"]
    for prefix in task_prefixes:
        for record in got[f"tasks:{prefix}"]:
            snap.tasks[str(record.get("ImportId"))] = record.id
    return snap


def _codes(records: Iterable[Record]) -> dict[str, bool]:
    return {str(r.get("Code")): r.get("IsActive") is not False for r in records if r.get("Code")}
