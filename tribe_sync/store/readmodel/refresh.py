"""Keeping the read model fresh: per set, a delta by `LastMutationDate`, or a full re-read.

A delta asks each set for `LastMutationDate ge` its cursor minus `overlap` (clock skew between Tribe
and us, records committed late), ordered and paged like every read, and upserts by ID: with nothing
changed that is one GET per set. The cursor is *our* clock when the last read of the set began, not
the newest `LastMutationDate` seen: many records share one date (an import, a bulk edit), and a
cursor on that date would read them all again on every delta for as long as nothing newer happens.
A record changed during or after a read carries a date after the read began, give or take the
clock skew the overlap covers, so the next delta still sees it.

A delta cannot see deletions, nor a change to a nested record that does not move its parent's
`LastMutationDate` (a request's product-line quantity, an organisation's name): the full refresh
re-reads everything, replaces what it read and removes the rows it did not see. The daemon runs it
nightly; `mirror refresh --full` any time.

What is stored never includes a person's name, e-mail address or phone number, nor a request's
delivery contact, address or explanation. A request's delivery fields are read, as the jobs read
them, only to check the programme's rules (a Dutch phone number and postcode, an adult age group):
a broken rule is kept as a problem naming the field, never the value it held.

After each set, what the rules derive from it (forecast states, stock and the problems its rules
find, requests made for a closed month) is worked out again for what changed, in the transaction that
moves the cursor (`derived.py`).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, Table, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync import interrupts
from tribe_sync.client.odata import Expand, F, Query
from tribe_sync.client.wire import Record, parse_moment
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.validation import Catalogue, validate_request
from tribe_sync.errors import CRMError, LockHeldError, StoreError
from tribe_sync.mappers import queries
from tribe_sync.mappers.errors import Unmappable
from tribe_sync.mappers.naming import name_problems
from tribe_sync.mappers.read import (
    map_all,
    problem_naming,
    to_forecast,
    to_month,
    to_organisation,
    to_processor,
    to_product,
    to_report,
    to_request,
)
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.store.journal import Journal
from tribe_sync.store.readmodel.derived import (
    ALL,
    derive_forecast_states,
    derive_month_problems,
    derive_stock,
)
from tribe_sync.store.tables import (
    mirror_catalogue,
    mirror_forecasts,
    mirror_months,
    mirror_organisations,
    mirror_problems,
    mirror_reports,
    mirror_requests,
    mirror_sets,
    mirror_tasks,
)
from tribe_sync.store.upsert import upsert_into

__all__ = ["Freshness", "Mirror", "MirrorSet", "RecordReader", "RefreshMode", "SetRefresh"]

BATCH = 500  # rows upserted per statement; pages arrive 100 at a time
REFRESH_CLAIM = "mirror:refresh"
CLAIM_TTL = dt.timedelta(minutes=30)  # a crashed refresh's claim expires; a full one at 10x takes minutes


class MirrorSet(StrEnum):
    """The sets, in the order a refresh reads them: months before requests, so that a request is
    checked against its month as the CRM holds it now."""

    ORGANISATIONS = "organisations"
    MONTHS = "months"
    REQUESTS = "requests"
    FORECASTS = "forecasts"
    REPORTS = "reports"
    TASKS = "tasks"


class RefreshMode(StrEnum):
    DELTA = "delta"
    FULL = "full"


class RecordReader(Protocol):
    """What the refresh needs of the CRM client: one paged, ordered read."""

    def iter_records(self, entity_set: str, query: Query | None = None) -> Iterator[Record]: ...


# The sets whose problems a set's refresh derives besides its own: a month's closing those of the
# requests made for it; the stock rules, from requests and reports, those of both (a request's reports
# above what it received is the request's problem, a report for a request not delivered the report's).
DERIVES_PROBLEMS_OF: dict[MirrorSet, tuple[MirrorSet, ...]] = {
    MirrorSet.MONTHS: (MirrorSet.REQUESTS,),
    MirrorSet.REQUESTS: (MirrorSet.REPORTS,),
    MirrorSet.REPORTS: (MirrorSet.REQUESTS,),
}


@dataclass(frozen=True)
class SetRefresh:
    """What one refresh of one set did: `read` records, `removed` rows; `problems` is what the set
    holds afterwards, as `mirror status` counts it (derived ones such as a request made for a month
    already closed included), not only those found in the records this refresh read."""

    name: MirrorSet
    mode: RefreshMode
    read: int
    problems: int
    removed: int
    cursor: dt.datetime | None


@dataclass(frozen=True)
class Freshness:
    """What a view is about to show: the read model as of `as_of`. `under_way`: it was due, but
    another process is refreshing it, and this is what it holds meanwhile. `unreachable`: it was due,
    but reading the CRM failed with this error, and this is the copy stored before."""

    as_of: dt.datetime
    under_way: bool = False
    unreachable: CRMError | None = None


Row = dict[str, Any]


class CatalogueKind(StrEnum):
    """What the catalogue keeps, by code: products and target groups (what requests are checked
    against), and processors by their supplier relationship's ID, named by their organisation (a
    company, never a person), so that a view names a request's processor without asking the CRM."""

    PRODUCTS = "products"
    TARGET_GROUPS = "target_groups"
    PROCESSORS = "processors"


