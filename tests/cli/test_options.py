from __future__ import annotations

import pytest
import typer

from tribe_sync.cli.options import parse_month
from tribe_sync.domain.calendar import Month


@pytest.mark.parametrize(
    "typed", ["2027-01", "januari 2027", "Januari 2027", "JANUARI  2027", " januari 2027 "]
)
def test_a_month_is_taken_as_its_code_or_as_the_tables_show_it_in_any_case(typed: str) -> None:
    assert parse_month(typed) == Month(2027, 1)


@pytest.mark.parametrize("typed", ["januari", "jan 2027", "january 2027", "2027 januari", "13-2027", ""])
def test_a_month_that_is_neither_form_is_refused_naming_both(typed: str) -> None:
    with pytest.raises(typer.BadParameter) as refused:
        parse_month(typed, "--month")
    assert "JJJJ-MM" in refused.value.message
    assert "januari 2027" in refused.value.message
