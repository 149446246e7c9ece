"""The forecasts list reads its rows from its index alone (issue 15).

`ix_tribe_sync_mirror_forecasts_listed` holds the list's order (0012); it now also holds what the list
shows (quantity, day of submission, state), so that SQLite reads the 60,000 forecasts of a 10x
programme from the index in order instead of looking each row up in the table: `forecasts list` spent
half its database time on those look-ups. No data moves.
"""

from __future__ import annotations

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

NAME, TABLE = "ix_tribe_sync_mirror_forecasts_listed", "tribe_sync_mirror_forecasts"
ORDER = ["organisation_id", "year", "quarter", "product", "submitted_at", "id"]
SHOWN = ["quantity", "submitted_on", "state"]


def upgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, [*ORDER, *SHOWN])


def downgrade() -> None:
    op.drop_index(NAME, table_name=TABLE)
    op.create_index(NAME, TABLE, ORDER)
