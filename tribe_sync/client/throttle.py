"""How many calls one client has in flight, and one pause for all of them after a 429.

Calls overlap (pages of a read, sets of a snapshot, independent writes), so a 429 must not be met by
eight workers each retrying on their own: that is a stampede, and it earns more 429s. Every call of
the client enters this throttle first, which gives three guarantees:

- at most `max_in_flight` calls are under way at once;
- a 429 pauses *every* worker until the wait it asked for (its `Retry-After`, or the policy's wait)
  has passed: no call starts meanwhile, not even one that entered before the pause and was waiting
  for the rate limiter when it began (`wait_out_pause`); a later, longer wait extends the pause, and
  workers asleep in it sleep on until its new end;
- after a 429 the client comes back at one call in flight and widens by one per `width` successful
  calls (additive increase), so a tenant that is still busy sees one probe, not a burst.

Threads, not asyncio: the client stays synchronous for its callers, and one `httpx.Client` is shared
by a bounded pool of worker threads (`TribeClient`); this class only coordinates them.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

__all__ = ["Throttle"]


class Throttle:
    def __init__(
        self,
        max_in_flight: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_in_flight < 1:
            raise ValueError("max_in_flight must be at least 1")
        self.max_in_flight = max_in_flight
        self._clock = clock
        self._sleep = sleep
        self._changed = threading.Condition()
        self._width = max_in_flight
        self._in_flight = 0
        self._paused_until = 0.0
        self._successes = 0
        self.pauses = 0

    @property
    def width(self) -> int:
        """How many calls may be in flight right now (lower than the maximum after a 429)."""
        return self._width

    def enter(self) -> None:
        """Block until this call may start: no pause under way and a free place in flight."""
        while True:
            with self._changed:
                pause = self._paused_until - self._clock()
                if pause <= 0:
                    if self._in_flight < self._width:
                        self._in_flight += 1
                        return
                    self._changed.wait()
                    continue
            self._sleep(pause)

    def wait_out_pause(self) -> None:
        """Right before sending, for a call that already holds its place: if a pause began since it
        entered (it waited for the rate limiter meanwhile, perhaps long), give the place back and enter
        again, so that no call starts during a pause, and after it only as many as the width allows."""
        with self._changed:
            if self._paused_until <= self._clock():
                return
            self._in_flight -= 1
            self._changed.notify_all()
        self.enter()

    def leave(self, *, ok: bool) -> None:
        """The call is over; `ok` if it was answered without a 429 (its place is given to the next)."""
        with self._changed:
            self._in_flight -= 1
            if ok and self._width < self.max_in_flight:
                self._successes += 1
                if self._successes >= self._width:
                    self._width += 1
                    self._successes = 0
            self._changed.notify_all()

    def pause(self, seconds: float) -> None:
        """A 429 was answered: no call of this client starts for `seconds`, then one at a time."""
        with self._changed:
            self.pauses += 1
            self._paused_until = max(self._paused_until, self._clock() + max(seconds, 0.0))
            self._width = 1
            self._successes = 0
            self._changed.notify_all()

    def remaining(self) -> float:
        """Seconds until the pause under way ends (0 when none is)."""
        with self._changed:
            return max(0.0, self._paused_until - self._clock())
