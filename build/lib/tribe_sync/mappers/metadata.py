"""Compare the configured tenant mapping with the tenant's `$metadata` (CSDL XML). Pure: the XML
text comes in, a list of findings goes out; `tribe-sync crm check` fetches and prints."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass
from enum import StrEnum

from tribe_sync.mappers.schema import TenantSchema

__all__ = ["Finding", "Kind", "check_metadata", "expected_fields"]


class Kind(StrEnum):
    TEXT = "text"
    INT = "integer"
    BOOL = "boolean"
    DATE = "date"
    MOMENT = "date-time"
    NAV = "navigation"
    NAV_MANY = "navigation collection"


_EDM = {
    "Edm.String": Kind.TEXT,
    "Edm.Int16": Kind.INT,
    "Edm.Int32": Kind.INT,
    "Edm.Int64": Kind.INT,
    "Edm.Decimal": Kind.INT,
    "Edm.Boolean": Kind.BOOL,
    "Edm.Date": Kind.DATE,
    "Edm.DateTimeOffset": Kind.MOMENT,
    "Edm.Guid": Kind.TEXT,
}
# A date field may well be stored as a date-time in some tenants; we read both.
_COMPATIBLE = {Kind.DATE: {Kind.DATE, Kind.MOMENT}, Kind.INT: {Kind.INT}}


@dataclass(frozen=True)
class Finding:
    entity_set: str
    field: str | None
    expected: str
    status: str  # "present", "missing" or "wrong type"
    actual: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "present"


def expected_fields(schema: TenantSchema) -> dict[str, dict[str, Kind]]:
    t = schema.tenant
    s, r, m, fc, a = t.sets, t.request, t.month, t.forecast, t.accountability
    return {
        s.organisation: {"Name": Kind.TEXT},
        s.customer: {"IsFormer": Kind.BOOL, "Organization": Kind.NAV},
        s.contact: {"EmailAddress": Kind.TEXT, "Relation": Kind.NAV, "Person": Kind.NAV},
        s.request: {
            "Number": Kind.TEXT,
            "CreationDate": Kind.MOMENT,
            "Phase": Kind.NAV,
            "ProductLines": Kind.NAV_MANY,
            "Relationship": Kind.NAV,
            "Contact": Kind.NAV,
            r.age_groups: Kind.NAV_MANY,
            r.target_groups: Kind.NAV_MANY,
            r.delivery_month: Kind.NAV,
            r.explanation: Kind.TEXT,
            r.street: Kind.TEXT,
            r.house_number: Kind.TEXT,
            r.postcode: Kind.TEXT,
            r.city: Kind.TEXT,
            r.contact_name: Kind.TEXT,
            r.phone: Kind.TEXT,
            r.email: Kind.TEXT,
            r.reference: Kind.TEXT,
            r.delivery_date: Kind.DATE,
            r.processor: Kind.NAV,
            r.processor_confirmed_on: Kind.DATE,
            r.terms_accepted: Kind.BOOL,
            r.delivered_quantity: Kind.INT,
        },
        s.request_phase: {"Code": Kind.TEXT},
        s.product: {"Code": Kind.TEXT, "IsInactive": Kind.BOOL},
        s.processor: {"Organization": Kind.NAV},
        s.delivery_month: {
            "Code": Kind.TEXT,
            "IsActive": Kind.BOOL,
            m.capacity: Kind.INT,
            m.closed_by: Kind.TEXT,
            m.closed_reason: Kind.TEXT,
        },
        s.age_group: {"Code": Kind.TEXT, "IsActive": Kind.BOOL},
        s.target_group: {"Code": Kind.TEXT, "IsActive": Kind.BOOL},
        s.forecast: {
            fc.year: Kind.INT,
            fc.quarter: Kind.INT,
            fc.quantity: Kind.INT,
            fc.product: Kind.NAV,
            fc.organisation: Kind.NAV,
        },
        s.accountability: {a.request: Kind.NAV, a.handed_out: Kind.INT, a.note: Kind.TEXT},
        s.task: {
            "Subject": Kind.TEXT,
            "Description": Kind.TEXT,
            "StartDate": Kind.DATE,
            "EndDate": Kind.DATE,
            "ImportId": Kind.TEXT,
            "Relationship": Kind.NAV,
            "Contact": Kind.NAV,
            "Phase": Kind.NAV,
        },
        s.task_phase: {"Code": Kind.TEXT},
    }


def check_metadata(csdl: str, schema: TenantSchema) -> list[Finding]:
    """One finding per configured set and per configured field; raises ValueError for unreadable XML."""
    try:
        root = ET.fromstring(csdl)
    except ET.ParseError as exc:
        raise ValueError(f"$metadata is not XML: {exc}") from exc
    types: dict[str, dict[str, Kind | str]] = {}
    bases: dict[str, str] = {}
    sets: dict[str, str] = {}
    for element in root.iter():
        tag = _local(element.tag)
        if tag == "EntityType":
            types[element.get("Name", "")] = _properties(element)
            bases[element.get("Name", "")] = element.get("BaseType", "").rsplit(".", 1)[-1]
        elif tag == "EntitySet":
            sets[element.get("Name", "")] = element.get("EntityType", "").rsplit(".", 1)[-1]
    findings = []
    for entity_set, fields in expected_fields(schema).items():
        if entity_set not in sets:
            findings.append(Finding(entity_set, None, "entity set", "missing"))
            continue
        findings.append(Finding(entity_set, None, "entity set", "present"))
        props = _inherited(sets[entity_set], types, bases)
        for name, kind in fields.items():
            actual = props.get(name)
            if actual is None:
                findings.append(Finding(entity_set, name, kind.value, "missing"))
            elif actual not in _COMPATIBLE.get(kind, {kind}):
                findings.append(Finding(entity_set, name, kind.value, "wrong type", str(actual)))
            else:
                findings.append(Finding(entity_set, name, kind.value, "present", str(actual)))
    return findings


def _properties(entity_type: ET.Element) -> dict[str, Kind | str]:
    props: dict[str, Kind | str] = {}
    for child in entity_type:
        tag, name, edm = _local(child.tag), child.get("Name", ""), child.get("Type", "")
        if tag == "Property":
            props[name] = _EDM.get(edm, edm)
        elif tag == "NavigationProperty":
            props[name] = Kind.NAV_MANY if edm.startswith("Collection(") else Kind.NAV
    return props


def _inherited(
    name: str, types: dict[str, dict[str, Kind | str]], bases: dict[str, str]
) -> dict[str, Kind | str]:
    """A type's properties including those of its base types (Tribe derives from common bases)."""
    props: dict[str, Kind | str] = {}
    seen: set[str] = set()
    while name and name not in seen:
        seen.add(name)
        props = {**types.get(name, {}), **props}
        name = bases.get(name, "")
    return props


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
