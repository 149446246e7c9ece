"""Revision 0010 (a product's name in the catalogue) from a 0009 store with a kept catalogue."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tests.store.migrations import fill_baseline, store_at
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.schema import upgrade
from tribe_sync.store.tables import mirror_catalogue


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0009_catalogue_moves_to_0010_without_names_so_products_show_by_code(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0009")
        fill_baseline(engine)
        with engine.begin() as tx:  # as revision 0009 kept the catalogue: codes only
            tx.execute(mirror_catalogue.insert().values(kind="products", code="LAPTOP", active=True))
        upgrade(engine, "0010")
        assert ReadModel(engine).product_names() == {}, "no name yet: the page shows the code"
        with engine.begin() as tx:
            tx.execute(mirror_catalogue.update().values(name="Laptop"))
        assert ReadModel(engine).product_names() == {"LAPTOP": "Laptop"}
        engine.dispose()
