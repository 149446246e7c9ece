"""The read model's two long lists read in their index's order to the last key (issue 15).

`requests list` orders by (requested_at, number, id) and `forecasts list` by (organisation_id, year,
quarter, product, submitted_at, id); their indexes ended one key short, so SQLite sorted every run of
equal keys in a temporary B-tree before the first row came out. Each index now ends in `id`, and a
list streams in index order, oldest first or newest first. Nothing else changes; no data moves.
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

REQUESTS = ("ix_tribe_sync_mirror_requests_queue", "tribe_sync_mirror_requests")
FORECASTS = ("ix_tribe_sync_mirror_forecasts_listed", "tribe_sync_mirror_forecasts")
REQUEST_ORDER = ["requested_at", "number"]
FORECAST_ORDER = ["organisation_id", "year", "quarter", "product", "submitted_at"]


def _replace(index: tuple[str, str], columns: list[str]) -> None:
    name, table = index
    op.drop_index(name, table_name=table)
    op.create_index(name, table, columns)


def upgrade() -> None:
    _replace(REQUESTS, [*REQUEST_ORDER, "id"])
    _replace(FORECASTS, [*FORECAST_ORDER, "id"])


def downgrade() -> None:
    _replace(REQUESTS, REQUEST_ORDER)
    _replace(FORECASTS, FORECAST_ORDER)