@dataclass
class _Touched:
    """What one set's refresh changed, for the rules derived from it."""

    organisations: set[str] = field(default_factory=set)
    requests: set[str] = field(default_factory=set)
    months: set[str] = field(default_factory=set)
    processors: set[str] = field(default_factory=set)  # the processors the requests read point at


@dataclass(frozen=True)
class _Spec:
    table: Table
    entity_set: Callable[[TenantSchema], str]
    query: Callable[[TenantSchema, Collection[str]], Query]
    row: Callable[[Record, TenantSchema], Row]
    entity: str  # the Problem's entity name, as jobs report it


def _organisation_row(record: Record, schema: TenantSchema) -> Row:
    o = to_organisation(record, schema)
    return {"id": o.id, "name": o.name, "approved": o.approved}


def _request_row(record: Record, schema: TenantSchema) -> Row:
    return _request_values(to_request(record, schema))


def _request_values(r: Request) -> Row:
    return {
        "id": r.id,
        "number": str(r.number),
        "organisation_id": r.organisation_id,
        "status": r.status.name,
        "quantity": r.quantity,
        "product": r.product_code,
        "month": r.month.code,
        "requested_at": r.requested_at,
        "requested_on": r.requested_on,
        "delivery_date": r.delivery_date,
        "reference": r.reference,
        "processor_id": r.processor_id,
        "processor_confirmed_on": r.processor_confirmed_on,
        "delivered_quantity": r.delivered_quantity,
    }


def _month_row(record: Record, schema: TenantSchema) -> Row:
    m = to_month(record, schema)
    return {
        "id": m.id,
        "month": m.month.code,
        "is_open": m.is_open,
        "capacity": m.capacity,
        "closed_by": m.closed_by.value if m.closed_by else None,
        "closed_reason": m.closed_reason,
        "closed_at": m.closed_at,
    }


def _forecast_row(record: Record, schema: TenantSchema) -> Row:
    f = to_forecast(record, schema)
    return {
        "id": f.id,
        "organisation_id": f.organisation_id,
        "year": f.quarter.year,
        "quarter": f.quarter.number,
        "product": f.product_code,
        "quantity": f.quantity,
        "submitted_at": f.submitted_at,
        "submitted_on": f.submitted_on,
    }


def _report_row(record: Record, schema: TenantSchema) -> Row:
    r = to_report(record, schema)
    return {
        "id": r.id,
        "request_id": r.request_id,
        "handed_out": r.handed_out,
        "reported_at": r.reported_at,
        "reported_on": r.reported_on,
    }


