"""The run journal: what ran when, which change keys were carried out, and who changed what, why.

SQLAlchemy's exceptions are translated into `StoreError` here and nowhere else. All timestamps are
given by the caller (time is injected); the journal never reads the clock.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, Select, create_engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.pool import StaticPool

from tribe_sync.errors import LockHeldError, StoreError
from tribe_sync.store.schema import ensure_current, store_error
from tribe_sync.store.tables import applied, audit, claims, runs

__all__ = ["AuditEntry", "Journal", "open_journal", "safe_url", "store_engine"]

AuditEntry = dict[str, Any]
_KEYS_PER_QUERY = 500  # well under SQLite's and PostgreSQL's limits on bound parameters


def open_journal(url: str) -> Journal:
    """A journal at `url` (`sqlite:///path`, `sqlite://` in memory, `postgresql+psycopg://…`), created
    (migrated to the head revision) if the store is new, refused with StoreSchemaError if it is at any
    other revision (see `tribe_sync.store.schema`). A SQLite file's folder is made on the way."""
    engine = store_engine(url)
    try:
        ensure_current(engine, f"the store at {safe_url(url)}")
    except (SQLAlchemyError, OSError) as exc:
        engine.dispose()
        raise store_error(f"cannot open the journal at {safe_url(url)}", exc) from exc
    except StoreError:
        engine.dispose()
        raise
    return Journal(engine)


def store_engine(url: str) -> Engine:
    """An engine on the store at `url`, without looking at its schema (`store upgrade` needs that)."""
    try:
        if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
            _create_private_file(Path(url.removeprefix("sqlite:///").partition("?")[0]).expanduser())
        if url in ("sqlite://", "sqlite:///:memory:"):
            return create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
        return create_engine(url, pool_pre_ping=True)
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise store_error(f"cannot open the journal at {safe_url(url)}", exc) from exc


def _create_private_file(path: Path) -> None:
    """Make a new SQLite store's file `0600` (and folders it needs `0750`) before SQLite opens it,
    whatever the umask: it holds the console's session key, password hashes and the audit trail, which
    no other user on the machine may read. An existing file keeps the mode its operator gave it; SQLite
    gives its journal and WAL files the mode of the store."""
    missing = [folder for folder in (path.parent, *path.parent.parents) if not folder.exists()]
    for folder in reversed(missing):
        folder.mkdir(exist_ok=True)
        folder.chmod(0o750)
    try:
        handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    try:
        os.fchmod(handle, 0o600)
    finally:
        os.close(handle)


