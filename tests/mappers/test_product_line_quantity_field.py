"""A product line's absurd quantity names the field it came from, like every other out-of-range value."""

from __future__ import annotations

from tribe_sync.client.wire import Record
from tribe_sync.config import Settings
from tribe_sync.mappers.read import map_all, to_request
from tribe_sync.mappers.schema import TenantSchema


def _request_with_quantity(quantity: int) -> Record:
    return Record.model_validate(
        {
            "ID": "1b0c0000-0000-0000-0000-000000000001",
            "Number": "AD2026-00412",
            "Phase": {"Code": "WACHT_OP_TOEKENNING"},
            "ProductLines": [{"ID": "77f1", "Quantity": quantity, "Product": {"Code": "LAPTOP"}}],
        }
    )


def test_a_quantity_of_a_trillion_is_one_problem_naming_the_product_lines_quantity() -> None:
    schema = TenantSchema.from_settings(Settings())

    mapped, problems = map_all([_request_with_quantity(10**12)], to_request, schema, "request")

    assert mapped == []
    [found] = problems
    assert found.code == "out_of_range"
    assert found.context["field"] == "ProductLines/Quantity"
    assert "field ProductLines/Quantity is outside" in found.message
    assert "veld ProductLines/Quantity valt buiten" in found.message_nl
