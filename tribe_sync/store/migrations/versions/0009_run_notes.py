"""A run's problems and held-back decisions, kept with the run.

- `tribe_sync_runs.notes`: what the run found (problems) and held back (a request left waiting), each
  by its code and the name staff find it by, so that a run's page and `runs show` list them instead of
  only counting them. Runs made before this revision have none (their pages say so).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_runs") as runs:
        runs.add_column(sa.Column("notes", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("tribe_sync_runs") as runs:
        runs.drop_column("notes")
