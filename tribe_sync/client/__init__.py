"""Tribe CRM's OData API, as Tribe behaves (docs/tenant.md section 1).

The query builder and wire types are pure and imported eagerly; `TribeClient` (httpx) only on first
use, so that the pure layers (`mappers/`) can use the former without loading any I/O machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tribe_sync.client.odata import Expand, Expr, F, Query, any_of, literal
from tribe_sync.client.wire import Record, parse_date

if TYPE_CHECKING:
    from tribe_sync.client.tribe import MAX_PAGE_SIZE, TribeClient

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


def __getattr__(name: str) -> Any:
    if name in ("TribeClient", "MAX_PAGE_SIZE"):
        from tribe_sync.client import tribe  # noqa: PLC0415 - deliberately lazy, see the docstring

        return getattr(tribe, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
