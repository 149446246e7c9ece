"""The journal's tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "applied",
    "audit",
    "claims",
    "console_secrets",
    "metadata",
    "rate_calls",
    "runs",
    "users",
]

metadata = MetaData()

runs = Table(
    "tribe_sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False, index=True),
    Column("today", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("outcome", String(16), nullable=False),  # running, ok, problems, failed
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("counts", JSON, nullable=False, default=dict),
    Column("error", Text),
    Column("holder", String(128)),  # host:pid:tag of the process that ran it
)

# One row per change key that was carried out; the key is the idempotency guard.
applied = Table(
    "tribe_sync_applied",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("run_id", Integer, ForeignKey(runs.c.id), nullable=False),
    Column("state", String(16), nullable=False),  # pending (intent written), done
    Column("detail", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "tribe_sync_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey(runs.c.id), nullable=False, index=True),
    Column("key", String(255), nullable=False, index=True),
    Column("entity_set", String(128)),
    Column("target_id", String(64)),
    Column("before", JSON),
    Column("after", JSON),
    Column("reason", Text, nullable=False),
    Column("actor", String(128), nullable=False),  # "job:<name>" or "staff:<who>"
    Column("at", DateTime(timezone=True), nullable=False),
)

# A job run's claim, so that two runs of one job never apply at the same time (issue: daemon).
claims = Table(
    "tribe_sync_claims",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Calls to Tribe in the last minute, shared by every process on a PostgreSQL store.
rate_calls = Table(
    "tribe_sync_rate_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)

# Console accounts: an argon2id hash, never the password; the role decides what a person may do.
users = Table(
    "tribe_sync_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer, approver, admin
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
)

# The console's session-signing key when none is configured: made once, shared by every replica.
console_secrets = Table(
    "tribe_sync_console_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)
