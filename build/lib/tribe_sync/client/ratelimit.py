"""Client-side rate limiting, so that we never cause our own 429s.

Tribe counts calls in a sliding window (1000 per minute per application). The limiter mirrors that
model exactly: at most `max_calls` starts in any `window_s`, waiting for the oldest to age out.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Protocol

__all__ = ["RateLimiter", "SlidingWindowLimiter"]


class RateLimiter(Protocol):
    def acquire(self) -> float:
        """Block until one more call is allowed; return the seconds waited."""
        ...


class SlidingWindowLimiter:
    def __init__(
        self,
        max_calls: int,
        window_s: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        self.max_calls = max_calls
        self.window_s = window_s
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> float:
        waited = 0.0
        with self._lock:
            while True:
                now = self._clock()
                while self._starts and self._starts[0] <= now - self.window_s:
                    self._starts.popleft()
                if len(self._starts) < self.max_calls:
                    self._starts.append(now)
                    return waited
                pause = self._starts[0] + self.window_s - now
                self._sleep(pause)
                waited += pause
