from __future__ import annotations

import pytest
import typer

from tribe_sync.cli.options import parse_month, parse_quarter_filter
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


@pytest.mark.parametrize(
    ("typed", "year", "chosen"),
    [
        (None, None, (None, None)),
        (None, 2027, (2027, None)),
        ("1", None, (None, 1)),
        ("1", 2026, (2026, 1)),
        ("K1 2027", None, (2027, 1)),
        ("k1 2027", 2027, (2027, 1)),
        ("2027-Q1", None, (2027, 1)),
    ],
)
def test_forecasts_quarter_is_a_number_or_a_whole_quarter_that_sets_the_year(
    typed: str | None, year: int | None, chosen: tuple[int | None, int | None]
) -> None:
    assert parse_quarter_filter(typed, year) == chosen


@pytest.mark.parametrize(
    ("typed", "year", "said"),
    [
        ("5", None, "5 kan niet; geef 1 tot en met 4"),
        ("K5 2027", None, "'K5 2027' is geen kwartaal"),
        ("K1 2027", 2026, "K1 2027 valt niet in 2026"),
    ],
)
def test_forecasts_quarter_that_is_none_or_disagrees_with_year_is_refused_in_dutch(
    typed: str, year: int | None, said: str
) -> None:
    with pytest.raises(typer.BadParameter) as refused:
        parse_quarter_filter(typed, year)
    assert said in refused.value.message
