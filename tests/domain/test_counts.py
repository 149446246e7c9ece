"""Counts read as Dutch staff write them: one is singular, zero and more are plural, never `(s)`."""

from __future__ import annotations

import pytest

from tribe_sync.domain.counts import counted


@pytest.mark.parametrize(
    ("count", "said"),
    [(0, "0 aanvragen"), (1, "1 aanvraag"), (2, "2 aanvragen"), (1234, "1.234 aanvragen")],
)
def test_a_count_takes_the_singular_for_one_and_the_plural_otherwise(count: int, said: str) -> None:
    number = f"{count:,}".replace(",", ".")
    assert counted(count, "aanvraag", "aanvragen", number=number) == said


def test_without_a_written_number_the_count_is_plain() -> None:
    assert counted(1, "regel", "regels") == "1 regel"
    assert counted(11, "regel", "regels") == "11 regels"
