"""CRM calls counted per minute, for the console's "CRM budget used in the last hour".

- `tribe_sync_crm_calls`: one row per minute (UTC, start of the minute) with the calls made and how
  many of them Tribe answered 429; every process on the store adds to the same row. Nothing before
  this revision counted calls, so the first hour after the upgrade shows fewer than were made.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribe_sync_crm_calls",
        sa.Column("minute", sa.DateTime(timezone=True), primary_key=True),
        sa.Column("calls", sa.Integer(), nullable=False),
        sa.Column("rate_limited", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("tribe_sync_crm_calls")
