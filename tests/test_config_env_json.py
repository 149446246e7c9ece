"""A list set in the environment without JSON is a settings error naming the variable, not a crash."""

from __future__ import annotations

import pytest

from tribe_sync.config import load_settings
from tribe_sync.errors import ConfigError


def test_a_holiday_list_in_the_environment_that_is_not_json_names_the_variable_and_shows_the_form(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("TRIBE_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__EXTRA_HOLIDAYS", "2026-12-24")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    message = str(caught.value)
    assert "TRIBE_SYNC_PROGRAMME__EXTRA_HOLIDAYS" in message
    assert "JSON" in message
    assert '["2026-12-24"]' in message


def test_the_same_list_written_as_json_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRIBE_SYNC_CONFIG", raising=False)
    monkeypatch.setenv("TRIBE_SYNC_PROGRAMME__EXTRA_HOLIDAYS", '["2026-12-24"]')
    assert [str(d) for d in load_settings().programme.extra_holidays] == ["2026-12-24"]
