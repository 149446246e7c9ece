"""The read model keeps what the programme's rules derive, so staff views read it instead of
recomputing it over every row (issue 15): each forecast's state, each organisation's stock, every
rule a request breaks (not only the records that do not map), and the codes requests are checked
against. The read model is disposable: its problems table is rebuilt empty (one row per rule now,
not per record), and every set is marked for a full refresh, which fills what is new.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_mirror_forecasts") as forecasts:
        forecasts.add_column(sa.Column("state", sa.String(16)))
    op.create_index(
        "ix_tribe_sync_mirror_forecasts_listed",
        "tribe_sync_mirror_forecasts",
        ["organisation_id", "year", "quarter", "product", "submitted_at"],
    )
    op.drop_table("tribe_sync_mirror_problems")
    op.create_table(
        "tribe_sync_mirror_problems",
        sa.Column("set_name", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("mapped", sa.Boolean(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_nl", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("set_name", "record_id", "code"),
    )
    op.create_index("ix_tribe_sync_mirror_problems_number", "tribe_sync_mirror_problems", ["number"])
    op.create_table(
        "tribe_sync_mirror_stock",
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("handed_out", sa.Integer(), nullable=False),
        sa.Column("in_stock", sa.Integer(), nullable=False),
        sa.Column("oldest_undistributed_delivery", sa.Date(), nullable=True),
        sa.Column("last_report", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id"),
    )
    op.create_table(
        "tribe_sync_mirror_catalogue",
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "code"),
    )
    # Every set's next refresh is a full one (a reader finds it stale and refreshes it first).
    sets = sa.table(
        "tribe_sync_mirror_sets",
        sa.column("last_full_at", sa.DateTime(timezone=True)),
        sa.column("stale_since", sa.DateTime(timezone=True)),
    )
    op.execute(sets.update().values(last_full_at=None, stale_since=dt.datetime.now(dt.UTC)))


def downgrade() -> None:
    op.drop_table("tribe_sync_mirror_catalogue")
    op.drop_table("tribe_sync_mirror_stock")
    op.drop_index("ix_tribe_sync_mirror_problems_number", table_name="tribe_sync_mirror_problems")
    op.drop_table("tribe_sync_mirror_problems")
    op.create_table(
        "tribe_sync_mirror_problems",
        sa.Column("set_name", sa.String(length=32), nullable=False),
        sa.Column("record_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=True),
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("message_nl", sa.Text(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("set_name", "record_id"),
    )
    op.drop_index("ix_tribe_sync_mirror_forecasts_listed", table_name="tribe_sync_mirror_forecasts")
    with op.batch_alter_table("tribe_sync_mirror_forecasts") as forecasts:
        forecasts.drop_column("state")
    sets = sa.table("tribe_sync_mirror_sets", sa.column("last_full_at", sa.DateTime(timezone=True)))
    op.execute(sets.update().values(last_full_at=None))