def _task_row(record: Record, schema: TenantSchema) -> Row:
    key = record.get("ImportId")
    if not isinstance(key, str) or not key:
        raise Unmappable("missing_field", field="ImportId")
    phase = record.get("Phase")
    return {"id": record.id, "key": key, "status": phase.get("Code") if isinstance(phase, dict) else None}


def _request_query(schema: TenantSchema, _prefixes: Collection[str]) -> Query:
    """The jobs' request read: its delivery fields are needed to check the rules, never stored."""
    return queries.requests(schema)


def _report_query(schema: TenantSchema, _prefixes: Collection[str]) -> Query:
    full = queries.accountability(schema)
    return full.with_(select=[name for name in full.select if name != schema.tenant.accountability.note])


def _task_query(schema: TenantSchema, prefixes: Collection[str]) -> Query:
    terms = [F("ImportId").startswith(prefix) for prefix in sorted(prefixes)]
    where = terms[0]
    for term in terms[1:]:
        where = where | term
    return Query(select=["ImportId"], filter=where, expand=[Expand("Phase", select=("Code",))])


SPECS: dict[MirrorSet, _Spec] = {
    MirrorSet.ORGANISATIONS: _Spec(
        mirror_organisations,
        lambda s: s.sets.customer,
        lambda s, _: queries.organisations(s),
        _organisation_row,
        "organisation",
    ),
    MirrorSet.REQUESTS: _Spec(
        mirror_requests, lambda s: s.sets.request, _request_query, _request_row, "request"
    ),
    MirrorSet.MONTHS: _Spec(
        mirror_months,
        lambda s: s.sets.delivery_month,
        lambda s, _: queries.months(s),
        _month_row,
        "delivery_month",
    ),
    MirrorSet.FORECASTS: _Spec(
        mirror_forecasts,
        lambda s: s.sets.forecast,
        lambda s, _: queries.forecasts(s),
        _forecast_row,
        "forecast",
    ),
    MirrorSet.REPORTS: _Spec(
        mirror_reports, lambda s: s.sets.accountability, _report_query, _report_row, "accountability"
    ),
    MirrorSet.TASKS: _Spec(mirror_tasks, lambda s: s.sets.task, _task_query, _task_row, "task"),
}


