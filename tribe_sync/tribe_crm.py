"""The executor's CRM protocol (`jobs.ports.CRM`) spoken to Tribe: snapshot reads with one paged
read per set, filtered re-reads (one call per 40 IDs, never one per record), and typed writes turned
into only the changed fields in the tenant's names."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from functools import partial
from typing import Any

from tribe_sync.client.odata import Expand, F, Query, any_of
from tribe_sync.client.tribe import TribeClient
from tribe_sync.client.wire import Record
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.domain.tasks import TaskIntent
from tribe_sync.errors import ResponseValidationError
from tribe_sync.jobs.plan import CreateMonth, CreateTask, MoveStatus, RecordConfirmation, SetMonth, SetTask
from tribe_sync.jobs.snapshot import PARTS, Snapshot
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
from tribe_sync.mappers.write import (
    month_close_body,
    month_create_body,
    month_open_body,
    phase_body,
    processor_confirmation_body,
    ref,
    task_body,
)

__all__ = ["TribeCRM", "load_snapshot"]

# The snapshot parts whose records a saved plan's digest lists (see `Snapshot.seen`).
RECORD_PARTS = (
    "organisations",
    "contacts",
    "requests",
    "months",
    "forecasts",
    "reports",
    "products",
    "processors",
)
_ID_CHUNK = 40  # values per `or` chain: keeps URLs well under common limits


class TribeCRM:
    def __init__(self, client: TribeClient, schema: TenantSchema) -> None:
        self.client = client
        self.schema = schema
        self._task_phases: dict[str, str] = {}  # task phase IDs by code, read once when a write needs one

    def snapshot(
        self, parts: Collection[str], task_prefixes: Collection[str] = (), *, digest: bool = False
    ) -> Snapshot:
        return load_snapshot(self.client, self.schema, parts, task_prefixes, digest=digest)

    def current_phases(self, request_ids: Collection[str]) -> dict[str, RequestStatus | None]:
        """One filtered read per 40 IDs, side by side."""
        wanted = sorted(set(request_ids))
        chunks = {start: wanted[start : start + _ID_CHUNK] for start in range(0, len(wanted), _ID_CHUNK)}
        phases: dict[str, RequestStatus | None] = {}
        for found in self.client.side_by_side(
            {str(start): partial(self._phases, chunk) for start, chunk in chunks.items()}
        ).values():
            phases.update(found)
        return phases

    def _phases(self, ids: list[str]) -> dict[str, RequestStatus | None]:
        chunk = [uuid.UUID(i) for i in ids]
        query = Query(filter=any_of(F("ID"), chunk), select=["ID"], expand=[Expand("Phase", select=["Code"])])
        phases: dict[str, RequestStatus | None] = {}
        for found, record in enumerate(self.client.iter_records(self.schema.sets.request, query), 1):
            phase = record.get("Phase")
            code = phase.get("Code") if isinstance(phase, dict) else None
            phases[record.id] = self.schema.status_by_code.get(str(code))
            if found == len(chunk):
                break  # every ID asked for is here: no need for the empty page that would confirm it
        return phases

    def current_months(self) -> dict[Month, DeliveryMonth]:
        return self.snapshot({"months"}).months

    def existing_tasks(self, keys: Collection[str]) -> set[str]:
        """One filtered read per 40 keys, side by side."""
        wanted = sorted(set(keys))

        def read(chunk: list[str]) -> set[str]:
            query = Query(filter=any_of(F("ImportId"), chunk), select=["ImportId"])
            return {str(r.get("ImportId")) for r in self.client.iter_records(self.schema.sets.task, query)}

        found: set[str] = set()
        for part in self.client.side_by_side(
            {
                str(start): partial(read, wanted[start : start + _ID_CHUNK])
                for start in range(0, len(wanted), _ID_CHUNK)
            }
        ).values():
            found |= part
        return found

    def requests_by_number(self, numbers: Collection[str]) -> dict[str, Request]:
        return self.look_up_requests(numbers)[0]

    def task_done(self, key: str) -> bool | None:
        found = self._task(key)
        return None if found is None else found[1] == self.schema.tenant.task_phases.done

    def _task(self, key: str) -> tuple[str, str | None] | None:
        """Our task with `ImportId` `key`: its ID and its phase's code."""
        query = Query(
            filter=any_of(F("ImportId"), [key]), select=["ID"], expand=[Expand("Phase", select=["Code"])]
        )
        for record in self.client.iter_records(self.schema.sets.task, query):
            phase = record.get("Phase")
            return record.id, str(phase.get("Code")) if isinstance(phase, dict) else None
        return None

    def _task_phase_id(self, code: str) -> str:
        """A task phase's ID by its code: the phases are read once (a set of a few records that only a
        tenant administrator changes), not once per task marked done."""
        if not self._task_phases:
            records = self.client.iter_records(self.schema.sets.task_phase, queries.phases(self.schema))
            self._task_phases = {str(record.get("Code")): record.id for record in records}
        found = self._task_phases.get(code)
        if found is None:
            raise ResponseValidationError(f"{self.schema.sets.task_phase} has no phase {code!r}")
        return found

    def look_up_requests(self, numbers: Collection[str]) -> tuple[dict[str, Request], dict[str, Problem]]:
        """The requests with these order numbers that map, and the problem of each that exists but
        does not map (by order number): "not a known request" would send staff looking for a typo."""
        wanted = sorted(set(numbers))
        found: dict[str, Request] = {}
        unreadable: dict[str, Problem] = {}
        query = queries.requests(self.schema)
        for start in range(0, len(wanted), _ID_CHUNK):
            chunk = wanted[start : start + _ID_CHUNK]
            records = self.client.iter_records(
                self.schema.sets.request, query.with_(filter=any_of(F("Number"), chunk))
            )
            mapped, problems = map_requests(records, self.schema)
            found.update({str(r.number): r for r in mapped})
            unreadable.update({str(p.label): p for p in problems if p.label in chunk})
        return found, unreadable

    def create(self, change: CreateTask | CreateMonth) -> str:
        schema = self.schema
        if isinstance(change, CreateMonth):
            body = month_create_body(schema, change.month, change.capacity)
            if change.closed_reason:
                body.update(month_close_body(schema, ClosedBy.JOB, change.closed_reason))
            return self.client.create(schema.sets.delivery_month, body).id
        intent = TaskIntent(
            key=change.key,
            subject=change.subject,
            body=change.body,
            start=change.start,
            due=change.due,
            organisation_id=change.organisation_id,
            contact_id=change.contact_id,
            assignee_id=change.assignee_id,
        )
        phase_id = change.phase_id
        if phase_id is None:  # planned from a snapshot without task phases (a job's approval task)
            try:
                phase_id = self._task_phase_id(schema.tenant.task_phases.open)
            except ResponseValidationError:
                phase_id = None  # Tribe has no such phase: the task is made without one
        return self.client.create(schema.sets.task, task_body(intent, open_phase_id=phase_id)).id

    def update(self, change: MoveStatus | SetMonth | RecordConfirmation | SetTask) -> None:
        schema = self.schema
        if isinstance(change, SetTask):
            found = self._task(change.import_id)
            if found is None:
                raise ResponseValidationError(f"there is no task {change.import_id} (any more)")
            phases = schema.tenant.task_phases
            phase = self._task_phase_id(phases.done if change.done else phases.open)
            self.client.update(schema.sets.task, found[0], phase_body(phase))
            return
        if isinstance(change, MoveStatus):
            body = phase_body(change.phase_id)
            if change.month_id is not None:
                body[schema.tenant.request.delivery_month] = ref(change.month_id)
            self.client.update(schema.sets.request, change.request_id, body)
        elif isinstance(change, SetMonth):
            body = (
                month_open_body(schema, change.closed_reason)
                if change.open
                else month_close_body(schema, change.closed_by, change.closed_reason)
            )
            self.client.update(schema.sets.delivery_month, change.month_id, body)
        else:
            body = processor_confirmation_body(schema, change.confirmed_on, change.delivery_date)
            self.client.update(schema.sets.request, change.request_id, body)


