"""Alembic's entry point: runs on the connection `tribe_sync.store.schema` hands over.

The caller has already begun the transaction and taken the store's migration lock, so Alembic runs
inside it (one transaction for the whole upgrade, on PostgreSQL and SQLite alike).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from tribe_sync.store.schema import VERSION_TABLE
from tribe_sync.store.tables import metadata

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through `tribe-sync store upgrade`, not the alembic command")

context.configure(
    connection=connection,
    target_metadata=metadata,
    version_table=VERSION_TABLE,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
