"""The OData subset Tribe understands, evaluated over the sandbox's records.

`$filter` is parsed by odata-query (a maintained parser) and compiled once into a Python predicate;
`in` and `has` are refused as Tribe refuses them. Records hold scalar properties under their names and
navigations as IDs (a list for collections); navigations appear in answers only when expanded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from odata_query import ast
from odata_query.exceptions import ODataException
from odata_query.grammar import ODataLexer, ODataParser

from tribe_sync.sandbox.errors import ODataError
from tribe_sync.sandbox.tenant import SETS, EntitySet

__all__ = [
    "Expansion",
    "ReadQuery",
    "Records",
    "compile_filter",
    "ids_named_by",
    "parse_read",
    "shape",
    "sort_key_for",
]

Record = dict[str, Any]
Predicate = Callable[[Record], bool]


class Records(Protocol):
    def get(self, entity_set: str, record_id: str) -> Record | None: ...


@dataclass
class Expansion:
    nav: str
    select: list[str] = field(default_factory=list)
    expand: list[Expansion] = field(default_factory=list)
    filter: str | None = None
    orderby: str | None = None


@dataclass
class ReadQuery:
    filter: str | None = None
    select: list[str] = field(default_factory=list)
    expand: list[Expansion] = field(default_factory=list)
    orderby: str | None = None
    top: int | None = None
    skip: int = 0


def bad(message: str) -> ODataError:
    return ODataError(400, "BadRequest", message)


def parse_read(params: Mapping[str, str]) -> ReadQuery:
    query = ReadQuery(filter=params.get("$filter") or None, orderby=params.get("$orderby") or None)
    if params.get("$select"):
        query.select = [s.strip() for s in split_top(params["$select"], ",")]
    if params.get("$expand"):
        query.expand = [parse_expansion(e) for e in split_top(params["$expand"], ",")]
    for name in ("$top", "$skip"):
        if name in params:
            try:
                value = int(params[name])
            except ValueError:
                raise bad(f"{name} must be a non-negative integer") from None
            if value < 0:
                raise bad(f"{name} must be a non-negative integer")
            setattr(query, name[1:], value)
    return query


def parse_expansion(text: str) -> Expansion:
    text = text.strip()
    if "(" not in text:
        return Expansion(text)
    if not text.endswith(")"):
        raise bad(f"malformed $expand item: {text}")
    nav, options = text[: text.index("(")], text[text.index("(") + 1 : -1]
    expansion = Expansion(nav.strip())
    for option in split_top(options, ";"):
        key, _, value = option.partition("=")
        key = key.strip()
        if key == "$select":
            expansion.select = [s.strip() for s in split_top(value, ",")]
        elif key == "$expand":
            expansion.expand = [parse_expansion(e) for e in split_top(value, ",")]
        elif key == "$filter":
            expansion.filter = value
        elif key == "$orderby":
            expansion.orderby = value
        else:
            raise bad(f"unsupported $expand option {key}")
    return expansion


def split_top(text: str, separator: str) -> list[str]:
    """Split on `separator` outside parentheses and quoted strings."""
    parts: list[str] = []
    current: list[str] = []
    depth, quoted = 0, False
    for char in text:
        if char == "'":
            quoted = not quoted
        elif not quoted and char == "(":
            depth += 1
        elif not quoted and char == ")":
            depth -= 1
        if char == separator and depth == 0 and not quoted:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


# -- $filter -----------------------------------------------------------------------------------


def compile_filter(text: str, entity_set: EntitySet, records: Records) -> Predicate:
    """A predicate for `$filter` text; ODataError 400 for what Tribe could not parse or answer."""
    predicate: Predicate = _compile(_parse(text), entity_set, records)
    return predicate


def ids_named_by(text: str) -> frozenset[str] | None:
    """The IDs a filter that is only `ID eq <guid>` terms joined by `or` names (lower case), else None.

    Our own look-ups by ID are such chains (`any_of`): the store reads just those records instead of
    testing every record of the set. Whatever else the filter is, the predicate decides as before."""
    try:
        terms = _or_terms(_parse(text))
    except ODataError:
        return None
    ids = set()
    for term in terms:
        if not (
            isinstance(term, ast.Compare)
            and isinstance(term.comparator, ast.Eq)
            and isinstance(term.left, ast.Identifier)
            and not term.left.namespace
            and term.left.name == "ID"
            and isinstance(term.right, ast.GUID)
        ):
            return None
        ids.add(str(term.right.val).lower())
    return frozenset(ids)


def _parse(text: str) -> Any:
    try:
        return ODataParser().parse(ODataLexer().tokenize(text))
    except ODataException as exc:
        raise bad(f"The query specified in the URI is not valid: {exc}") from exc
    except Exception as exc:  # the lexer raises plain errors on stray characters
        raise bad(f"The query specified in the URI is not valid: {exc}") from exc


def _or_terms(node: Any) -> list[Any]:
    """The operands of an `or` chain, flattened (one term for anything else)."""
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        return _or_terms(node.left) + _or_terms(node.right)
    return [node]


def _compile(node: Any, es: EntitySet, records: Records) -> Any:
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        membership = _one_of(_or_terms(node), es, records)
        if membership is not None:
            return membership
    if isinstance(node, ast.BoolOp):
        left, right = _compile(node.left, es, records), _compile(node.right, es, records)
        if isinstance(node.op, ast.And):
            return lambda r: bool(left(r)) and bool(right(r))
        return lambda r: bool(left(r)) or bool(right(r))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        operand = _compile(node.operand, es, records)
        return lambda r: not operand(r)
    if isinstance(node, ast.Compare):
        return _compare(node, es, records)
    if isinstance(node, ast.Call):
        return _call(node, es, records)
    if isinstance(node, ast.Identifier | ast.Attribute):
        getter = _path(node, es, records)
        return lambda r: getter(r) is True
    raise bad(f"unsupported expression in $filter: {type(node).__name__}")


def _one_of(terms: list[Any], es: EntitySet, records: Records) -> Predicate | None:
    """`P eq a or P eq b or …` (one property, literals of one kind) as one set look-up instead of a
    chain of comparisons per record: the `any_of` chains of 40 IDs, numbers or ImportIds."""
    paths, kinds, values = set(), set(), set()
    for term in terms:
        if not (
            isinstance(term, ast.Compare)
            and isinstance(term.comparator, ast.Eq)
            and isinstance(term.left, ast.Identifier | ast.Attribute)
            and isinstance(term.right, ast.String | ast.GUID | ast.Integer)
        ):
            return None
        paths.add(repr(term.left))
        kinds.add(_literal_kind(term.right))
        values.add(_coerce(_literal(term.right), _literal_kind(term.right)))
    if len(paths) != 1 or len(kinds) != 1:
        return None
    getter, kind = _operand(terms[0].left, es, records), kinds.pop()

    def predicate(record: Record) -> bool:
        value = _coerce(getter(record), kind)
        try:
            return value in values
        except TypeError:  # an unhashable value equals none of the literals
            return False

    return predicate


_OPS: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: lambda a, b: a == b,
    ast.NotEq: lambda a, b: a != b,
    ast.Lt: lambda a, b: a is not None and b is not None and a < b,
    ast.LtE: lambda a, b: a is not None and b is not None and a <= b,
    ast.Gt: lambda a, b: a is not None and b is not None and a > b,
    ast.GtE: lambda a, b: a is not None and b is not None and a >= b,
}


def _compare(node: ast.Compare, es: EntitySet, records: Records) -> Predicate:
    op = _OPS.get(type(node.comparator))
    if op is None:
        name = type(node.comparator).__name__.lower()
        raise bad(f"The '{name}' operator is not supported.")
    left, right = _operand(node.left, es, records), _operand(node.right, es, records)
    kind = _literal_kind(node.left) or _literal_kind(node.right)

    def predicate(record: Record) -> bool:
        a, b = _coerce(left(record), kind), _coerce(right(record), kind)
        try:
            return op(a, b)
        except TypeError:
            return False

    return predicate


def _call(node: ast.Call, es: EntitySet, records: Records) -> Predicate:
    name = node.func.name.lower()
    if name not in ("contains", "startswith", "endswith") or len(node.args) != 2:
        raise bad(f"Unknown function '{node.func.name}'.")
    subject, needle = (_operand(arg, es, records) for arg in node.args)
    tests: dict[str, Callable[[str, str], bool]] = {
        "contains": lambda a, b: b in a,
        "startswith": lambda a, b: a.startswith(b),
        "endswith": lambda a, b: a.endswith(b),
    }
    test = tests[name]

    def predicate(record: Record) -> bool:
        a, b = subject(record), needle(record)
        return isinstance(a, str) and isinstance(b, str) and test(a.lower(), b.lower())

    return predicate


def _operand(node: Any, es: EntitySet, records: Records) -> Callable[[Record], Any]:
    if isinstance(node, ast.Identifier | ast.Attribute):
        return _path(node, es, records)
    if isinstance(node, ast.List):
        raise bad("The 'in' operator is not supported.")
    value = _literal(node)
    return lambda _record: value


def _path(node: Any, es: EntitySet, records: Records) -> Callable[[Record], Any]:
    if isinstance(node, ast.Identifier):
        if node.namespace:
            raise bad(f"unsupported namespaced name {node.name}")
        return _property(node.name, es, records)[0]
    owner_getter, owner_set = _nav_path(node.owner, es, records)
    attr_getter, _ = _property(node.attr, owner_set, records)

    def getter(record: Record) -> Any:
        target = owner_getter(record)
        return None if target is None else attr_getter(target)

    return getter


def _nav_path(node: Any, es: EntitySet, records: Records) -> tuple[Callable[[Record], Any], EntitySet]:
    parent_getter: Callable[[Record], Any]
    if isinstance(node, ast.Identifier):
        name, parent_getter, parent_set = node.name, (lambda r: r), es
    else:
        parent_getter, parent_set = _nav_path(node.owner, es, records)
        name = node.attr
    nav = parent_set.navs.get(name)
    if nav is None:
        raise bad(f"Could not find a navigation property named '{name}' on '{parent_set.name}'.")
    if nav.many:
        raise bad(f"A path through the collection '{name}' is not supported.")

    def getter(record: Record) -> Any:
        parent: Record | None = parent_getter(record)
        target_id = None if parent is None else parent.get(name)
        return None if target_id is None else records.get(nav.target, target_id)

    return getter, SETS[nav.target]


def _property(name: str, es: EntitySet, records: Records) -> tuple[Callable[[Record], Any], EntitySet]:
    if name in es.all_props:
        return (lambda r: r.get(name)), es
    if name in es.navs:
        raise bad(f"'{name}' is a navigation property; compare one of its properties, e.g. {name}/ID.")
    raise bad(f"Could not find a property named '{name}' on type '{es.name}'.")


def _literal(node: Any) -> Any:
    if isinstance(node, ast.Null):
        return None
    if isinstance(node, ast.Boolean):
        return node.val == "true"
    if isinstance(node, ast.Integer):
        return int(node.val)
    if isinstance(node, ast.Float):
        return float(node.val)
    if isinstance(node, ast.String | ast.GUID | ast.Date | ast.DateTime):
        return node.val
    raise bad(f"unsupported literal {type(node).__name__}")


def _literal_kind(node: Any) -> str | None:
    if isinstance(node, ast.DateTime):
        return "datetime"
    if isinstance(node, ast.Date):
        return "date"
    if isinstance(node, ast.GUID):
        return "guid"
    return None


def _coerce(value: Any, kind: str | None) -> Any:
    if value is None or kind is None or not isinstance(value, str):
        return value
    try:
        if kind == "datetime":
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        if kind == "date":
            return dt.date.fromisoformat(value[:10])
    except ValueError:
        return None
    return value.lower()


# -- $orderby, $select, $expand ------------------------------------------------------------------


def sort_key_for(orderby: str, es: EntitySet, records: Records) -> list[tuple[Callable[[Record], Any], bool]]:
    keys = []
    for term in split_top(orderby, ","):
        parts = term.split()
        if not parts or len(parts) > 2 or (len(parts) == 2 and parts[1] not in ("asc", "desc")):
            raise bad(f"invalid $orderby term '{term}'")
        path = parts[0].split("/")
        node: Any = ast.Identifier(path[0])
        for segment in path[1:]:
            node = ast.Attribute(node, segment)
        keys.append((_path(node, es, records), len(parts) == 2 and parts[1] == "desc"))
    return keys


def apply_order(rows: list[Record], keys: list[tuple[Callable[[Record], Any], bool]]) -> list[Record]:
    # Stable sorts from the last key to the first; null sorts lowest, as in OData.
    for getter, descending in reversed(keys):
        rows.sort(
            key=lambda r, g=getter: (g(r) is not None, g(r) if g(r) is not None else 0),  # type: ignore[misc]
            reverse=descending,
        )
    return rows


def shape(
    record: Record, es: EntitySet, select: list[str], expand: list[Expansion], records: Records
) -> Record:
    """What the API answers for one record: selected properties (all when none), expanded navigations."""
    for name in select:
        if name not in es.all_props and name not in es.navs:
            raise bad(f"Could not find a property named '{name}' on type '{es.name}'.")
    names = [n for n in select if n in es.all_props] if select else list(es.all_props)
    out = {"ID": record["ID"], **{n: record.get(n) for n in names}}
    for expansion in expand:
        nav = es.navs.get(expansion.nav)
        if nav is None:
            raise bad(f"Could not find a navigation property named '{expansion.nav}' on '{es.name}'.")
        target = SETS[nav.target]
        if nav.many:
            items = [t for t in (records.get(nav.target, i) for i in record.get(expansion.nav) or []) if t]
            if expansion.filter:
                keep = compile_filter(expansion.filter, target, records)
                items = [t for t in items if keep(t)]
            if expansion.orderby:
                items = apply_order(items, sort_key_for(expansion.orderby, target, records))
            out[expansion.nav] = [
                shape(t, target, expansion.select, expansion.expand, records) for t in items
            ]
        else:
            ref = record.get(expansion.nav)
            found = records.get(nav.target, ref) if ref else None
            out[expansion.nav] = (
                shape(found, target, expansion.select, expansion.expand, records) if found else None
            )
    return out
