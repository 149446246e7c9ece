"""The sandbox's records: kept in memory for speed, persisted to SQLite so a `--db` file survives
restarts. Filtered, ordered ID lists are cached per query until the next write, so paging through
36,000 requests costs one scan, not one per page."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import uuid
from collections.abc import Iterable
from typing import Any

from tribe_sync.sandbox.errors import ODataError
from tribe_sync.sandbox.query import (
    ReadQuery,
    apply_order,
    compile_filter,
    ids_named_by,
    shape,
    sort_key_for,
)
from tribe_sync.sandbox.tenant import SETS, EntitySet

__all__ = ["SandboxStore", "utc_stamp"]

Record = dict[str, Any]
READ_ONLY = {"_Type", "_Name", "CreationDate", "LastMutationDate"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def utc_stamp(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class SandboxStore:
    def __init__(self, path: str = ":memory:") -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS records"
            " (entity_set TEXT NOT NULL, id TEXT NOT NULL, body TEXT NOT NULL, PRIMARY KEY (entity_set, id))"
        )
        self._sets: dict[str, dict[str, Record]] = {name: {} for name in SETS}
        self._cache: dict[tuple[str, str | None, str | None], list[str]] = {}
        for entity_set, body in self._db.execute("SELECT entity_set, body FROM records"):
            if entity_set in self._sets:
                record = json.loads(body)
                self._sets[entity_set][record["ID"]] = record

    # -- reading -------------------------------------------------------------------------------

    def is_empty(self) -> bool:
        return not any(self._sets.values())

    def get(self, entity_set: str, record_id: str) -> Record | None:
        return self._sets.get(entity_set, {}).get(record_id.lower() if record_id else record_id)

    def all(self, entity_set: str) -> list[Record]:
        return list(self._sets[self._known(entity_set).name].values())

    def count(self, entity_set: str, query: ReadQuery) -> int:
        return len(self._matching_ids(self._known(entity_set), query))

    def read(self, entity_set: str, query: ReadQuery, max_page: int) -> list[Record]:
        es = self._known(entity_set)
        ids = self._matching_ids(es, query)
        top = max_page if query.top is None else min(query.top, max_page)
        rows = self._sets[es.name]
        return [
            shape(rows[i], es, query.select, query.expand, self) for i in ids[query.skip : query.skip + top]
        ]

    def read_one(self, entity_set: str, record_id: str, query: ReadQuery) -> Record:
        es = self._known(entity_set)
        record = self.get(es.name, record_id)
        if record is None:
            raise ODataError(404, "NotFound", f"No {es.name} with ID {record_id}.")
        return shape(record, es, query.select, query.expand, self)

    def _matching_ids(self, es: EntitySet, query: ReadQuery) -> list[str]:
        key = (es.name, query.filter, query.orderby)
        cached = self._cache.get(key)
        if cached is None:
            every = self._sets[es.name]
            named = ids_named_by(query.filter) if query.filter else None
            if named is not None:  # a look-up by ID: those records, not a pass over the whole set
                rows = sorted((every[i] for i in named if i in every), key=lambda r: str(r["ID"]))
            else:
                rows = list(every.values())
            if query.filter:
                keep = compile_filter(query.filter, es, self)
                rows = [r for r in rows if keep(r)]
            if query.orderby:
                rows = apply_order(rows, sort_key_for(query.orderby, es, self))
            cached = self._cache[key] = [r["ID"] for r in rows]
        return cached

    # -- writing -------------------------------------------------------------------------------

    def insert_many(self, entity_set: str, records: Iterable[Record]) -> None:
        """Bulk load (the generator): trusted records, written as they are."""
        rows = self._sets[entity_set]
        batch = []
        for record in records:
            rows[record["ID"]] = record
            batch.append((entity_set, record["ID"], json.dumps(record)))
        self._db.executemany("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", batch)
        self._cache.clear()

    def create(self, entity_set: str, body: Record, now: dt.datetime) -> Record:
        es = self._known(entity_set)
        if body.get("ID") and self.get(es.name, str(body["ID"])):
            # Tribe: a POST with the ID of an existing record updates it.
            return self.update(es.name, str(body["ID"]), {k: v for k, v in body.items() if k != "ID"}, now)
        record: Record = {"ID": str(uuid.uuid4()), "_Type": es.type, "CreationDate": utc_stamp(now)}
        record.update(self._validated(es, body))
        return self._save(es, record, now)

    def update(self, entity_set: str, record_id: str, changes: Record, now: dt.datetime) -> Record:
        es = self._known(entity_set)
        current = self.get(es.name, record_id)
        if current is None:
            raise ODataError(404, "NotFound", f"No {es.name} with ID {record_id}.")
        return self._save(es, {**current, **self._validated(es, changes)}, now)

    def delete(self, entity_set: str, record_id: str) -> None:
        es = self._known(entity_set)
        if self._sets[es.name].pop(record_id.lower(), None) is None:
            raise ODataError(404, "NotFound", f"No {es.name} with ID {record_id}.")
        self._db.execute("DELETE FROM records WHERE entity_set = ? AND id = ?", (es.name, record_id.lower()))
        self._cache.clear()

    def _save(self, es: EntitySet, record: Record, now: dt.datetime) -> Record:
        record["LastMutationDate"] = utc_stamp(now)
        record["_Name"] = record.get(es.name_from) if es.name_from else record.get("_Name")
        self._sets[es.name][record["ID"]] = record
        self._db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (es.name, record["ID"], json.dumps(record))
        )
        self._cache.clear()
        return shape(record, es, [], [], self)

    def _validated(self, es: EntitySet, body: Record) -> Record:
        clean: Record = {}
        for name, value in body.items():
            if name == "ID" or name in READ_ONLY:
                continue
            if name in es.navs:
                clean[name] = self._reference(es, name, value)
            elif name in es.props:
                clean[name] = _typed(name, es.props[name], value)
            else:
                raise ODataError(
                    400, "BadRequest", f"The property '{name}' does not exist on type '{es.name}'."
                )
        return clean

    def _reference(self, es: EntitySet, name: str, value: Any) -> Any:
        nav = es.navs[name]
        refs = value if nav.many else [value]
        if nav.many and not isinstance(value, list):
            raise ODataError(400, "BadRequest", f"'{name}' is a collection; write a list of {{\"ID\": ...}}.")
        ids = []
        for ref in refs:
            if ref is None and not nav.many:
                return None
            target_id = ref.get("ID") if isinstance(ref, dict) else None
            if not isinstance(target_id, str) or self.get(nav.target, target_id) is None:
                raise ODataError(
                    400, "BadRequest", f"'{name}' must reference an existing {nav.target} by ID."
                )
            ids.append(target_id.lower())
        return ids if nav.many else ids[0]

    def _known(self, entity_set: str) -> EntitySet:
        es = SETS.get(entity_set)
        if es is None:
            raise ODataError(404, "NotFound", f"The entity set '{entity_set}' does not exist.")
        return es


def _typed(name: str, edm: str, value: Any) -> Any:
    if value is None:
        return None
    ok = {
        "Edm.String": isinstance(value, str),
        "Edm.Guid": isinstance(value, str),
        "Edm.Int32": isinstance(value, int) and not isinstance(value, bool),
        "Edm.Boolean": isinstance(value, bool),
        "Edm.Date": isinstance(value, str) and bool(_DATE.match(value[:10])),
        "Edm.DateTimeOffset": isinstance(value, str) and bool(_DATE.match(value[:10])),
    }.get(edm, True)
    if not ok:
        raise ODataError(400, "BadRequest", f"The value for '{name}' is not a valid {edm}.")
    return value[:10] if edm == "Edm.Date" else value
