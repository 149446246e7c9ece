"""Size hints: how many records each of our reads matched last time.

- `tribe_sync_read_sizes`: one row per read (entity set, and a hash of its filter when it has one)
  with the total Tribe last counted for it, written when a snapshot's reads end and when a process
  stops. A new process sends a big read's pages side by side from its first round instead of waiting
  for the first page's count. Disposable: an empty table only costs the first run of each read one
  round trip, as before this revision; rows not seen for 30 days are dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribe_sync_read_sizes",
        sa.Column("key", sa.String(160), primary_key=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tribe_sync_read_sizes")
