"""What a job knows of the CRM: one paged read per set, mapped to domain objects.

Never a call per record: each set is read once, with `$select` and `$expand` from the mappers'
queries. A record that does not map becomes a `Problem` in `problems`, and the rest is kept.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field

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
    unknown = set(parts) - PARTS
    if unknown:
        raise ValueError(f"unknown snapshot parts: {sorted(unknown)}")
    sets = schema.sets
    snap = Snapshot()

    def read(entity_set: str, query: Query) -> Iterator[Record]:
        # Streamed: each page is mapped as it arrives, so at most one page of wire records is in memory.
        return client.iter_records(entity_set, query)

    if "organisations" in parts:
        found, bad = map_all(
            read(sets.customer, queries.organisations(schema)), to_organisation, schema, "organisation"
        )
        snap.organisations = {o.id: o for o in found}
        snap.problems += bad
    if "contacts" in parts:
        found_contacts, bad = map_all(
            read(sets.contact, queries.contacts(schema)), to_contact, schema, "contact"
        )
        snap.contacts = {c.id: c for c in found_contacts}
        snap.problems += bad
    if "requests" in parts:
        snap.requests, bad = map_requests(read(sets.request, queries.requests(schema)), schema)
        snap.problems += bad
    if "months" in parts:
        months, bad = map_all(
            read(sets.delivery_month, queries.months(schema)), to_month, schema, "delivery_month"
        )
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
    if "forecasts" in parts:
        snap.forecasts, bad = map_all(
            read(sets.forecast, queries.forecasts(schema)), to_forecast, schema, "forecast"
        )
        snap.problems += bad
    if "reports" in parts:
        snap.reports, bad = map_all(
            read(sets.accountability, queries.accountability(schema)), to_report, schema, "accountability"
        )
        snap.problems += bad
    if "reference" in parts:
        products, bad = map_all(read(sets.product, queries.products(schema)), to_product, schema, "product")
        snap.products = {p.id: p for p in products}
        snap.problems += bad
        processors, bad = map_all(
            read(sets.processor, queries.processors(schema)), to_processor, schema, "processor"
        )
        snap.processors = {p.id: p for p in processors}
        snap.problems += bad
        for record in read(sets.request_phase, queries.phases(schema)):
            status = schema.status_by_code.get(str(record.get("Code")))
            if status is not None:
                snap.phase_ids[status] = record.id
        snap.task_phase_ids = {
            str(r.get("Code")): r.id for r in read(sets.task_phase, queries.phases(schema))
        }
        snap.age_groups = _codes(read(sets.age_group, queries.options(schema)))
        snap.target_groups = _codes(read(sets.target_group, queries.options(schema)))
    for prefix in task_prefixes:
        for record in read(sets.task, queries.tasks(schema, prefix)):
            snap.tasks[str(record.get("ImportId"))] = record.id
    return snap


def _codes(records: Iterable[Record]) -> dict[str, bool]:
    return {str(r.get("Code")): r.get("IsActive") is not False for r in records if r.get("Code")}
