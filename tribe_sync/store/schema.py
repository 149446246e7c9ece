"""The store's schema revision: read it, refuse a store at another one, move it with Alembic.

Every process that opens the store checks its revision first (`ensure_current`). A brand-new empty
store is migrated on the spot, so a fresh install and the tests need no extra step; any other
mismatch is refused with the command to run, because upgrading a store that replicas share is an
operator's decision (back it up, stop the older versions), not a side effect of `requests list`.

A store made before migrations existed (`create_all`, revision-less) is recognised by its tables and
adopted by `tribe-sync store upgrade`: its columns are checked against revision 0001, it is stamped at
0001 and upgraded from there, in the same transaction. Upgrades hold a lock (PostgreSQL: an advisory
transaction lock; SQLite: `BEGIN IMMEDIATE`), so two processes starting on a new store at once do not
both create it.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, func, inspect, select, text
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from tribe_sync.errors import StoreAccessError, StoreError, StoreSchemaError

if TYPE_CHECKING:
    from alembic.config import Config

# Alembic is imported only to move a store (`upgrade`): checking a store's revision, which every
# process does when it opens the store, reads the revisions' files itself (`_revisions`), so that a
# staff list does not load Alembic and Mako (a tenth of its start-up).

__all__ = [
    "LEGACY_COLUMNS",
    "VERSION_TABLE",
    "SchemaState",
    "SchemaStatus",
    "ensure_current",
    "head_revision",
    "schema_status",
    "upgrade",
]

VERSION_TABLE = "tribe_sync_alembic_version"
UPGRADE_COMMAND = "tribe-sync store upgrade"
_LOCK_KEY = 0x7472_6964  # "trid": one advisory lock for schema changes

# What `create_all` made before revision 0001 existed: the tables and columns a revision-less store
# must have to be adopted as 0001.
LEGACY_COLUMNS: dict[str, frozenset[str]] = {
    "tribe_sync_runs": frozenset(
        {"id", "job", "today", "started_at", "finished_at", "outcome", "dry_run", "counts", "error", "holder"}
    ),
    "tribe_sync_applied": frozenset({"key", "run_id", "state", "detail", "at"}),
    "tribe_sync_audit": frozenset(
        {"id", "run_id", "key", "entity_set", "target_id", "before", "after", "reason", "actor", "at"}
    ),
    "tribe_sync_claims": frozenset({"name", "holder", "expires_at"}),
    "tribe_sync_rate_calls": frozenset({"id", "at"}),
}


class SchemaState(enum.StrEnum):
    EMPTY = "empty"  # none of our tables: a new store
    CURRENT = "current"  # at this version's head
    BEHIND = "behind"  # at an older revision this version knows
    LEGACY = "legacy"  # made by `create_all` before migrations; adoptable as 0001
    AHEAD = "ahead"  # at a revision this version does not know (a newer tribe-sync upgraded it)
    UNKNOWN = "unknown"  # some of our tables, no revision: not something we made


@dataclass(frozen=True)
class SchemaStatus:
    state: SchemaState
    current: str | None
    head: str
    # `upgrade` only: the stock it worked out from the read model's stored rows (a table a revision
    # added, filled without reading Tribe; `derived.derive_missing_stock`)
    stock_derived: bool = False


MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION_LINE = re.compile(
    r"^(revision|down_revision)\s*(?::[^=]*)?=\s*(?:[\"']([^\"']+)[\"']|None)\s*$", re.M
)


def _config(connection: Connection | None = None) -> Config:
    from alembic.config import Config  # noqa: PLC0415 - only a schema change needs Alembic

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


@cache
def _revisions() -> dict[str, str | None]:
    """Each revision this version knows and the one before it, as the files in migrations/versions
    declare them (`revision = "0010"`, `down_revision = "0009"`); a test keeps this Alembic's view."""
    found: dict[str, str | None] = {}
    for path in sorted((MIGRATIONS / "versions").glob("[!_]*.py")):
        lines = {name: value or None for name, value in _REVISION_LINE.findall(path.read_text())}
        if "revision" in lines and lines["revision"] is not None:
            found[lines["revision"]] = lines.get("down_revision")
    return found


def head_revision() -> str:
    revisions = _revisions()
    heads = sorted(set(revisions) - {before for before in revisions.values() if before is not None})
    if len(heads) != 1:  # a packaging mistake, caught by the tests long before a user sees it
        raise StoreError(f"the store's migrations have {len(heads)} heads; there must be one")
    return heads[0]


def _known_revisions() -> frozenset[str]:
    return frozenset(_revisions())


def _status(connection: Connection) -> SchemaStatus:
    head = head_revision()
    tables = set(inspect(connection).get_table_names())
    if VERSION_TABLE in tables:
        versions = [row[0] for row in connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}"))]
        if len(versions) == 1:
            current = versions[0]
            if current == head:
                return SchemaStatus(SchemaState.CURRENT, current, head)
            if current in _known_revisions():
                return SchemaStatus(SchemaState.BEHIND, current, head)
            return SchemaStatus(SchemaState.AHEAD, current, head)
        if versions:
            return SchemaStatus(SchemaState.UNKNOWN, ", ".join(sorted(versions)), head)
    ours = {name for name in tables if name.startswith("tribe_sync_") and name != VERSION_TABLE}
    if not ours:
        return SchemaStatus(SchemaState.EMPTY, None, head)
    if ours == set(LEGACY_COLUMNS) and all(
        LEGACY_COLUMNS[name] <= {column["name"] for column in inspect(connection).get_columns(name)}
        for name in LEGACY_COLUMNS
    ):
        return SchemaStatus(SchemaState.LEGACY, None, head)
    return SchemaStatus(SchemaState.UNKNOWN, None, head)