class Journal:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._lock = threading.Lock()
        # An in-memory journal is one connection shared by every thread (a run and its claim keeper):
        # its transactions take turns.
        self._one_at_a_time = threading.RLock() if isinstance(engine.pool, StaticPool) else None

    @contextmanager
    def _tx(self, conflict: type[StoreError] = StoreError) -> Iterator[Connection]:
        """One transaction; a unique-key conflict becomes `conflict`, any other failure StoreError."""
        try:
            with self._one_at_a_time or contextlib.nullcontext(), self.engine.begin() as connection:
                yield connection
        except IntegrityError as exc:
            raise conflict(f"the journal refused a duplicate: {_reason(exc)}") from exc
        except SQLAlchemyError as exc:
            raise StoreError(f"the journal failed: {_reason(exc)}") from exc

    # -- runs ----------------------------------------------------------------------------------

    def start_run(
        self,
        job: str,
        today: dt.date,
        at: dt.datetime,
        *,
        dry_run: bool = False,
        holder: str | None = None,
        trigger: str | None = None,
        plan_id: int | None = None,
    ) -> int:
        with self._tx() as tx:
            result = tx.execute(
                insert(runs).values(
                    job=job,
                    today=today,
                    started_at=at,
                    outcome="running",
                    dry_run=dry_run,
                    counts={},
                    holder=holder,
                    trigger=trigger,
                    plan_id=plan_id,
                )
            )
            return int(result.inserted_primary_key[0])  # type: ignore[index]

    def finish_run(
        self,
        run_id: int,
        at: dt.datetime,
        outcome: str,
        counts: dict[str, int],
        error: str | None = None,
        notes: dict[str, list[dict[str, str]]] | None = None,
    ) -> None:
        """`notes`: the run's problems and held-back decisions by code and name (see tables.runs)."""
        with self._tx() as tx:
            tx.execute(
                update(runs)
                .where(runs.c.id == run_id)
                .values(finished_at=at, outcome=outcome, counts=counts, error=error, notes=notes)
            )

    def last_success(self, job: str) -> dt.datetime | None:
        """When the job last finished a run that was not a failure (problems included)."""
        with self._tx() as tx:
            value = tx.execute(
                select(func.max(runs.c.finished_at)).where(
                    runs.c.job == job, runs.c.outcome.in_(("ok", "problems")), runs.c.dry_run.is_(False)
                )
            ).scalar()
        return _aware(value)

    def runs(
        self,
        job: str | None = None,
        limit: int = 50,
        *,
        since: dt.datetime | None = None,
        outcome: str | None = None,
        offset: int = 0,
    ) -> list[dict[str, Any]]:
        """The latest runs, newest first (of one job, with one outcome, started at or after `since`,
        if given), `limit` of them from the `offset`-th (a page of the console's Runs)."""
        listed = select(*[c for c in runs.c if c.name != "notes"])  # a page's worth, not every problem
        query = _runs_of(listed, job, since, outcome).order_by(runs.c.id.desc()).limit(limit)
        with self._tx() as tx:
            return [_run_row(row._mapping) for row in tx.execute(query.offset(offset))]

    def run_count(self, job: str | None = None, *, outcome: str | None = None) -> int:
        """How many runs `runs` would return without a limit."""
        query = _runs_of(select(func.count()).select_from(runs), job, None, outcome)
        with self._tx() as tx:
            return int(tx.execute(query).scalar_one())

    def run(self, run_id: int) -> dict[str, Any] | None:
        with self._tx() as tx:
            found = tx.execute(select(runs).where(runs.c.id == run_id)).first()
        return _run_row(found._mapping) if found else None

    def get_run(self, run_id: int) -> dict[str, Any] | None:
        with self._tx() as tx:
            row = tx.execute(select(runs).where(runs.c.id == run_id)).first()
        return dict(row._mapping) if row else None

    # -- change keys ---------------------------------------------------------------------------

    def state_of(self, key: str) -> tuple[str, str | None] | None:
        """(state, detail) of a change key, or None if it was never recorded."""
        with self._tx() as tx:
            row = tx.execute(select(applied.c.state, applied.c.detail).where(applied.c.key == key)).first()
        return (row.state, row.detail) if row else None

    def states_of(self, keys: Collection[str]) -> dict[str, tuple[str, str | None]]:
        """`state_of` for many keys in a few queries (500 keys each); keys never recorded are absent."""
        wanted = list(dict.fromkeys(keys))
        found: dict[str, tuple[str, str | None]] = {}
        with self._tx() as tx:
            for start in range(0, len(wanted), _KEYS_PER_QUERY):
                rows = tx.execute(
                    select(applied.c.key, applied.c.state, applied.c.detail).where(
                        applied.c.key.in_(wanted[start : start + _KEYS_PER_QUERY])
                    )
                )
                found.update({row.key: (row.state, row.detail) for row in rows})
        return found

    def keys_with_prefix(self, prefix: str) -> dict[str, tuple[str, str | None]]:
        escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        with self._tx() as tx:
            rows = tx.execute(
                select(applied.c.key, applied.c.state, applied.c.detail).where(
                    applied.c.key.like(f"{escaped}%", escape="\\")
                )
            )
            return {row.key: (row.state, row.detail) for row in rows}

    def mark(
        self, run_id: int, key: str, at: dt.datetime, *, state: str = "done", detail: str | None = None
    ) -> None:
        """Record `key` as carried out (or as an intent, `pending`); a second mark updates it."""
        with self._lock, self._tx() as tx:
            existing = tx.execute(select(applied.c.key).where(applied.c.key == key)).first()
            values = {"run_id": run_id, "state": state, "detail": detail, "at": at}
            if existing:
                tx.execute(update(applied).where(applied.c.key == key).values(**values))
            else:
                tx.execute(insert(applied).values(key=key, **values))

    def mark_many(
        self,
        run_id: int,
        keys: Sequence[str],
        at: dt.datetime,
        *,
        state: str = "done",
        detail: str | None = None,
    ) -> None:
        """`mark` for several keys in one transaction: all of them are recorded, or none."""
        with self._lock, self._tx() as tx:
            _mark_in(tx, run_id, keys, at, state=state, detail=detail)

    def record(
        self,
        run_id: int,
        keys: Sequence[str],
        *,
        entity_set: str | None,
        target_id: str | None,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
        reason: str,
        actor: str,
        at: dt.datetime,
        label: str | None = None,
    ) -> None:
        """A change carried out: its keys marked done and its audit line, in one transaction (one
        commit per change instead of two or three: the executor's writes wait for the journal)."""
        self.record_many(
            run_id,
            [
                {
                    "keys": keys,
                    "entity_set": entity_set,
                    "target_id": target_id,
                    "before": before,
                    "after": after,
                    "reason": reason,
                    "actor": actor,
                    "at": at,
                    "label": label,
                }
            ],
        )

    def record_many(self, run_id: int, lines: Sequence[Mapping[str, Any]]) -> None:
        """`record` for several changes in one transaction, one commit for all (a group commit).

        Each line holds `record`'s keyword arguments. The executor groups the changes its writers
        carried out meanwhile: a commit costs milliseconds (an fsync), and one per change made the
        journal the narrowest point of a run with many writes in flight. All lines or none are kept."""
        if not lines:
            return
        with self._lock, self._tx() as tx:
            marks: dict[str, dict[str, Any]] = {}
            for line in lines:
                values = {"run_id": run_id, "state": "done", "detail": None, "at": line["at"]}
                marks.update(dict.fromkeys(line["keys"], values))
            existing: set[str] = set()
            every = list(marks)
            for start in range(0, len(every), _KEYS_PER_QUERY):
                chunk = every[start : start + _KEYS_PER_QUERY]
                existing.update(tx.execute(select(applied.c.key).where(applied.c.key.in_(chunk))).scalars())
            for key in existing:
                tx.execute(update(applied).where(applied.c.key == key).values(**marks[key]))
            fresh = [{"key": key, **values} for key, values in marks.items() if key not in existing]
            if fresh:
                tx.execute(insert(applied), fresh)
            tx.execute(
                insert(audit),
                [
                    {
                        "label": line.get("label"),
                        "run_id": run_id,
                        "key": line["keys"][0],
                        "entity_set": line["entity_set"],
                        "target_id": line["target_id"],
                        "before": line["before"],
                        "after": line["after"],
                        "reason": line["reason"],
                        "actor": line["actor"],
                        "at": line["at"],
                    }
                    for line in lines
                ],
            )

    def keys_of_plan(self, plan_id: int) -> set[str]:
        """Change keys carried out by runs that applied the stored plan `plan_id` (an apply that was
        interrupted leaves some; applying the plan again must not count them as differences)."""
        with self._tx() as tx:
            rows = tx.execute(
                select(applied.c.key)
                .join(runs, runs.c.id == applied.c.run_id)
                .where(runs.c.plan_id == plan_id, applied.c.state == "done")
            )
            return {row.key for row in rows}

    def forget(self, key: str) -> None:
        with self._tx() as tx:
            tx.execute(delete(applied).where(applied.c.key == key))

    # -- audit trail ---------------------------------------------------------------------------

    def audit_trail(
        self,
        *,
        key: str | None = None,
        run_id: int | None = None,
        target_id: str | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> list[AuditEntry]:
        """Audit rows, oldest first, of one change key, one run or one CRM record (`target_id`);
        `limit` and `offset` for a page of a large run's."""
        query = _audit_of(select(audit), key, run_id, target_id).order_by(audit.c.id)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self._tx() as tx:
            return [dict(row._mapping) for row in tx.execute(query)]

    def audit_count(
        self, *, key: str | None = None, run_id: int | None = None, target_id: str | None = None
    ) -> int:
        """How many audit rows `audit_trail` would return without a limit."""
        query = _audit_of(select(func.count()).select_from(audit), key, run_id, target_id)
        with self._tx() as tx:
            return int(tx.execute(query).scalar_one())

    # -- claims --------------------------------------------------------------------------------

    def claim(self, name: str, holder: str, at: dt.datetime, ttl: dt.timedelta) -> None:
        """Take the claim `name` until `at + ttl`, unless another holder has an unexpired one.

        Two processes racing for a free claim both try to insert; the primary key lets one win and
        the other gets LockHeldError."""
        with self._tx(conflict=LockHeldError) as tx:
            tx.execute(delete(claims).where(claims.c.name == name, claims.c.expires_at <= at))
            current = tx.execute(select(claims).where(claims.c.name == name)).first()
            if current is not None and current.holder != holder:
                expires = _aware(current.expires_at)
                raise LockHeldError(
                    f"{name} is claimed by {current.holder} until {expires:%Y-%m-%d %H:%M:%S} UTC",
                    holder=current.holder,
                    until=expires,
                )
            if current is None:
                tx.execute(insert(claims).values(name=name, holder=holder, expires_at=at + ttl))
            else:
                tx.execute(update(claims).where(claims.c.name == name).values(expires_at=at + ttl))

    def take_over(self, name: str, dead: str, holder: str, at: dt.datetime, ttl: dt.timedelta) -> bool:
        """Take the claim of a holder known to be dead, and close its unfinished runs as abandoned."""
        with self._tx(conflict=LockHeldError) as tx:
            taken = tx.execute(
                update(claims)
                .where(claims.c.name == name, claims.c.holder == dead)
                .values(holder=holder, expires_at=at + ttl)
            ).rowcount
            if taken:
                tx.execute(
                    update(runs)
                    .where(runs.c.holder == dead, runs.c.outcome == "running")
                    .values(outcome="abandoned", finished_at=at, error=f"{dead} died during the run")
                )
        return bool(taken)

    def holder_of(self, name: str, at: dt.datetime) -> tuple[str, dt.datetime] | None:
        """Who holds the claim `name` at `at`, and until when; None when it is free (or expired)."""
        with self._tx() as tx:
            row = tx.execute(
                select(claims.c.holder, claims.c.expires_at).where(
                    claims.c.name == name, claims.c.expires_at > at
                )
            ).first()
        if row is None:
            return None
        expires: dt.datetime = row.expires_at
        return str(row.holder), expires if expires.tzinfo is not None else expires.replace(tzinfo=dt.UTC)

    def release(self, name: str, holder: str) -> None:
        with self._tx() as tx:
            tx.execute(delete(claims).where(claims.c.name == name, claims.c.holder == holder))

    def close(self) -> None:
        self.engine.dispose()


def _runs_of(
    query: Select[Any], job: str | None, since: dt.datetime | None, outcome: str | None
) -> Select[Any]:
    if job:
        query = query.where(runs.c.job == job)
    if since is not None:
        query = query.where(runs.c.started_at >= since)
    if outcome:
        query = query.where(runs.c.outcome == outcome)
    return query


def _run_row(values: Any) -> dict[str, Any]:
    row = dict(values)
    row["started_at"] = _aware(row["started_at"])
    row["finished_at"] = _aware(row["finished_at"])
    return row


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    # SQLite returns naive datetimes; everything we store is UTC.
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value


def safe_url(url: str) -> str:
    """The URL without a password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        credentials, host = rest.rsplit("@", 1)
        return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}" if ":" in credentials else url
    return url


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return str(original or exc).splitlines()[0]


def _mark_in(
    tx: Connection, run_id: int, keys: Sequence[str], at: dt.datetime, *, state: str, detail: str | None
) -> None:
    existing = set(tx.execute(select(applied.c.key).where(applied.c.key.in_(list(keys)))).scalars())
    values = {"run_id": run_id, "state": state, "detail": detail, "at": at}
    for key in existing:
        tx.execute(update(applied).where(applied.c.key == key).values(**values))
    fresh = [{"key": key, **values} for key in dict.fromkeys(keys) if key not in existing]
    if fresh:
        tx.execute(insert(applied), fresh)


def _audit_of(query: Select[Any], key: str | None, run_id: int | None, target_id: str | None) -> Select[Any]:
    if target_id is not None:
        query = query.where(audit.c.target_id == target_id)
    if key is not None:
        query = query.where(audit.c.key == key)
    if run_id is not None:
        query = query.where(audit.c.run_id == run_id)
    return query
