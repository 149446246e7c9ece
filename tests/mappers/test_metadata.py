from __future__ import annotations

import pytest

from tests.factories import SCHEMA, T
from tribe_sync.mappers.metadata import check_metadata

NS = 'xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx" xmlns="http://docs.oasis-open.org/odata/ns/edm"'


def csdl(request_props: str, month_set: bool = True) -> str:
    month = f'<EntitySet Name="{T.sets.delivery_month}" EntityType="Tribe.Month"/>' if month_set else ""
    return f"""<edmx:Edmx Version="4.0" {NS}><edmx:DataServices><Schema Namespace="Tribe">
      <EntityType Name="Entity"><Property Name="ID" Type="Edm.Guid"/>
        <Property Name="CreationDate" Type="Edm.DateTimeOffset"/></EntityType>
      <EntityType Name="SalesOrder" BaseType="Tribe.Entity">{request_props}</EntityType>
      <EntityType Name="Month"><Property Name="Code" Type="Edm.String"/></EntityType>
      <EntityContainer Name="C"><EntitySet Name="{T.sets.request}" EntityType="Tribe.SalesOrder"/>{month}
      </EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"""


def findings(xml: str) -> dict[tuple[str, str | None], str]:
    return {(f.entity_set, f.field): f.status for f in check_metadata(xml, SCHEMA)}


def test_present_missing_and_wrongly_typed_fields_are_each_reported() -> None:
    xml = csdl(
        f'<Property Name="Number" Type="Edm.String"/>'
        f'<Property Name="{T.request.delivered_quantity}" Type="Edm.String"/>'
        f'<NavigationProperty Name="ProductLines" Type="Collection(Tribe.Line)"/>'
        f'<Property Name="{T.request.delivery_date}" Type="Edm.DateTimeOffset"/>'
    )
    result = findings(xml)
    assert result[(T.sets.request, None)] == "present"
    assert result[(T.sets.request, "Number")] == "present"
    assert result[(T.sets.request, "CreationDate")] == "present", "inherited from the base type"
    assert result[(T.sets.request, "ProductLines")] == "present"
    assert result[(T.sets.request, T.request.delivery_date)] == "present", "a date-time holds a date"
    assert result[(T.sets.request, T.request.delivered_quantity)] == "wrong type"
    assert result[(T.sets.request, T.request.postcode)] == "missing"
    assert result[(T.sets.delivery_month, None)] == "present"
    assert result[(T.sets.forecast, None)] == "missing"


def test_unreadable_metadata_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="not XML"):
        check_metadata("<html>", SCHEMA)
