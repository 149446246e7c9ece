"""A product's name in the read model's catalogue.

- `tribe_sync_mirror_catalogue.name`: what staff call a product ("Laptop"), shown instead of its code
  ("LAPTOP") on Prognoses and a request's page. Rows kept before this revision have none; the next
  refresh reads the catalogue again because of that.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("tribe_sync_mirror_catalogue") as catalogue:
        catalogue.add_column(sa.Column("name", sa.String(255)))


def downgrade() -> None:
    with op.batch_alter_table("tribe_sync_mirror_catalogue") as catalogue:
        catalogue.drop_column("name")
