"""Console accounts: a name, a role and an argon2id hash of the password, kept in the store.

Passwords are hashed with argon2-cffi's defaults (argon2id, parameters RFC 9106 recommends for
low-memory machines), and rehashed on login when those defaults move on. An unknown name costs the
same hash as a wrong password, so a login's timing does not tell which names exist.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from tribe_sync.errors import UserError
from tribe_sync.store.journal import Journal
from tribe_sync.store.tables import console_secrets, users

__all__ = ["MIN_PASSWORD_LENGTH", "Role", "User", "UserStore"]

MIN_PASSWORD_LENGTH = 12
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


class Role(StrEnum):
    """What a person may do in the console; each role may do everything the ones before it may."""

    VIEWER = "viewer"
    APPROVER = "approver"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, needed: Role) -> bool:
        return self.rank >= needed.rank

    @property
    def label(self) -> str:
        return {"viewer": "lezer", "approver": "beslisser", "admin": "beheerder"}[self.value]


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    created_at: dt.datetime
    password_changed_at: dt.datetime


class UserStore:
    """Accounts in the journal's database; the clock is injected like everywhere else."""

    def __init__(
        self, journal: Journal, clock: Callable[[], dt.datetime], hasher: PasswordHasher | None = None
    ) -> None:
        self.journal = journal
        self.clock = clock
        # Tests pass a cheap hasher; everything else uses argon2-cffi's argon2id defaults.
        self.hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    def _dummy(self) -> str:
        """Verified against when the name is unknown, so that both cases take one hash's time."""
        if self._dummy_hash is None:
            self._dummy_hash = self.hasher.hash(secrets.token_hex(16))
        return self._dummy_hash

    def add(self, name: str, role: Role, password: str) -> User:
        name = _checked_name(name)
        _check_password(password)
        now = self.clock()
        try:
            with self.journal.engine.begin() as tx:
                tx.execute(
                    insert(users).values(
                        name=name,
                        role=role.value,
                        password_hash=self.hasher.hash(password),
                        created_at=now,
                        password_changed_at=now,
                    )
                )
        except IntegrityError:
            raise UserError(f"there is already a user {name}") from None
        return User(name, role, now, now)

    def all_users(self) -> list[User]:
        with self.journal.engine.begin() as tx:
            rows = tx.execute(select(users).order_by(users.c.name)).all()
        return [_user(row._mapping) for row in rows]

    def get(self, name: str) -> User | None:
        with self.journal.engine.begin() as tx:
            row = tx.execute(select(users).where(users.c.name == name)).first()
        return _user(row._mapping) if row else None

    def remove(self, name: str) -> None:
        with self.journal.engine.begin() as tx:
            gone = tx.execute(delete(users).where(users.c.name == name)).rowcount
        if not gone:
            raise UserError(f"there is no user {name}")

    def set_password(self, name: str, password: str) -> None:
        _check_password(password)
        with self.journal.engine.begin() as tx:
            changed = tx.execute(
                update(users)
                .where(users.c.name == name)
                .values(password_hash=self.hasher.hash(password), password_changed_at=self.clock())
            ).rowcount
        if not changed:
            raise UserError(f"there is no user {name}")

    def verify(self, name: str, password: str) -> User | None:
        """The user if the password is theirs; None for a wrong password or an unknown name alike."""
        with self.journal.engine.begin() as tx:
            row = tx.execute(select(users).where(users.c.name == name.strip().lower())).first()
        stored = row.password_hash if row else self._dummy()
        try:
            self.hasher.verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if self.hasher.check_needs_rehash(stored):
            with self.journal.engine.begin() as tx:
                tx.execute(
                    update(users)
                    .where(users.c.name == row.name)
                    .values(password_hash=self.hasher.hash(password))
                )
        return _user(row._mapping)

    def session_secret(self) -> str:
        """The key that signs session cookies: made once, kept, and the same for every replica."""
        with self.journal.engine.begin() as tx:
            value = tx.execute(
                select(console_secrets.c.value).where(console_secrets.c.name == "session")
            ).scalar()
        if value:
            return str(value)
        try:
            with self.journal.engine.begin() as tx:
                tx.execute(insert(console_secrets).values(name="session", value=secrets.token_urlsafe(48)))
        except IntegrityError:
            pass  # another process made it first; use theirs
        return self.session_secret()


def _checked_name(name: str) -> str:
    name = name.strip().lower()
    if not _NAME.fullmatch(name):
        raise UserError(
            f"{name!r} is not a user name: use 1 to 64 of a-z, 0-9, '.', '_' and '-', starting with a "
            "letter or digit"
        )
    return name


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")


def _user(row: object) -> User:
    mapping = dict(row)  # type: ignore[call-overload]
    return User(
        name=mapping["name"],
        role=Role(mapping["role"]),
        created_at=_aware(mapping["created_at"]),
        password_changed_at=_aware(mapping["password_changed_at"]),
    )


def _aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