@dataclass
class Mirror:
    """The read model on `engine`, refreshed through `reader` (the CRM client).

    `task_prefixes` are the `ImportId` prefixes of the tasks our jobs create (the composition root
    passes them: the store knows no job). One refresh at a time on the whole store: a refresh holds
    the claim `mirror:refresh` in the journal (a full refresh removes the rows it did not write
    itself, so two at once could remove each other's), and a process that finds it taken waits for
    it up to `wait`; a reader that still finds it taken reads what the other refresh has written.
    A claim whose holder `is_dead` (a process on this host that no longer exists: killed) is taken
    over at once instead of waiting for it to expire."""

    engine: Engine
    reader: RecordReader
    schema: TenantSchema
    clock: Callable[[], dt.datetime]
    overlap: dt.timedelta = dt.timedelta(minutes=2)
    task_prefixes: Collection[str] = ()
    adult_age_groups: Collection[str] = ()
    holder: str = "tribe-sync"
    is_dead: Callable[[str], bool] = lambda _holder: False
    wait: dt.timedelta = dt.timedelta(seconds=30)
    sleep: Callable[[float], None] = time.sleep
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def sets(self) -> tuple[MirrorSet, ...]:
        return tuple(s for s in MirrorSet if s is not MirrorSet.TASKS or self.task_prefixes)

    # -- refreshing ----------------------------------------------------------------------------

    def refresh(
        self,
        sets: Iterable[MirrorSet] | None = None,
        *,
        full: bool = False,
        wait: dt.timedelta | None = None,
        on_wait: Callable[[LockHeldError], None] | None = None,
        done: list[SetRefresh] | None = None,
    ) -> list[SetRefresh]:
        """Refresh `sets` (default all): a delta, or a full re-read for `full` or a set never read.

        Another process's refresh is waited for up to `wait` (default `self.wait`); `on_wait` is told
        once, when the waiting begins. Each set is appended to `done` as it is finished, so a caller
        that is interrupted or fails halfway knows which sets were kept."""
        chosen = [s for s in self.sets() if sets is None or s in set(sets)]
        finished: list[SetRefresh] = []
        # Ctrl+C stops it between records and sets, never inside a write or a worker's lock
        # (`tribe_sync.interrupts`): the claim is then released and the store left unlocked.
        with (
            interrupts.deferred() as interrupt,
            self._lock,
            self._claimed(self.wait if wait is None else wait, on_wait, interrupt),
        ):
            for name in chosen:
                interrupt.check()
                finished.append(self._refresh_one(name, full=full, interrupt=interrupt))
                if done is not None:
                    done.append(finished[-1])
        return finished

    @contextmanager
    def _claimed(
        self,
        wait: dt.timedelta,
        on_wait: Callable[[LockHeldError], None] | None,
        interrupt: interrupts.Deferred,
    ) -> Iterator[None]:
        """Hold the store-wide refresh claim; LockHeldError if another process keeps it past `wait`."""
        journal = Journal(self.engine)
        deadline = time.monotonic() + wait.total_seconds()
        told = False
        while True:
            try:
                journal.claim(REFRESH_CLAIM, self.holder, self.clock(), CLAIM_TTL)
                break
            except LockHeldError as held:
                other = held.holder
                if other and self.is_dead(other):
                    if journal.take_over(REFRESH_CLAIM, other, self.holder, self.clock(), CLAIM_TTL):
                        break
                    continue  # someone else took it over first, or it was released meanwhile
                if time.monotonic() >= deadline:
                    raise
                if on_wait is not None and not told:
                    on_wait(held)
                    told = True
                self.sleep(0.25)
                interrupt.check()
        try:
            yield
        finally:
            journal.release(REFRESH_CLAIM, self.holder)

    def _refresh_one(self, name: MirrorSet, *, full: bool, interrupt: interrupts.Deferred) -> SetRefresh:
        spec = SPECS[name]
        started = self.clock()
        state = self._state(name)
        cursor: dt.datetime | None = state["cursor"] if state else None
        mode = (
            RefreshMode.FULL if full or state is None or state["last_full_at"] is None else RefreshMode.DELTA
        )
        query = spec.query(self.schema, self.task_prefixes)
        query = query.with_(
            select=[*query.select, "LastMutationDate"]
            if "LastMutationDate" not in query.select
            else query.select,
            orderby=["LastMutationDate", "ID"],
        )
        if mode is RefreshMode.DELTA and cursor is not None:
            since = F("LastMutationDate").ge(_utc(cursor) - self.overlap)
            query = query.with_(
                filter=since if query.filter is None else query.filter & since, size_hint=False
            )
        read = 0
        touched = _Touched()
        catalogue: list[Catalogue] = []  # read on the first batch of requests that needs it
        try:
            found = self.reader.iter_records(spec.entity_set(self.schema), query)
            for batch in _batches(found, BATCH, interrupt):
                if name is MirrorSet.REQUESTS and not catalogue:
                    catalogue.append(self._catalogue(full=mode is RefreshMode.FULL))
                self._store(name, batch, started, touched, catalogue[0] if catalogue else None)
                read += len(batch)
            if name is MirrorSet.REQUESTS:
                self._processors(full=mode is RefreshMode.FULL, seen=touched.processors)
            with self.engine.begin() as tx:
                removed = 0
                if mode is RefreshMode.FULL:
                    removed = tx.execute(delete(spec.table).where(spec.table.c.synced_at < started)).rowcount
                    tx.execute(
                        delete(mirror_problems).where(
                            mirror_problems.c.set_name == name.value, mirror_problems.c.synced_at < started
                        )
                    )
                self._derive(tx, name, touched, full=mode is RefreshMode.FULL, at=started)
                records = tx.execute(select(func.count()).select_from(spec.table)).scalar_one()
                problem_count = _problem_count(tx, name)
                for other in DERIVES_PROBLEMS_OF.get(name, ()):
                    # What this set derived changed the other set's problems: its count too.
                    tx.execute(
                        update(mirror_sets)
                        .where(mirror_sets.c.name == other.value)
                        .values(problems=_problem_count(tx, other))
                    )
                done = self.clock()
                values: Row = {
                    "cursor": started,
                    "records": records,
                    "problems": problem_count,
                    "last_delta_at": done,
                }
                if mode is RefreshMode.FULL:
                    values["last_full_at"] = done
                stale = state["stale_since"] if state else None
                if stale is not None and _utc(stale) <= started:
                    values["stale_since"] = None
                if state is None:
                    tx.execute(mirror_sets.insert().values(name=name.value, **values))
                else:
                    tx.execute(update(mirror_sets).where(mirror_sets.c.name == name.value).values(**values))
        except SQLAlchemyError as exc:
            raise StoreError(f"the read model could not be refreshed ({name}): {_reason(exc)}") from exc
        return SetRefresh(name, mode, read, problem_count, removed, started)

    def _store(
        self,
        name: MirrorSet,
        batch: list[Record],
        started: dt.datetime,
        touched: _Touched,
        catalogue: Catalogue | None,
    ) -> int:
        """Upsert one batch: rows that map, and a problem for each record that does not and for each
        rule a request breaks; notes in `touched` what the derived rules must look at again. Returns
        the number of problems."""
        spec = SPECS[name]
        rows, problems, good_ids, bad_ids = [], [], [], []
        number_of = name is MirrorSet.REQUESTS
        for record in batch:
            mutated = _moment(record)
            number = record.get("Number") if number_of else None
            number = number if isinstance(number, str) else None
            request: Request | None = None
            try:
                if number_of:
                    request = to_request(record, self.schema)
                    row = _request_values(request)
                else:
                    row = spec.row(record, self.schema)
            except Unmappable as exc:
                naming = problem_naming(record, spec.entity, self.schema)
                found = problem(exc.code, spec.entity, record.id, **naming, **exc.params)
                problems.append((record.id, number, found, False))
                bad_ids.append(record.id)
                continue
            if request is not None and catalogue is not None:
                for broken in validate_request(request, catalogue):
                    problems.append((record.id, number, broken, True))
            rows.append({**row, "mutated_at": mutated, "synced_at": started})
            good_ids.append(record.id)
        problem_rows = [
            _problem_row(name, record_id, number, named, started, mapped=mapped)
            for (record_id, number, _, mapped), named in zip(
                problems, self._named([p for _, _, p, _ in problems]), strict=True
            )
        ]
        ids = [record.id for record in batch]
        with self.engine.begin() as tx:
            self._note_touched(tx, name, ids, rows, touched)
            _upsert(tx, spec.table, rows, ["id"])
            if bad_ids:
                tx.execute(delete(spec.table).where(spec.table.c.id.in_(bad_ids)))
            # A record's problems are what this read found: the ones it no longer has go.
            tx.execute(
                delete(mirror_problems).where(
                    mirror_problems.c.set_name == name.value, mirror_problems.c.record_id.in_(ids)
                )
            )
            _upsert(tx, mirror_problems, problem_rows, ["set_name", "record_id", "code"])
        return len(problems)

    @staticmethod
    def _note_touched(
        tx: Connection, name: MirrorSet, ids: list[str], rows: list[Row], touched: _Touched
    ) -> None:
        """The organisations (requests, months) whose derived rows this batch may change: those of
        the rows as they were and as they are now."""
        if name is MirrorSet.FORECASTS or name is MirrorSet.REQUESTS:
            table = SPECS[name].table
            touched.organisations |= {row["organisation_id"] for row in rows}
            touched.organisations |= set(
                tx.execute(select(table.c.organisation_id).where(table.c.id.in_(ids))).scalars()
            )
            if name is MirrorSet.REQUESTS:
                touched.requests |= set(ids)
                touched.processors |= {row["processor_id"] for row in rows if row["processor_id"]}
        elif name is MirrorSet.REPORTS:
            r, a = mirror_requests, mirror_reports
            request_ids = {row["request_id"] for row in rows}
            request_ids |= set(tx.execute(select(a.c.request_id).where(a.c.id.in_(ids))).scalars())
            touched.organisations |= set(
                tx.execute(select(r.c.organisation_id).where(r.c.id.in_(sorted(request_ids)))).scalars()
            )
        elif name is MirrorSet.MONTHS:
            touched.months |= {row["month"] for row in rows}
            touched.months |= set(
                tx.execute(select(mirror_months.c.month).where(mirror_months.c.id.in_(ids))).scalars()
            )

    @staticmethod
    def _derive(tx: Connection, name: MirrorSet, touched: _Touched, *, full: bool, at: dt.datetime) -> None:
        """Work out again what the programme's rules derive from this set (everything after a full
        read, which may also have removed rows)."""
        organisations = ALL if full else touched.organisations
        if name is MirrorSet.FORECASTS:
            derive_forecast_states(tx, organisations)
        elif name is MirrorSet.REQUESTS:
            derive_stock(tx, organisations, at=at)
            derive_month_problems(tx, at, request_ids=ALL if full else touched.requests)
        elif name is MirrorSet.REPORTS:
            derive_stock(tx, organisations, at=at)
        elif name is MirrorSet.MONTHS:
            derive_month_problems(tx, at, months=ALL if full else touched.months)

    def _catalogue(self, *, full: bool) -> Catalogue:
        """What requests are checked against. Products and target groups are read from the CRM with a
        full refresh (or when none are kept yet) and kept; a delta uses the kept ones. The month
        check is derived apart (`derive_month_problems`): a month can close after its requests."""
        c = mirror_catalogue
        kinds = [CatalogueKind.PRODUCTS.value, CatalogueKind.TARGET_GROUPS.value]
        with self.engine.connect() as connection:
            found = list(
                connection.execute(
                    select(c.c.kind, c.c.code, c.c.active, c.c.name).where(c.c.kind.in_(kinds))
                )
            )
        kept: list[tuple[str, str, bool]] = [(row.kind, row.code, bool(row.active)) for row in found]
        unnamed = any(row.kind == CatalogueKind.PRODUCTS and row.name is None for row in found)  # pre-0010
        if full or not kept or unnamed:
            sets = self.schema.sets
            products, _ = map_all(
                self.reader.iter_records(sets.product, queries.products(self.schema)),
                to_product,
                self.schema,
                "product",
            )
            groups = self.reader.iter_records(sets.target_group, queries.options(self.schema))
            rows = [
                {"kind": CatalogueKind.PRODUCTS.value, "code": p.code, "active": p.active, "name": p.name}
                for p in products
            ]
            rows += [
                {
                    "kind": CatalogueKind.TARGET_GROUPS.value,
                    "code": str(g.get("Code")),
                    "active": g.get("IsActive") is not False,
                    "name": None,
                }
                for g in groups
                if g.get("Code")
            ]
            unique = {(row["kind"], row["code"]): row for row in rows}
            with self.engine.begin() as tx:
                tx.execute(delete(c).where(c.c.kind.in_(kinds)))
                if unique:
                    tx.execute(insert(c), list(unique.values()))
            kept = [(str(row["kind"]), str(row["code"]), bool(row["active"])) for row in unique.values()]
        return Catalogue(
            adult_age_groups=frozenset(self.adult_age_groups),
            target_groups=frozenset(
                code for kind, code, active in kept if kind == CatalogueKind.TARGET_GROUPS and active
            ),
            products=frozenset(
                code for kind, code, active in kept if kind == CatalogueKind.PRODUCTS and active
            ),
            months={},
        )

    def _processors(self, *, full: bool, seen: Collection[str]) -> None:
        """Keep every processor's name in the catalogue, read whole (one small set) with a full
        refresh of the requests, and by a delta only when a request it read points at a processor the
        catalogue does not know (a new one), or when none is kept yet while requests point at one (a
        store filled before processors were kept). A name change or a removed processor waits for the
        full refresh, as an organisation's name does."""
        c, r = mirror_catalogue, mirror_requests
        kind = CatalogueKind.PROCESSORS.value
        if not full:
            with self.engine.connect() as connection:
                known = set(connection.execute(select(c.c.code).where(c.c.kind == kind)).scalars())
                pointed = select(r.c.id).where(r.c.processor_id.is_not(None)).limit(1)
                if known and set(seen) <= known:
                    return
                if not known and connection.execute(pointed).first() is None:
                    return
        schema = self.schema
        processors, _ = map_all(
            self.reader.iter_records(schema.sets.processor, queries.processors(schema)),
            to_processor,
            schema,
            "processor",
        )
        rows = {
            p.id: {"kind": kind, "code": p.id, "active": p.active, "name": p.name or None} for p in processors
        }
        with self.engine.begin() as tx:
            tx.execute(delete(c).where(c.c.kind == kind))
            if rows:
                tx.execute(insert(c), list(rows.values()))

    def _named(self, found: list[Problem]) -> list[Problem]:
        """Name the records that point at the one staff know (a forecast's organisation, a report's
        request) from what the read model already holds: organisations are refreshed first."""
        if not found:
            return found
        request_ids = {str(p.context["request_id"]) for p in found if p.context.get("request_id")}
        o, r = mirror_organisations, mirror_requests
        with self.engine.connect() as connection:
            requests = {
                row.id: (row.number, row.organisation_id)
                for row in connection.execute(
                    select(r.c.id, r.c.number, r.c.organisation_id).where(r.c.id.in_(request_ids))
                )
            }
            organisation_ids = {str(p.context.get("organisation_id") or "") for p in found}
            organisation_ids |= {organisation for _, organisation in requests.values()}
            organisations = {
                row.id: row.name
                for row in connection.execute(select(o.c.id, o.c.name).where(o.c.id.in_(organisation_ids)))
            }
        return name_problems(found, organisations, requests)

    def mark_stale(self, sets: Iterable[MirrorSet], at: dt.datetime) -> None:
        """A webhook said these sets changed: the next reader refreshes them whatever their age."""
        try:
            with self.engine.begin() as tx:
                for name in sets:
                    tx.execute(
                        update(mirror_sets)
                        .where(mirror_sets.c.name == name.value, mirror_sets.c.stale_since.is_(None))
                        .values(stale_since=at)
                    )
        except SQLAlchemyError as exc:
            raise StoreError(f"the read model could not be marked stale: {_reason(exc)}") from exc

    # -- state -----------------------------------------------------------------------------------

    def _state(self, name: MirrorSet) -> Mapping[str, Any] | None:
        try:
            with self.engine.connect() as connection:
                row = connection.execute(select(mirror_sets).where(mirror_sets.c.name == name.value)).first()
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the read model's state: {_reason(exc)}") from exc
        return dict(row._mapping) if row is not None else None

    def status(self) -> list[Mapping[str, Any]]:
        """Per set: cursor, last delta and full refresh, records, problems, stale since."""
        found: dict[str, Mapping[str, Any]] = {}
        try:
            with self.engine.connect() as connection:
                for row in connection.execute(select(mirror_sets)):
                    found[row.name] = dict(row._mapping)
        except SQLAlchemyError as exc:
            raise StoreError(f"cannot read the read model's state: {_reason(exc)}") from exc
        return [found.get(name.value, {"name": name.value}) for name in self.sets()]

    def as_of(self, sets: Iterable[MirrorSet]) -> dt.datetime | None:
        """When the oldest of `sets` was last refreshed; None if one never was."""
        wanted = {name.value for name in sets}
        moments = [row.get("last_delta_at") for row in self.status() if row["name"] in wanted]
        if not moments or any(m is None for m in moments):
            return None
        return min(_utc(m) for m in moments if m is not None)

    def ensure_fresh(
        self,
        sets: Collection[MirrorSet],
        max_age: dt.timedelta,
        *,
        on_first_fill: Callable[[list[MirrorSet]], None] | None = None,
        on_whole_read: Callable[[list[MirrorSet]], None] | None = None,
    ) -> Freshness:
        """Refresh (by delta; a set never read fully is read fully) the sets that are older than
        `max_age` or marked stale, and say how fresh the oldest of them now is.

        Once every set has been read, a view never waits for the CRM nor for someone else's refresh:
        when another process is refreshing, or the CRM cannot be read, the copy the store holds is
        what there is (`Freshness.under_way`, `.unreachable`). Only a set never read has nothing to
        show: then `on_first_fill` is told which (reading them whole takes a while at scale), another
        refresh is waited for, and a failure is raised. A set read before but due for a whole read
        (a revision asked for one) is read whole too: `on_whole_read` is told which, before it starts."""
        now = self.clock()
        due, never, whole = [], [], []
        for row in self.status():
            if row["name"] not in {s.value for s in sets}:
                continue
            last = row.get("last_delta_at")
            if last is None:
                never.append(MirrorSet(row["name"]))
            elif row.get("last_full_at") is None:
                whole.append(MirrorSet(row["name"]))
            if last is None or row.get("stale_since") is not None or now - _utc(last) > max_age:
                due.append(MirrorSet(row["name"]))
        under_way, unreachable = False, None
        if due:
            if never and on_first_fill is not None:
                on_first_fill(never)
            if whole and on_whole_read is not None:
                on_whole_read(whole)
            try:
                self.refresh(due, wait=None if never else dt.timedelta(0))
            except LockHeldError:
                if never:
                    raise
                under_way = True
            except CRMError as exc:
                if never:
                    raise
                unreachable = exc
        as_of = self.as_of(sets)
        assert as_of is not None, "every set was refreshed at least once"
        return Freshness(as_of, under_way=under_way, unreachable=unreachable)


