"""Ctrl+C during work that shares locks with worker threads is taken where the work says it may stop."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator

import pytest

from tribe_sync import interrupts


@pytest.fixture(autouse=True)
def ctrl_c_as_python_starts() -> Iterator[None]:
    """SIGINT raising KeyboardInterrupt, whatever a test before this one left installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def test_ctrl_c_is_raised_where_the_work_checks_not_where_it_lands() -> None:
    reached = []

    def work() -> None:
        with interrupts.deferred() as interrupt:
            signal.raise_signal(signal.SIGINT)
            reached.append("after the signal")
            interrupt.check()
            reached.append("after the check")

    with pytest.raises(KeyboardInterrupt):
        work()
    assert reached == ["after the signal"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_ctrl_c_not_checked_for_is_raised_when_the_work_ends() -> None:
    with pytest.raises(KeyboardInterrupt), interrupts.deferred():
        signal.raise_signal(signal.SIGINT)
    with interrupts.deferred() as interrupt:  # nothing pressed: nothing raised
        interrupt.check()


def test_a_second_ctrl_c_is_raised_at_once() -> None:
    reached = []

    def work() -> None:
        with interrupts.deferred():
            signal.raise_signal(signal.SIGINT)
            reached.append("after the first")
            signal.raise_signal(signal.SIGINT)
            reached.append("after the second")

    with pytest.raises(KeyboardInterrupt):
        work()
    assert reached == ["after the first"]


def test_a_handler_of_our_own_is_deferred_too_and_what_is_left_to_the_kernel_is_left_alone() -> None:
    seen: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        seen.append(signum)
        raise SystemExit(128 + signum)

    def work() -> None:
        with interrupts.deferred() as interrupt:
            assert signal.getsignal(signal.SIGUSR1) is signal.SIG_DFL, "not one it defers"
            signal.raise_signal(signal.SIGTERM)
            assert seen == []
            interrupt.check()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with pytest.raises(SystemExit):
            work()
        assert seen == [signal.SIGTERM]
        assert signal.getsignal(signal.SIGTERM) is stop
    finally:
        signal.signal(signal.SIGTERM, previous)
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with interrupts.deferred():
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, ignored)


def test_in_another_thread_nothing_is_deferred() -> None:
    outcome: list[object] = []

    def elsewhere() -> None:
        with interrupts.deferred() as interrupt:
            interrupt.check()
            outcome.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=elsewhere)
    thread.start()
    thread.join()
    assert outcome == [signal.default_int_handler]
