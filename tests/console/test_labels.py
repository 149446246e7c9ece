"""The console's words are the command line's: one table for each kind of thing staff read."""

from __future__ import annotations

from tribe_sync.cli.options import STATE_WORDS
from tribe_sync.cli.wording import STOCK_COLUMNS, forecast_state_words
from tribe_sync.console.labels import FORECAST_STATES, PROBLEM_TITLES
from tribe_sync.domain.forecasts import ForecastState
from tribe_sync.domain.problems import MESSAGES, ProblemCode


def test_more_handed_out_than_received_is_said_with_the_word_the_stock_tables_use() -> None:
    title = PROBLEM_TITLES[ProblemCode.HANDED_OUT_ABOVE_RECEIVED]
    assert title == "Meer uitgegeven dan ontvangen"
    assert STOCK_COLUMNS["handed_out"] in title
    assert "uitgegeven" in MESSAGES[ProblemCode.HANDED_OUT_ABOVE_RECEIVED][1]
    assert [t for t in PROBLEM_TITLES.values() if "uitgedeeld" in t] == []


def test_a_forecast_that_counts_is_telt_on_the_command_line_its_filter_and_the_console() -> None:
    assert FORECAST_STATES == {"effective": "telt", "superseded": "vervangen", "late": "te laat"}
    assert {s.value: forecast_state_words(s.value) for s in ForecastState} == FORECAST_STATES
    assert {s.value: words for s, words in STATE_WORDS.items()} == FORECAST_STATES