def _problem_row(
    name: MirrorSet, record_id: str, number: str | None, found: Problem, at: dt.datetime, *, mapped: bool
) -> Row:
    return {
        "set_name": name.value,
        "record_id": record_id,
        "code": found.code,
        "number": number,
        "label": (found.label or number or "")[:255] or None,
        "mapped": mapped,
        "message": found.message,
        "message_nl": found.message_nl,
        "synced_at": at,
    }


def _batches(records: Iterator[Record], size: int, interrupt: interrupts.Deferred) -> Iterator[list[Record]]:
    """`records` in lists of `size`; a Ctrl+C is taken between two records (each page's wait)."""
    batch: list[Record] = []
    for record in records:
        interrupt.check()
        batch.append(record)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _upsert(tx: Connection, table: Table, rows: list[Row], keys: list[str]) -> None:
    if not rows:
        return
    statement = upsert_into(tx.dialect.name, table)
    statement = statement.on_conflict_do_update(
        index_elements=keys,
        set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys},
    )
    tx.execute(statement, rows)


def _moment(record: Record) -> dt.datetime | None:
    try:
        return parse_moment(record.get("LastMutationDate"))
    except ValueError:
        return None


def _utc(value: dt.datetime) -> dt.datetime:
    # SQLite gives naive datetimes back; everything stored is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return str(original or exc).splitlines()[0]


def _problem_count(tx: Connection, name: MirrorSet) -> int:
    p = mirror_problems
    return int(tx.execute(select(func.count()).select_from(p).where(p.c.set_name == name.value)).scalar_one())
