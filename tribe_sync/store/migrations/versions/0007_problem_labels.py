"""The read model's problems name their record as staff know it.

- `tribe_sync_mirror_problems.label`: an order number, an organisation's name, a forecast's
  organisation and quarter (`Bibliotheek Noord, K1 2027`), a month in words. Rows stored before this
  revision get their request's order number; the next refresh names the rest.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_mirror_problems") as problems:
        problems.add_column(sa.Column("label", sa.String(255)))
    problems_table = sa.table("tribe_sync_mirror_problems", sa.column("number"), sa.column("label"))
    op.execute(
        problems_table.update()
        .where(problems_table.c.number.is_not(None))
        .values(label=problems_table.c.number)
    )


def downgrade() -> None:
    with op.batch_alter_table("tribe_sync_mirror_problems") as problems:
        problems.drop_column("label")
