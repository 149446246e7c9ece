"""`INSERT … ON CONFLICT` in the store's own dialect, chosen in one place.

SQLAlchemy's PostgreSQL dialect takes a SQLite process (a staff list) a twentieth of its start-up to
import, so it is imported only for a PostgreSQL store, whose engine has imported it already.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Table
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SqliteInsert

__all__ = ["upsert_into"]


def upsert_into(dialect_name: str, table: Table) -> PostgresInsert | SqliteInsert:
    """An insert into `table` that can say what to do on a conflict (`on_conflict_do_update`)."""
    if dialect_name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert  # noqa: PLC0415 - see the module's docstring

        return insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert  # noqa: PLC0415

    return sqlite_insert(table)
