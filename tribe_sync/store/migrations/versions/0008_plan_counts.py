"""A plan's counts of changes and held decisions, kept with it.

- `tribe_sync_plans.change_count` and `held_count`: set when the plan is saved, so that the Plannen
  list and the Overzicht never open a plan's document (megabytes at large scale: it carries the digest
  of every record the plan read) to count. Plans saved before this revision are counted once here.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_plans") as plans:
        plans.add_column(sa.Column("change_count", sa.Integer()))
        plans.add_column(sa.Column("held_count", sa.Integer()))
    table = sa.table(
        "tribe_sync_plans",
        sa.column("document", sa.JSON()),
        sa.column("change_count"),
        sa.column("held_count"),
    )
    op.execute(
        table.update().values(
            change_count=sa.func.coalesce(sa.func.json_array_length(table.c.document["changes"]), 0),
            held_count=sa.func.coalesce(sa.func.json_array_length(table.c.document["held"]), 0),
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("tribe_sync_plans") as plans:
        plans.drop_column("held_count")
        plans.drop_column("change_count")