def schema_status(engine: Engine) -> SchemaStatus:
    try:
        return _read_status(engine)
    except SQLAlchemyError as exc:
        raise store_error("cannot read the store's schema", exc) from exc


def _read_status(engine: Engine) -> SchemaStatus:
    with engine.connect() as connection:
        return _status(connection)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection]:
    """One transaction that no other schema change can interleave with."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # pysqlite does not begin a transaction before DDL; take SQLite's write lock ourselves.
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        elif connection.dialect.name == "postgresql":
            connection.execute(select(func.pg_advisory_xact_lock(_LOCK_KEY)))
        try:
            yield connection
        except BaseException:
            connection.rollback()
            raise
        connection.commit()


def upgrade(engine: Engine, revision: str = "head", *, only_if_empty: bool = False) -> SchemaStatus:
    """Move the store to `revision` (default the head); a revision-less store of before migrations is
    adopted as 0001 first. Once at the head (already, or now), stock the read model is missing is
    derived from its stored rows. Returns the status it was found in (`stock_derived`: whether that
    stock was). With `only_if_empty`, a store that is not empty once the lock is held is left as it
    is (another process made it meanwhile)."""
    try:
        with _locked(engine) as connection:
            found = _status(connection)
            if only_if_empty and found.state is not SchemaState.EMPTY:
                return found
            if found.state in (SchemaState.AHEAD, SchemaState.UNKNOWN):
                raise StoreSchemaError(_refusal(found, "the store"))
            from alembic import command  # noqa: PLC0415 - only a schema change needs Alembic

            config = _config(connection)
            if found.state is SchemaState.LEGACY:
                command.stamp(config, "0001")
            command.upgrade(config, revision)
            if found.state is SchemaState.EMPTY or _status(connection).state is not SchemaState.CURRENT:
                return found
            # At the head, in the same transaction: what a revision added to the read model empty is
            # worked out from the rows it holds, by this version's code (a migration must not call
            # code later revisions change), so no view shows it empty nor re-reads Tribe for it.
            from tribe_sync.store.readmodel.derived import derive_missing_stock  # noqa: PLC0415

            return replace(found, stock_derived=derive_missing_stock(connection))
    except StoreError:
        raise
    except SQLAlchemyError as exc:
        raise StoreError(f"the store's upgrade failed, nothing was changed: {_reason(exc)}") from exc


def ensure_current(engine: Engine, where: str) -> None:
    """Make a new empty store; refuse one at any other revision than this version's head.

    SQLAlchemy's errors pass through: the caller says which store could not be reached."""
    status = _read_status(engine)
    if status.state is SchemaState.EMPTY:
        status = upgrade(engine, only_if_empty=True)
        if status.state is SchemaState.EMPTY:
            return
        status = _read_status(engine)
    if status.state is not SchemaState.CURRENT:
        raise StoreSchemaError(_refusal(status, where))


def _refusal(status: SchemaStatus, where: str) -> str:
    match status.state:
        case SchemaState.BEHIND:
            return (
                f"{where} is at schema revision {status.current}, this tribe-sync needs {status.head}: "
                f"back it up, then run `{UPGRADE_COMMAND}`"
            )
        case SchemaState.LEGACY:
            return (
                f"{where} was made before schema migrations; this tribe-sync needs revision {status.head}: "
                f"back it up, then run `{UPGRADE_COMMAND}`"
            )
        case SchemaState.AHEAD:
            return (
                f"{where} is at schema revision {status.current}, newer than this tribe-sync knows "
                f"(it needs {status.head}): a newer version upgraded it; run that version"
            )
        case _:
            return (
                f"{where} holds tables of tribe-sync but no schema revision it can adopt; "
                f"point store.url at an empty database or restore the store from a backup"
            )


# What a database server says when the URL's role, password or database is wrong (PostgreSQL's
# FATAL messages at connect time; psycopg gives no SQLSTATE for them).
_REFUSED_BY_URL = re.compile(
    r'FATAL:\s+(role "|database "|password authentication failed|no pg_hba\.conf entry)'
    r"|no password supplied|invalid (dsn|connection option|integer value)"
)


# What connecting says when nothing answers at store.url's host and port. Only ever met opening the
# store, the first time this process reaches it: like a CRM that never answered, almost always a
# wrong setting (or a server not started), said at once as one (exit 2), not as an outage.
_NOTHING_ANSWERS = re.compile(
    r"Connection refused|could not translate host name|Name or service not known|"
    r"nodename nor servname|No route to host|Network is unreachable|failed to resolve host",
    re.IGNORECASE,
)


def store_error(what: str, exc: BaseException) -> StoreError:
    """`what` (opening the store, reading its schema) failed because of `exc`: a StoreAccessError
    (exit 2, a setting) when `store.url` itself was refused, cannot be parsed or nothing answers at
    it, else a StoreError (exit 1)."""
    reason = _reason(exc)
    said = str(getattr(exc, "orig", None) or exc)
    if isinstance(exc, ArgumentError) or _REFUSED_BY_URL.search(said) or _NOTHING_ANSWERS.search(said):
        return StoreAccessError(f"{what}: {reason}")
    return StoreError(f"{what}: {reason}")


def _reason(exc: BaseException) -> str:
    original = getattr(exc, "orig", None)
    return str(original or exc).splitlines()[0]
