"""The store's schema moves only by migrations: one head, equal to `tables.py`, and every store made
before them (create_all) or by another version is recognised, adopted or refused with the command."""

from __future__ import annotations

import datetime as dt
import re
import threading
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, legacy_store
from tribe_sync.errors import StoreError, StoreSchemaError
from tribe_sync.store import schema
from tribe_sync.store.journal import open_journal, store_engine
from tribe_sync.store.schema import VERSION_TABLE, SchemaState, head_revision, schema_status, upgrade
from tribe_sync.store.tables import metadata

VERSIONS = Path(schema.__file__).parent / "migrations" / "versions"


def test_every_revision_file_is_named_after_its_revision_and_there_is_one_head() -> None:
    head_revision()  # raises with more than one head
    files = sorted(p for p in VERSIONS.glob("*.py") if p.name != "__init__.py")
    assert files, "revision 0001 at least"
    for path in files:
        number = re.fullmatch(r"(\d{4})_[a-z0-9_]+\.py", path.name)
        assert number, f"{path.name}: revisions are NNNN_slug.py"
        assert f'revision = "{number.group(1)}"' in path.read_text(encoding="utf-8"), path.name


@pytest.mark.parametrize("kind", DATABASES)
def test_a_new_store_is_migrated_to_the_head_and_equals_the_tables_module(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        open_journal(url).close()
        engine = store_engine(url)
        try:
            assert schema_status(engine).state is SchemaState.CURRENT
            with engine.connect() as connection:
                context = MigrationContext.configure(
                    connection, opts={"compare_type": True, "version_table": VERSION_TABLE}
                )
                assert compare_metadata(context, metadata) == []
        finally:
            engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_a_store_made_before_migrations_is_refused_then_adopted_with_its_data(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        legacy_store(url).dispose()

        with pytest.raises(StoreSchemaError, match=r"before schema migrations.*store upgrade"):
            open_journal(url)

        engine = store_engine(url)
        try:
            found = upgrade(engine)
            assert (found.state, schema_status(engine).state) == (SchemaState.LEGACY, SchemaState.CURRENT)
        finally:
            engine.dispose()
        journal = open_journal(url)
        try:
            assert journal.state_of("month/close/2026-12") == ("done", None)
            [entry] = journal.audit_trail(key="month/close/2026-12")
            assert (entry["after"], entry["actor"]) == ({"closed": True}, "job:close-delivery-months")
            [run] = journal.runs()
            assert (run["job"], run["counts"]) == ("close-delivery-months", {"applied": 1})
            # The journal goes on where it was: new rows next to the old ones.
            journal.claim("job:audit", "host:2:def", AT + dt.timedelta(hours=1), dt.timedelta(minutes=5))
            assert journal.start_run("audit", AT.date(), AT) > run["id"]
        finally:
            journal.close()


@pytest.mark.parametrize("kind", DATABASES)
def test_a_store_at_a_revision_this_version_does_not_know_is_refused_not_touched(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        open_journal(url).close()
        engine = store_engine(url)
        try:
            with engine.begin() as tx:
                tx.execute(text(f"UPDATE {VERSION_TABLE} SET version_num = '9999'"))
            with pytest.raises(StoreSchemaError, match="9999, newer than this tribe-sync knows"):
                open_journal(url)
            with pytest.raises(StoreSchemaError, match="newer"):
                upgrade(engine)
            assert schema_status(engine).current == "9999"
        finally:
            engine.dispose()


def test_a_store_with_some_of_our_tables_and_no_revision_is_not_adopted(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    engine = store_engine(url)
    try:
        with engine.begin() as tx:
            tx.execute(text("CREATE TABLE tribe_sync_runs (id INTEGER PRIMARY KEY)"))
        with pytest.raises(StoreSchemaError, match="no schema revision it can adopt"):
            upgrade(engine)
        assert set(inspect(engine).get_table_names()) == {"tribe_sync_runs"}
    finally:
        engine.dispose()


def test_a_store_at_an_older_revision_names_the_upgrade_command(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    open_journal(url).close()
    engine = store_engine(url)
    try:
        status = schema_status(engine)
        assert status.state is SchemaState.CURRENT
        # The message a store one revision behind gets (there is only one revision so far).
        behind = schema.SchemaStatus(SchemaState.BEHIND, "0000", status.head)
        assert "run `tribe-sync store upgrade`" in schema._refusal(behind, "the store")
    finally:
        engine.dispose()


def test_processes_opening_one_new_store_at_once_all_get_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            open_journal(url).close()
        except StoreError as exc:  # pragma: no cover - the failure we test against
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_the_revisions_read_from_the_files_are_the_ones_alembic_reads() -> None:
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - the reference the store checks against

    scripts = ScriptDirectory.from_config(schema._config())
    assert schema._revisions() == {s.revision: s.down_revision for s in scripts.walk_revisions()}
    assert [head_revision()] == list(scripts.get_heads())
