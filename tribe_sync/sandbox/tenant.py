"""The foundation's Tribe tenant as the sandbox holds it: sets, properties and navigations.

Written out from docs/tenant.md, deliberately not derived from `tribe_sync.config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["COMMON", "SETS", "EntitySet", "Nav", "csdl"]

# Custom types and fields, by UUID (docs/tenant.md sections 2-3).
MONTH = "_03c472ca__4495__48b4__b8d8__89d2b47a5c1d"
AGE_GROUP = "ac9130f4__547c__47d3__8e3a__655f20731ab2"
TARGET_GROUP = "ca3ab343__ac33__4b68__be9b__f77c6519a9d5"
FORECAST = "_77dde229__df88__4e4d__ac23__86e5cc86ba64"
REPORT = "f1a38d32__6834__4c65__927c__b2382bedda16"

R_AGE = "f6fadfa7__e5c1__4b62__9362__da5cc13da58a"
R_TARGET = "_2c63888f__28f0__4481__be6d__dce7a7ace732"
R_MONTH = "_8a119b9e__16bc__4732__8f7b__7676d015b0dc"
R_EXPLANATION = "bc67ba94__637d__4efa__a09e__467ada679f81"
R_STREET = "fab36728__a78b__4b7e__8787__c0de2f960063"
R_HOUSE = "a712755f__6cac__44d5__99d5__269512e74f7b"
R_POSTCODE = "ac8efe12__1c59__49f1__ba2d__de83458bfed0"
R_CITY = "_5796a670__482c__490e__8d97__82bfcdc83011"
R_CONTACT_NAME = "_0b80a255__53a1__4945__a932__58ef7777682c"
R_PHONE = "_45ac16b9__c20d__4c21__8f8a__7abff2e91ac7"
R_EMAIL = "dd2ee150__d284__4277__b89c__1af40ce8fcc9"
R_REFERENCE = "_3c3ae353__fb14__428e__90b4__01a6c1cc0aff"
R_DELIVERY_DATE = "b9c8b9ff__e46e__4627__9419__c7723226db94"
R_PROCESSOR = "bbeeb636__1d33__4c6d__96f0__da847a2a3b87"
R_CONFIRMED = "_68e58909__ccb2__4416__925a__56c9a30f4300"
R_TERMS = "ff53a46f__5ead__403a__84c4__b877678537a3"
R_DELIVERED = "e179f773__a6e0__43c0__9514__b7dde2ad0478"
M_CAPACITY = "_0c28cec1__b947__42af__a4b9__36976b4b76b0"
M_CLOSED_BY = "a398d022__d435__4df4__8322__905089933837"
M_CLOSED_REASON = "_4c8b1eb4__4f1e__4ccf__8372__a2a784a67245"
F_YEAR = "c3dd75f6__8085__48e6__ac92__5f09a227f039"
F_QUARTER = "bb262a93__4ce1__4c61__aa03__36d98b8c82f1"
F_QUANTITY = "_8f39aaa5__729a__453c__b891__da33e83a9d40"
F_PRODUCT = "b183256e__a16e__4121__b07a__6fc42fd7b23a"
F_ORGANISATION = "e5a9f6b1__a297__49bf__adf4__38f7b27c1c74"
A_REQUEST = "d00f7b11__205f__42f7__88c1__d781b972e776"
A_HANDED_OUT = "b21b1c2e__1f61__41bc__acb7__0dd842762334"
A_NOTE = "_3ceb0831__8744__4e92__ad93__36c0f9c4b930"

TEXT, INT, BOOL, DATE, MOMENT, GUID = (
    "Edm.String",
    "Edm.Int32",
    "Edm.Boolean",
    "Edm.Date",
    "Edm.DateTimeOffset",
    "Edm.Guid",
)
COMMON = {"ID": GUID, "_Type": TEXT, "_Name": TEXT, "CreationDate": MOMENT, "LastMutationDate": MOMENT}


@dataclass(frozen=True)
class Nav:
    target: str
    many: bool = False


@dataclass(frozen=True)
class EntitySet:
    name: str
    type: str  # Tribe's dotted `_Type`
    props: dict[str, str] = field(default_factory=dict)
    navs: dict[str, Nav] = field(default_factory=dict)
    name_from: str | None = None  # the property `_Name` shows

    @property
    def all_props(self) -> dict[str, str]:
        return {**COMMON, **self.props}


def _custom(uuid_name: str) -> str:
    return uuid_name.lstrip("_").replace("__", "-")


_SETS = [
    EntitySet(
        "Relation_Organization",
        "Relation.Organization",
        {"Name": TEXT, "EmailAddress": TEXT, "PhoneNumber": TEXT},
        {"VisitingAddress": Nav("Address")},
        name_from="Name",
    ),
    EntitySet(
        "Address",
        "Address",
        {"Street": TEXT, "HouseNumber": TEXT, "Postalcode": TEXT, "City": TEXT},
        name_from="City",
    ),
    EntitySet(
        "Relation_Person",
        "Relation.Person",
        {"FirstName": TEXT, "MiddleName": TEXT, "LastName": TEXT},
        name_from="LastName",
    ),
    EntitySet(
        "Relationship_Organization_Identity",
        "Relationship.Organization.Identity",
        {},
        {"Relation": Nav("Relation_Organization")},
    ),
    EntitySet(
        "Relationship_Organization_CommercialRelationship_Customer",
        "Relationship.Organization.CommercialRelationship.Customer",
        {"IsFormer": BOOL},
        {"Relation": Nav("Relation_Organization"), "Organization": Nav("Relation_Organization")},
    ),
    EntitySet(
        "Relationship_Organization_Supplier",
        "Relationship.Organization.Supplier",
        {"IsFormer": BOOL},
        {"Organization": Nav("Relation_Organization")},
    ),
    EntitySet(
        "Relationship_Person_Contact_Standard",
        "Relationship.Person.Contact.Standard",
        {"EmailAddress": TEXT, "PhoneNumber": TEXT, "MobilePhoneNumber": TEXT},
        {"Relation": Nav("Relation_Organization"), "Person": Nav("Relation_Person")},
    ),
    EntitySet(
        "Relationship_Person_Employee",
        "Relationship.Person.Employee",
        {"EmailAddress": TEXT},
        {"Person": Nav("Relation_Person")},
    ),
    EntitySet("Product", "Product", {"Code": TEXT, "Name": TEXT, "IsInactive": BOOL}, name_from="Name"),
    EntitySet("ProductLine", "ProductLine", {"Quantity": INT}, {"Product": Nav("Product")}),
    EntitySet(
        "Datastore_Phase_ActivitySalesOrder",
        "Datastore.Phase.ActivitySalesOrder",
        {"Code": TEXT, "Name": TEXT},
        name_from="Name",
    ),
    EntitySet(
        "Datastore_Phase_ActivityTask",
        "Datastore.Phase.ActivityTask",
        {"Code": TEXT, "Name": TEXT},
        name_from="Name",
    ),
    EntitySet(
        "Activity_SalesOrder",
        "Activity.SalesOrder",
        {
            "Number": TEXT,
            "Subject": TEXT,
            R_EXPLANATION: TEXT,
            R_STREET: TEXT,
            R_HOUSE: TEXT,
            R_POSTCODE: TEXT,
            R_CITY: TEXT,
            R_CONTACT_NAME: TEXT,
            R_PHONE: TEXT,
            R_EMAIL: TEXT,
            R_REFERENCE: TEXT,
            R_DELIVERY_DATE: DATE,
            R_CONFIRMED: DATE,
            R_TERMS: BOOL,
            R_DELIVERED: INT,
            "ImportId": TEXT,
        },
        {
            "Relationship": Nav("Relationship_Organization_CommercialRelationship_Customer"),
            "Contact": Nav("Relationship_Person_Contact_Standard"),
            "Phase": Nav("Datastore_Phase_ActivitySalesOrder"),
            "ProductLines": Nav("ProductLine", many=True),
            R_AGE: Nav(AGE_GROUP, many=True),
            R_TARGET: Nav(TARGET_GROUP, many=True),
            R_MONTH: Nav(MONTH),
            R_PROCESSOR: Nav("Relationship_Organization_Supplier"),
        },
        name_from="Number",
    ),
    EntitySet(
        "Activity_Task",
        "Activity.Task",
        {"Subject": TEXT, "Description": TEXT, "StartDate": DATE, "EndDate": DATE, "ImportId": TEXT},
        {
            "Relationship": Nav("Relationship_Organization_CommercialRelationship_Customer"),
            "Contact": Nav("Relationship_Person_Contact_Standard"),
            "Assignee": Nav("Relationship_Person_Employee"),
            "Phase": Nav("Datastore_Phase_ActivityTask"),
        },
        name_from="Subject",
    ),
    EntitySet(
        MONTH,
        _custom(MONTH),
        {"Code": TEXT, "IsActive": BOOL, M_CAPACITY: INT, M_CLOSED_BY: TEXT, M_CLOSED_REASON: TEXT},
        name_from="Code",
    ),
    EntitySet(AGE_GROUP, _custom(AGE_GROUP), {"Code": TEXT, "IsActive": BOOL}, name_from="Code"),
    EntitySet(TARGET_GROUP, _custom(TARGET_GROUP), {"Code": TEXT, "IsActive": BOOL}, name_from="Code"),
    EntitySet(
        FORECAST,
        _custom(FORECAST),
        {F_YEAR: INT, F_QUARTER: INT, F_QUANTITY: INT},
        {
            F_PRODUCT: Nav("Product"),
            F_ORGANISATION: Nav("Relationship_Organization_CommercialRelationship_Customer"),
        },
    ),
    EntitySet(
        REPORT, _custom(REPORT), {A_HANDED_OUT: INT, A_NOTE: TEXT}, {A_REQUEST: Nav("Activity_SalesOrder")}
    ),
]
SETS: dict[str, EntitySet] = {s.name: s for s in _SETS}


def csdl() -> str:
    """The tenant's `$metadata` as CSDL XML, one entity type per set deriving from a common base."""
    types = [
        '<EntityType Name="Entity"><Key><PropertyRef Name="ID"/></Key>'
        + "".join(f'<Property Name="{n}" Type="{t}"/>' for n, t in COMMON.items())
        + "</EntityType>"
    ]
    for entity_set in _SETS:
        props = "".join(f'<Property Name="{n}" Type="{t}"/>' for n, t in entity_set.props.items())
        navs = "".join(
            f'<NavigationProperty Name="{n}" Type="{"Collection(" if nav.many else ""}Tribe.{nav.target}'
            f'{")" if nav.many else ""}"/>'
            for n, nav in entity_set.navs.items()
        )
        types.append(
            f'<EntityType Name="{entity_set.name}" BaseType="Tribe.Entity">{props}{navs}</EntityType>'
        )
    sets = "".join(f'<EntitySet Name="{s.name}" EntityType="Tribe.{s.name}"/>' for s in _SETS)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx">'
        '<edmx:DataServices><Schema Namespace="Tribe" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        + "".join(types)
        + f'<EntityContainer Name="Tribe">{sets}</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>'
    )
