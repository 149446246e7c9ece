"""Ctrl+C taken at a safe point, for work whose main thread shares locks and store connections with
worker threads.

Python raises KeyboardInterrupt in the main thread between any two bytecodes: inside `Condition.
__enter__` after the lock was taken (the `with` never runs its `__exit__`), between a throttle's
"join the line" and its `try`, or in the middle of sqlite3's `executemany` with the statement half
stepped (SQLAlchemy then closes the connection, which SQLite keeps as a zombie holding its write
lock for as long as the traceback keeps the cursor alive). A refresh interrupted there left the
store locked ("database is locked" when its claim was released) or the client's worker threads
waiting forever for a place the main thread would never give back, and the process hung on its
way out (the warm process's child, which interrupts land in mid-write more often, for minutes).

`deferred()` makes the first SIGINT (or SIGTERM, where a handler of ours turns it into an exception,
as `mirror refresh` does) a request: the work asks `check()` where stopping is safe (between records,
between sets) and the handler that was there raises its exception there (KeyboardInterrupt for
Ctrl+C, as always). A second signal is raised at once, as before, for someone who will not wait. Only
in the main thread and only for a signal with a handler in Python: a signal ignored or left to the
kernel (SIGTERM's default ends the process outright) is left alone, and elsewhere `check()` does
nothing.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

__all__ = ["Deferred", "deferred"]

DEFERRED = (signal.SIGINT, signal.SIGTERM)
Handler = Callable[[int, FrameType | None], object]


class Deferred:
    """The signal that came while the work ran, if any; `check()` raises it where the work may stop."""

    def __init__(self) -> None:
        self.handlers: dict[int, Handler] = {}  # the handlers deferred, by signal
        self.pending: int | None = None

    def take(self, signum: int, frame: FrameType | None) -> None:
        if self.pending is not None:  # a second one: at once, wherever the main thread is
            self.handlers[signum](signum, frame)
        self.pending = signum

    def check(self) -> None:
        if self.pending is not None:
            signum, self.pending = self.pending, None
            self.handlers[signum](signum, None)


@contextmanager
def deferred() -> Iterator[Deferred]:
    """Within: SIGINT (and SIGTERM with a Python handler) are raised only by `check()` (or by a second
    signal); one still pending when the block ends is raised on the way out."""
    pending = Deferred()
    if threading.current_thread() is threading.main_thread():
        for signum in DEFERRED:
            handler = signal.getsignal(signum)
            if callable(handler):
                pending.handlers[signum] = handler
                signal.signal(signum, pending.take)
    try:
        yield pending
    finally:
        for taken, handler in pending.handlers.items():
            signal.signal(taken, handler)
    pending.check()
