"""Stock at the end of a quarter is kept with the read model (issue 15).

`tribe_sync_mirror_quarter_stock`: per organisation, its stock at the end of each quarter in which it
moved (a delivery, a report), worked out by the domain's rules at refresh time as `mirror_stock` is, so
that `accountability report --quarter` reads a few thousand rows instead of building every delivered
request on the spot (a second at 10x). The table is made empty here and filled in the same
transaction, once the migrations reach the head, from the requests and reports the read model
already holds (`schema.upgrade`, `derived.derive_missing_stock`): no re-read of Tribe, and nothing a
view could show as zeros. Not here, because a migration must not call code that later revisions
change (it reads the tables as they are at the head).
"""

from __future__ import annotations

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


def downgrade() -> None:
    op.drop_table(TABLE)
