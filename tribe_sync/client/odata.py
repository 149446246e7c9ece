"""A small typed OData v4 query builder for the subset Tribe understands.

Why not strings: a filter built from data (an order number, an organisation's name) must never be able
to change the query's meaning, so every value goes through `literal()` and every property name through
`_name()`. Tribe does not support `in` or `has`, so there is no way to build them; `any_of` emits the
equivalent `or` chain. Spaces are encoded as `%20`, never `+` (Tribe reads `+` literally).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from urllib.parse import quote

__all__ = ["Expand", "Expr", "F", "LiteralValue", "Query", "any_of", "literal"]

LiteralValue = str | int | float | Decimal | bool | None | uuid.UUID | dt.date | dt.datetime

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Characters OData syntax needs and URLs allow unencoded; everything else is percent-encoded.
_SAFE = "$'(),/:;=*@"


def _name(segment: str) -> str:
    if not _NAME.fullmatch(segment):
        raise ValueError(f"not an OData property name: {segment!r}")
    return segment


def literal(value: LiteralValue) -> str:
    """The OData literal for a Python value; strings are quoted with `'` doubled."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("NaN and infinity have no OData literal")
        return repr(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValueError("a naive datetime is ambiguous; give it a time zone")
        return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    raise TypeError(f"no OData literal for {type(value).__name__}")


@dataclass(frozen=True)
class Expr:
    """A boolean filter expression; combine with `&`, `|` and `~`."""

    text: str

    def __and__(self, other: Expr) -> Expr:
        return Expr(f"({self.text}) and ({other.text})")

    def __or__(self, other: Expr) -> Expr:
        return Expr(f"({self.text}) or ({other.text})")

    def __invert__(self) -> Expr:
        return Expr(f"not ({self.text})")


class F:
    """A property, or a path over single navigations: `F("Phase", "Code")` is `Phase/Code`."""

    def __init__(self, *path: str) -> None:
        if not path:
            raise ValueError("a property path needs at least one segment")
        self.path = "/".join(_name(segment) for segment in path)

    def _compare(self, op: str, value: LiteralValue) -> Expr:
        return Expr(f"{self.path} {op} {literal(value)}")

    def eq(self, value: LiteralValue) -> Expr:
        return self._compare("eq", value)

    def ne(self, value: LiteralValue) -> Expr:
        return self._compare("ne", value)

    def gt(self, value: LiteralValue) -> Expr:
        return self._compare("gt", value)

    def ge(self, value: LiteralValue) -> Expr:
        return self._compare("ge", value)

    def lt(self, value: LiteralValue) -> Expr:
        return self._compare("lt", value)

    def le(self, value: LiteralValue) -> Expr:
        return self._compare("le", value)

    def contains(self, text: str) -> Expr:
        return Expr(f"contains({self.path},{literal(text)})")

    def startswith(self, text: str) -> Expr:
        return Expr(f"startswith({self.path},{literal(text)})")

    def endswith(self, text: str) -> Expr:
        return Expr(f"endswith({self.path},{literal(text)})")


def any_of(prop: F, values: Iterable[LiteralValue]) -> Expr:
    """`prop` equals one of `values`, as the `or` chain Tribe accepts in place of `in`."""
    terms = [prop.eq(value).text for value in values]
    if not terms:
        raise ValueError("any_of needs at least one value")
    return Expr(" or ".join(terms) if len(terms) == 1 else "(" + " or ".join(terms) + ")")


@dataclass(frozen=True)
class Expand:
    """`$expand` of one navigation, with its own nested `$select`, `$expand` and `$filter`."""

    nav: str
    select: Sequence[str] = ()
    expand: Sequence[Expand] = ()
    filter: Expr | None = None

    def render(self) -> str:
        options = []
        if self.select:
            options.append("$select=" + ",".join(_name(s) for s in self.select))
        if self.filter is not None:
            options.append("$filter=" + self.filter.text)
        if self.expand:
            options.append("$expand=" + ",".join(e.render() for e in self.expand))
        rendered = _name(self.nav)
        return f"{rendered}({';'.join(options)})" if options else rendered


@dataclass(frozen=True)
class Query:
    """The system query options of one read. Immutable: derive variants with `with_()`."""

    filter: Expr | None = None
    select: Sequence[str] = ()
    expand: Sequence[Expand] = ()
    orderby: Sequence[str] = ()
    top: int | None = None
    skip: int | None = None
    extra: tuple[tuple[str, str], ...] = field(default=())
    # False for a read whose filter is new every time (a delta since a moment): its size tells
    # nothing about the next one, so it neither uses nor leaves a size hint (`client.sizes`).
    size_hint: bool = True

    def with_(self, **changes: object) -> Query:
        return replace(self, **changes)  # type: ignore[arg-type]

    def params(self) -> list[tuple[str, str]]:
        params: list[tuple[str, str]] = []
        if self.filter is not None:
            params.append(("$filter", self.filter.text))
        if self.select:
            params.append(("$select", ",".join(_name(s) for s in self.select)))
        if self.expand:
            params.append(("$expand", ",".join(e.render() for e in self.expand)))
        if self.orderby:
            params.append(("$orderby", ",".join(_order_term(term) for term in self.orderby)))
        if self.top is not None:
            params.append(("$top", str(int(self.top))))
        if self.skip is not None:
            params.append(("$skip", str(int(self.skip))))
        params.extend(self.extra)
        return params

    def encode(self) -> str:
        """The query string, percent-encoded with `%20` for spaces."""
        return "&".join(f"{key}={quote(value, safe=_SAFE)}" for key, value in self.params())

    def ordered_by(self) -> list[str]:
        return [term.split()[0] for term in self.orderby]


def _order_term(term: str) -> str:
    parts = term.split()
    if len(parts) == 2 and parts[1] in ("asc", "desc"):
        return f"{'/'.join(_name(p) for p in parts[0].split('/'))} {parts[1]}"
    if len(parts) == 1:
        return "/".join(_name(p) for p in parts[0].split("/"))
    raise ValueError(f"not an $orderby term: {term!r}")
