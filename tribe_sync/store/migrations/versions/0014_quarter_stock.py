"""Stock at the end of a quarter is kept with the read model (issue 15).

`tribe_sync_mirror_quarter_stock`: per organisation, its stock at the end of each quarter in which it
moved (a delivery, a report), worked out by the domain's rules at refresh time as `mirror_stock` is, so
that `accountability report --quarter` reads a few thousand rows instead of building every delivered
request on the spot (a second at 10x). The table starts empty: the reports set is marked for a full
refresh, whose derivation fills it for every organisation; the next view of stock runs it first.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

TABLE = "tribe_sync_mirror_quarter_stock"


def upgrade() -> None:
    op.create_table(
        TABLE,
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("handed_out", sa.Integer(), nullable=False),
        sa.Column("in_stock", sa.Integer(), nullable=False),
        sa.Column("oldest_undistributed_delivery", sa.Date(), nullable=True),
        sa.Column("last_report", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("organisation_id", "quarter"),
    )
    sets = sa.table(
        "tribe_sync_mirror_sets",
        sa.column("name", sa.String(32)),
        sa.column("last_full_at", sa.DateTime(timezone=True)),
        sa.column("stale_since", sa.DateTime(timezone=True)),
    )
    op.execute(
        sets.update()
        .where(sets.c.name == "reports")
        .values(last_full_at=None, stale_since=dt.datetime.now(dt.UTC))
    )


def downgrade() -> None:
    op.drop_table(TABLE)