def load_snapshot(
    client: TribeClient,
    schema: TenantSchema,
    parts: Collection[str] = PARTS,
    task_prefixes: Collection[str] = (),
    *,
    digest: bool = False,
) -> Snapshot:
    """Read the parts asked for, their sets side by side (the client bounds the calls in flight).

    `digest`: note every record's ID, `LastMutationDate` and a hash of its fields (`Snapshot.seen`),
    which only a saved plan needs. A job's run does without: at 10x scale that is 150,000 entries
    of memory and a JSON dump and a hash per record of CPU.

    Each set is read and mapped on a thread of its own; the snapshot is put together afterwards in a
    fixed order, so that it (and the order of its problems) never depends on which set came first.
    """
    unknown = set(parts) - PARTS
    if unknown:
        raise ValueError(f"unknown snapshot parts: {sorted(unknown)}")
    sets = schema.sets

    seen: dict[str, dict[str, tuple[str | None, str]]] = {part: {} for part in (*RECORD_PARTS, "tasks")}

    def read(entity_set: str, query: Query, part: str = "") -> Iterator[Record]:
        # Streamed: each page is mapped as it arrives, so only the pages in flight are held as wire records.
        records = client.iter_records(entity_set, query)
        return _noted(records, seen[part]) if part and digest else records

    readers: dict[str, Callable[[], Any]] = {}
    if "organisations" in parts:
        readers["organisations"] = lambda: map_all(
            read(sets.customer, queries.organisations(schema), "organisations"),
            to_organisation,
            schema,
            "organisation",
        )
    if "contacts" in parts:
        readers["contacts"] = lambda: map_all(
            read(sets.contact, queries.contacts(schema), "contacts"), to_contact, schema, "contact"
        )
    if "requests" in parts:
        readers["requests"] = lambda: map_requests(
            read(sets.request, queries.requests(schema), "requests"), schema
        )
    if "months" in parts:
        readers["months"] = lambda: map_all(
            read(sets.delivery_month, queries.months(schema), "months"), to_month, schema, "delivery_month"
        )
    if "forecasts" in parts:
        readers["forecasts"] = lambda: map_all(
            read(sets.forecast, queries.forecasts(schema), "forecasts"), to_forecast, schema, "forecast"
        )
    if "reports" in parts:
        readers["reports"] = lambda: map_all(
            read(sets.accountability, queries.accountability(schema), "reports"),
            to_report,
            schema,
            "accountability",
        )
    if "reference" in parts:
        readers["products"] = lambda: map_all(
            read(sets.product, queries.products(schema), "products"), to_product, schema, "product"
        )
        readers["processors"] = lambda: map_all(
            read(sets.processor, queries.processors(schema), "processors"), to_processor, schema, "processor"
        )
        readers["phases"] = lambda: list(read(sets.request_phase, queries.phases(schema)))
        readers["age_groups"] = lambda: _codes(read(sets.age_group, queries.options(schema)))
        readers["target_groups"] = lambda: _codes(read(sets.target_group, queries.options(schema)))
    if "reference" in parts or task_prefixes:
        # A job that makes tasks creates them in the open phase: without the phases a reminder job
        # (which reads no reference data) made tasks Tribe shows with no status at all.
        readers["task_phases"] = lambda: list(read(sets.task_phase, queries.phases(schema)))
    for prefix in task_prefixes:
        readers[f"tasks:{prefix}"] = partial(
            lambda p: list(read(sets.task, queries.tasks(schema, p), "tasks")), prefix
        )
    snap = _assemble(client.side_by_side(readers), schema, task_prefixes)
    snap.seen = {part: records for part, records in seen.items() if records}
    return snap


def _noted(records: Iterable[Record], seen: dict[str, tuple[str | None, str]]) -> Iterator[Record]:
    """Note each record's ID, `LastMutationDate` and a hash of what was read, as it streams past."""
    for record in records:
        fields = json.dumps(record.model_dump(by_alias=True), sort_keys=True, default=str)
        changed = record.get("LastMutationDate")
        seen[record.id] = (
            str(changed) if changed is not None else None,
            hashlib.sha256(fields.encode()).hexdigest()[:16],
        )
        yield record


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
        snap.age_groups = got["age_groups"]
        snap.target_groups = got["target_groups"]
    if "task_phases" in got:
        snap.task_phase_ids = {str(r.get("Code")): r.id for r in got["task_phases"]}
    for prefix in task_prefixes:
        for record in got[f"tasks:{prefix}"]:
            snap.tasks[str(record.get("ImportId"))] = record.id
    snap.problems = snap.named(snap.problems)  # the sets were read side by side: name them now
    return snap


def _codes(records: Iterable[Record]) -> dict[str, bool]:
    return {str(r.get("Code")): r.get("IsActive") is not False for r in records if r.get("Code")}
