"""Console accounts in the store: argon2id hashes, roles in order, and revision 0002 on top of 0001."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from tests.databases import DATABASES, database_url
from tests.store.migrations import fill_baseline, store_at
from tribe_sync.errors import UserError
from tribe_sync.store.journal import Journal, open_journal
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import runs
from tribe_sync.store.users import Role, UserStore

NOW = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_roles_are_ordered_viewer_approver_admin() -> None:
    assert Role.ADMIN.allows(Role.APPROVER)
    assert Role.APPROVER.allows(Role.VIEWER)
    assert not Role.VIEWER.allows(Role.APPROVER)
    assert not Role.APPROVER.allows(Role.ADMIN)


def test_a_password_is_kept_only_as_an_argon2id_hash_and_verified(tmp_path: Path) -> None:
    store = UserStore(open_journal(f"sqlite:///{tmp_path / 'j.db'}"), lambda: NOW, CHEAP)
    store.add("Anna", Role.APPROVER, "correct horse battery")
    assert [(u.name, u.role) for u in store.all_users()] == [("anna", Role.APPROVER)]
    with store.journal.engine.begin() as tx:
        (stored,) = tx.exec_driver_sql("SELECT password_hash FROM tribe_sync_users").one()
    assert stored.startswith("$argon2id$")
    assert store.verify("anna", "correct horse battery") is not None
    assert store.verify("ANNA ", "correct horse battery") is not None
    assert store.verify("anna", "wrong horse battery") is None
    assert store.verify("bob", "correct horse battery") is None


def test_accounts_refuse_duplicates_short_passwords_odd_names_and_unknown_targets(tmp_path: Path) -> None:
    store = UserStore(open_journal(f"sqlite:///{tmp_path / 'j.db'}"), lambda: NOW, CHEAP)
    store.add("anna", Role.VIEWER, "correct horse battery")
    for name, password in (
        ("anna", "correct horse battery"),
        ("bob", "short"),
        ("a b", "correct horse battery"),
    ):
        with pytest.raises(UserError):
            store.add(name, Role.VIEWER, password)
    with pytest.raises(UserError):
        store.remove("bob")
    with pytest.raises(UserError):
        store.set_password("bob", "correct horse battery")


def test_the_session_key_is_made_once_and_kept(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'j.db'}"
    first = UserStore(open_journal(url), lambda: NOW).session_secret()
    assert len(first) >= 48
    assert UserStore(open_journal(url), lambda: NOW).session_secret() == first


@pytest.mark.parametrize("kind", DATABASES)
def test_revision_0002_adds_accounts_to_a_store_with_data_at_0001(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0001")
        fill_baseline(engine)
        upgrade(engine, "0002")
        with engine.begin() as tx:
            assert tx.execute(select(runs.c.job)).scalars().all() == ["close-delivery-months"]
        store = UserStore(Journal(engine), lambda: NOW, CHEAP)
        store.add("anna", Role.ADMIN, "correct horse battery")
        assert store.verify("anna", "correct horse battery") is not None
        engine.dispose()
