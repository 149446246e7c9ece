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
  calls (additive increase), so a tenant that is still busy sees one probe, not a burst;
- places are given first come, first served: a call that waits for one gets it before any call that
  came later. Without that, the daemon's read-model refresh (one call at a time, on a thread of its
  own) lost every free place to the stream of a long job's page fetches, each of which entered the
  moment it arrived, and waited for the job's whole read (a webhook's refresh logged after a 58 s
  catch-up audit).

Threads, not asyncio: the client stays synchronous for its callers, and one `httpx.Client` is shared
by a bounded pool of worker threads (`TribeClient`); this class only coordinates them.
"""

from __future__ import annotations

import threading
import time
from collections import deque
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
        self._line: deque[object] = deque()  # the calls waiting for a place, in the order they came
        self.pauses = 0

    @property
    def width(self) -> int:
        """How many calls may be in flight right now (lower than the maximum after a 429)."""
        return self._width

    @property
    def waiting(self) -> int:
        """How many calls wait for a place (or for a pause to end) right now."""
        with self._changed:
            return len(self._line)

    def enter(self) -> None:
        """Block until this call may start: no pause under way, a free place in flight, and no call
        that came earlier still waiting for one."""
        me = object()
        with self._changed:
            self._line.append(me)
        try:
            while True:
                with self._changed:
                    pause = self._paused_until - self._clock()
                    if pause <= 0:
                        if self._line[0] is me and self._in_flight < self._width:
                            self._line.popleft()
                            self._in_flight += 1
                            self._changed.notify_all()  # the next in line may fit in a place too
                            return
                        self._changed.wait()
                        continue
                self._sleep(pause)
        except BaseException:  # interrupted while waiting: leave the line, or nobody behind gets in
            with self._changed:
                if me in self._line:
                    self._line.remove(me)
                    self._changed.notify_all()
            raise

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
