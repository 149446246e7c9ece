"""The store as it was before migrations: runs, applied change keys, audit trail, claims, rate calls.

Equal to what `metadata.create_all` made until then, so that such a store can be stamped at this
revision (see `tribe_sync.store.schema.upgrade`) and moved on like any other.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribe_sync_runs",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("dry_run", sa.Boolean(), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text()),
        sa.Column("holder", sa.String(128)),
    )
    op.create_index("ix_tribe_sync_runs_job", "tribe_sync_runs", ["job"])
    op.create_table(
        "tribe_sync_applied",
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("tribe_sync_runs.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("detail", sa.Text()),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tribe_sync_audit",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("tribe_sync_runs.id"), nullable=False),
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("entity_set", sa.String(128)),
        sa.Column("target_id", sa.String(64)),
        sa.Column("before", sa.JSON()),
        sa.Column("after", sa.JSON()),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tribe_sync_audit_run_id", "tribe_sync_audit", ["run_id"])
    op.create_index("ix_tribe_sync_audit_key", "tribe_sync_audit", ["key"])
    op.create_table(
        "tribe_sync_claims",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("holder", sa.String(128), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "tribe_sync_rate_calls",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tribe_sync_rate_calls_at", "tribe_sync_rate_calls", ["at"])


def downgrade() -> None:
    for table in (
        "tribe_sync_rate_calls",
        "tribe_sync_claims",
        "tribe_sync_audit",
        "tribe_sync_applied",
        "tribe_sync_runs",
    ):
        op.drop_table(table)
