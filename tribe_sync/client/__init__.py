"""Tribe CRM's OData API, as Tribe behaves (TENANT.md section 1)."""

from tribe_sync.client.odata import Expand, Expr, F, Query, any_of, literal
from tribe_sync.client.tribe import MAX_PAGE_SIZE, TribeClient
from tribe_sync.client.wire import Record, parse_date

__all__ = [
    "MAX_PAGE_SIZE",
    "Expand",
    "Expr",
    "F",
    "Query",
    "Record",
    "TribeClient",
    "any_of",
    "literal",
    "parse_date",
]
