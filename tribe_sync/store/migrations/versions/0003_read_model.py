"""The read model (issue 15): the programme's non-personal fields per mirrored set, the problems
found while mapping them, and per set its cursor and refresh times. New tables only: no data moves."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "tribe_sync_mirror_forecasts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_tribe_sync_mirror_forecasts_organisation_id", "tribe_sync_mirror_forecasts", ["organisation_id"]
    )

    op.create_table(
        "tribe_sync_mirror_months",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("closed_by", sa.String(length=16), nullable=True),
        sa.Column("closed_reason", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribe_sync_mirror_months_month", "tribe_sync_mirror_months", ["month"])

    op.create_table(
        "tribe_sync_mirror_organisations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=255), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
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
    op.create_table(
        "tribe_sync_mirror_reports",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("request_id", sa.String(length=64), nullable=False),
        sa.Column("handed_out", sa.Integer(), nullable=False),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribe_sync_mirror_reports_request_id", "tribe_sync_mirror_reports", ["request_id"])

    op.create_table(
        "tribe_sync_mirror_requests",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("organisation_id", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("product", sa.String(length=64), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("delivery_date", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=255), nullable=True),
        sa.Column("processor_id", sa.String(length=64), nullable=True),
        sa.Column("processor_confirmed_on", sa.Date(), nullable=True),
        sa.Column("delivered_quantity", sa.Integer(), nullable=True),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribe_sync_mirror_requests_month", "tribe_sync_mirror_requests", ["month"])
    op.create_index("ix_tribe_sync_mirror_requests_number", "tribe_sync_mirror_requests", ["number"])
    op.create_index(
        "ix_tribe_sync_mirror_requests_organisation_id", "tribe_sync_mirror_requests", ["organisation_id"]
    )
    op.create_index("ix_tribe_sync_mirror_requests_status", "tribe_sync_mirror_requests", ["status"])

    op.create_table(
        "tribe_sync_mirror_sets",
        sa.Column("name", sa.String(length=32), nullable=False),
        sa.Column("cursor", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_delta_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_full_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stale_since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("problems", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "tribe_sync_mirror_tasks",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("status", sa.String(length=64), nullable=True),
        sa.Column("mutated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tribe_sync_mirror_tasks_key", "tribe_sync_mirror_tasks", ["key"])

    op.create_index(
        "ix_tribe_sync_mirror_requests_queue", "tribe_sync_mirror_requests", ["requested_at", "number"]
    )
    op.create_index(
        "ix_tribe_sync_mirror_forecasts_quarter", "tribe_sync_mirror_forecasts", ["year", "quarter"]
    )


def downgrade() -> None:
    op.drop_index("ix_tribe_sync_mirror_tasks_key", table_name="tribe_sync_mirror_tasks")

    op.drop_table("tribe_sync_mirror_tasks")
    op.drop_table("tribe_sync_mirror_sets")
    op.drop_index("ix_tribe_sync_mirror_requests_status", table_name="tribe_sync_mirror_requests")
    op.drop_index("ix_tribe_sync_mirror_requests_organisation_id", table_name="tribe_sync_mirror_requests")
    op.drop_index("ix_tribe_sync_mirror_requests_number", table_name="tribe_sync_mirror_requests")
    op.drop_index("ix_tribe_sync_mirror_requests_month", table_name="tribe_sync_mirror_requests")

    op.drop_table("tribe_sync_mirror_requests")
    op.drop_index("ix_tribe_sync_mirror_reports_request_id", table_name="tribe_sync_mirror_reports")

    op.drop_table("tribe_sync_mirror_reports")
    op.drop_table("tribe_sync_mirror_problems")
    op.drop_table("tribe_sync_mirror_organisations")
    op.drop_index("ix_tribe_sync_mirror_months_month", table_name="tribe_sync_mirror_months")

    op.drop_table("tribe_sync_mirror_months")
    op.drop_index("ix_tribe_sync_mirror_forecasts_organisation_id", table_name="tribe_sync_mirror_forecasts")

    op.drop_table("tribe_sync_mirror_forecasts")
