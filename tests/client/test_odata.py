from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from urllib.parse import unquote

import pytest
from hypothesis import given
from hypothesis import strategies as st
from odata_query.grammar import ODataLexer, ODataParser

from tribe_sync.client.odata import Expand, F, Query, any_of, literal


def parse(expression: str):  # type: ignore[no-untyped-def]
    """An independent, maintained OData parser: what Tribe would understand."""
    return ODataParser().parse(ODataLexer().tokenize(expression))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "null"),
        (True, "true"),
        (False, "false"),
        (42, "42"),
        (Decimal("1.50"), "1.50"),
        (2.5, "2.5"),
        ("O'Brien", "'O''Brien'"),
        (uuid.UUID("1b0c0000-0000-4000-8000-000000000001"), "1b0c0000-0000-4000-8000-000000000001"),
        (dt.date(2026, 12, 1), "2026-12-01"),
        (dt.datetime(2026, 1, 31, 10, 15, tzinfo=dt.timezone(dt.timedelta(hours=1))), "2026-01-31T09:15:00Z"),
    ],
)
def test_literals_are_rendered_the_odata_way(value: object, expected: str) -> None:
    assert literal(value) == expected  # type: ignore[arg-type]


def test_a_naive_datetime_is_refused_because_its_moment_is_unknown() -> None:
    with pytest.raises(ValueError, match="naive"):
        literal(dt.datetime(2026, 1, 1))


def test_property_names_cannot_smuggle_in_expressions() -> None:
    with pytest.raises(ValueError, match="property name"):
        F("Name eq 'x' or true")
    with pytest.raises(ValueError, match="property name"):
        Query(select=["Code,ID"]).params()


def test_paths_over_single_navigations_use_slashes() -> None:
    assert F("Phase", "Code").eq("GESLOTEN").text == "Phase/Code eq 'GESLOTEN'"


def test_any_of_is_an_or_chain_because_tribe_has_no_in() -> None:
    expr = any_of(F("Phase", "Code"), ["A", "B"])
    assert expr.text == "(Phase/Code eq 'A' or Phase/Code eq 'B')"
    assert " in " not in expr.text
    with pytest.raises(ValueError, match="at least one"):
        any_of(F("Code"), [])


def test_combined_filters_keep_their_grouping() -> None:
    expr = (F("A").eq(1) | F("B").eq(2)) & ~F("C").eq(None)
    assert expr.text == "((A eq 1) or (B eq 2)) and (not (C eq null))"
    assert parse(expr.text) is not None


def test_nested_expand_renders_options_separated_by_semicolons() -> None:
    query = Query(
        expand=[Expand("ProductLines", select=["Quantity"], expand=[Expand("Product", select=["Code"])])]
    )
    assert query.params() == [("$expand", "ProductLines($select=Quantity;$expand=Product($select=Code))")]


def test_spaces_are_encoded_as_percent_20_never_plus() -> None:
    encoded = Query(filter=F("Name").eq("a b+c&d#e%f")).encode()
    assert "+" not in encoded.replace("%2B", "")
    assert "%20" in encoded
    assert encoded == "$filter=Name%20eq%20'a%20b%2Bc%26d%23e%25f'"


def test_the_issue_example_query_encodes_to_tribes_form() -> None:
    query = Query(
        filter=F("Phase", "Code").eq("WACHT_OP_TOEKENNING"),
        select=["Number", "CreationDate"],
        expand=[Expand("Phase", select=["Code"])],
        orderby=["CreationDate", "ID"],
        top=100,
        skip=0,
    )
    assert query.encode() == (
        "$filter=Phase/Code%20eq%20'WACHT_OP_TOEKENNING'&$select=Number,CreationDate"
        "&$expand=Phase($select=Code)&$orderby=CreationDate,ID&$top=100&$skip=0"
    )


def test_orderby_accepts_directions_and_rejects_anything_else() -> None:
    assert Query(orderby=["CreationDate desc", "ID"]).params() == [("$orderby", "CreationDate desc,ID")]
    with pytest.raises(ValueError, match="orderby"):
        Query(orderby=["CreationDate; DROP"]).params()


@given(st.text())
def test_any_string_literal_round_trips_through_an_odata_parser(text: str) -> None:
    encoded = Query(filter=F("Name").eq(text)).encode()
    expression = unquote(encoded.removeprefix("$filter="))
    tree = parse(expression)
    assert type(tree).__name__ == "Compare"
    assert tree.left.name == "Name"
    assert tree.right.val == text


@given(st.text(), st.text())
def test_a_string_can_never_add_a_second_condition(first: str, second: str) -> None:
    tree = parse((F("A").eq(first) & F("B").contains(second)).text)
    assert type(tree).__name__ == "BoolOp"
    assert tree.left.right.val == first
    assert tree.right.args[1].val == second
