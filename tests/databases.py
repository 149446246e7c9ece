"""Journal URLs for tests: a SQLite file, and a private schema on a real PostgreSQL server.

PostgreSQL comes from TRIBE_SYNC_TEST_POSTGRES_URL. Without a server the tests skip with the reason;
with TRIBE_SYNC_REQUIRE_POSTGRES=1 (set by .ci/run) a missing server fails them instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def postgres_url() -> Iterator[str]:
    base = os.environ.get("TRIBE_SYNC_TEST_POSTGRES_URL", DEFAULT_POSTGRES)
    schema = f"ts_{uuid.uuid4().hex[:12]}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except (SQLAlchemyError, ImportError) as exc:
        reason = f"PostgreSQL at {base} is not reachable: {str(exc).splitlines()[0]}"
        if os.environ.get("TRIBE_SYNC_REQUIRE_POSTGRES") == "1":
            pytest.fail(reason + " (TRIBE_SYNC_REQUIRE_POSTGRES=1)")
        pytest.skip(reason)
    separator = "&" if "?" in base else "?"
    try:
        yield f"{base}{separator}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@contextmanager
def database_url(kind: str, tmp_path: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'journal.db'}"
    else:
        with postgres_url() as url:
            yield url


DATABASES = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=pytest.mark.postgres),
]
