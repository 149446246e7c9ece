"""Plans and their approvals; what started each run and which plan it applied; labels in the audit.

- `tribe_sync_plans`: a saved plan (its document), its status and who submitted and decided it.
- `tribe_sync_runs.trigger` (schedule, catch-up, webhook, staff, approved-plan) and `plan_id`: runs
  before this revision have neither (shown as unknown).
- `tribe_sync_audit.label`: what a person recognises the record by (an order number, a month).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_runs") as runs:
        runs.add_column(sa.Column("trigger", sa.String(16)))
        runs.add_column(sa.Column("plan_id", sa.Integer()))
    with op.batch_alter_table("tribe_sync_audit") as audit:
        audit.add_column(sa.Column("label", sa.String(255)))
    op.create_table(
        "tribe_sync_plans",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("job", sa.String(64), nullable=False),
        sa.Column("today", sa.Date(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(128)),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("note", sa.Text()),
        sa.Column("run_id", sa.Integer()),
        sa.Column("replaced_by", sa.Integer()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_tribe_sync_plans_status", "tribe_sync_plans", ["status"])
    op.create_index("ix_tribe_sync_plans_job_today", "tribe_sync_plans", ["job", "today"])


def downgrade() -> None:
    op.drop_table("tribe_sync_plans")
    with op.batch_alter_table("tribe_sync_audit") as audit:
        audit.drop_column("label")
    with op.batch_alter_table("tribe_sync_runs") as runs:
        runs.drop_column("plan_id")
        runs.drop_column("trigger")
