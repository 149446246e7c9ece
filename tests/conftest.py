from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"

# Every `tribe-sync` a test starts runs in its own process, never in a warm one: the suite leaves no
# warm process behind, and an edited checkout is tested as it is. tests/cli/warm opts back in.
os.environ["TRIBE_SYNC_WARM"] = "off"


class FakeClock:
    """Monotonic time that only moves when someone sleeps: retries and rate limits in microseconds."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--record-fixtures",
        action="store_true",
        help="Record the CRM exchanges of live (sandbox) contract tests into fixtures/cassettes/.",
    )


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _signal_handlers_as_they_were() -> Iterator[None]:
    """A test that runs the daemon or a command in this process may leave its handlers set: the next
    test starts with the ones this one found (Ctrl+C raising KeyboardInterrupt, as Python sets it)."""
    before = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    yield
    for signum, handler in before.items():
        if signal.getsignal(signum) is not handler and handler is not None:
            signal.signal(signum, handler)


@pytest.fixture(autouse=True)
def _no_settings_from_the_developers_shell(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see the embedded defaults unless they set a variable themselves, and a state folder of
    their own (the default journal and outbox live in `$XDG_STATE_HOME/tribe-sync`)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    for key in list(os.environ):
        if key.startswith("TRIBE_SYNC_") and not key.startswith(
            ("TRIBE_SYNC_TEST_", "TRIBE_SYNC_REQUIRE_", "TRIBE_SYNC_WARM")
        ):
            monkeypatch.delenv(key)
