"""One read per set: which properties to `$select` and which navigations to `$expand`, so that a
snapshot needs exactly one paged read per set and never a call per record."""

from __future__ import annotations

from tribe_sync.client.odata import Expand, F, Query
from tribe_sync.mappers.schema import TenantSchema

CODE = ("Code",)
# Every record a job reads carries when it last changed: a saved plan keeps it, to name what moved.
STAMP = ("LastMutationDate",)
ID = ("ID",)


def organisations(schema: TenantSchema) -> Query:
    return Query(select=["IsFormer", *STAMP], expand=[Expand("Organization", select=["Name"])])


def contacts(schema: TenantSchema) -> Query:
    return Query(
        select=["EmailAddress", "PhoneNumber", "MobilePhoneNumber", *STAMP],
        expand=[
            Expand("Relation", select=ID),
            Expand("Person", select=["FirstName", "MiddleName", "LastName"]),
        ],
    )


def requests(schema: TenantSchema) -> Query:
    f = schema.tenant.request
    scalars = [
        f.explanation,
        f.street,
        f.house_number,
        f.postcode,
        f.city,
        f.contact_name,
        f.phone,
        f.email,
        f.reference,
        f.delivery_date,
        f.processor_confirmed_on,
        f.terms_accepted,
        f.delivered_quantity,
    ]
    return Query(
        select=["Number", "CreationDate", *STAMP, *scalars],
        expand=[
            Expand("Phase", select=CODE),
            Expand("ProductLines", select=["Quantity"], expand=[Expand("Product", select=CODE)]),
            Expand("Relationship", select=ID),
            Expand("Contact", select=ID),
            Expand(f.age_groups, select=CODE),
            Expand(f.target_groups, select=CODE),
            Expand(f.delivery_month, select=CODE),
            Expand(f.processor, select=ID),
        ],
        orderby=["CreationDate", "ID"],
    )


def months(schema: TenantSchema) -> Query:
    f = schema.tenant.month
    return Query(
        select=["Code", "IsActive", "LastMutationDate", f.capacity, f.closed_by, f.closed_reason],
        orderby=["Code", "ID"],
    )


def forecasts(schema: TenantSchema) -> Query:
    f = schema.tenant.forecast
    return Query(
        select=["CreationDate", *STAMP, f.year, f.quarter, f.quantity],
        expand=[Expand(f.product, select=CODE), Expand(f.organisation, select=ID)],
        orderby=["CreationDate", "ID"],
    )


def accountability(schema: TenantSchema) -> Query:
    f = schema.tenant.accountability
    return Query(
        select=["CreationDate", *STAMP, f.handed_out, f.note],
        expand=[Expand(f.request, select=ID)],
        orderby=["CreationDate", "ID"],
    )


def products(schema: TenantSchema) -> Query:
    return Query(select=["Code", "Name", "IsInactive", *STAMP])


def processors(schema: TenantSchema) -> Query:
    return Query(select=["IsFormer", *STAMP], expand=[Expand("Organization", select=["Name"])])


def options(schema: TenantSchema) -> Query:
    """Age groups, target groups and phases: code lists."""
    return Query(select=["Code", "IsActive"])


def phases(schema: TenantSchema) -> Query:
    return Query(select=["Code"])


def tasks(schema: TenantSchema, prefix: str) -> Query:
    """Our own tasks, found by the `ImportId` prefix of their key."""
    return Query(
        select=["ImportId", "Subject", "StartDate", *STAMP],
        filter=F("ImportId").startswith(prefix),
        expand=[Expand("Phase", select=CODE)],
    )
