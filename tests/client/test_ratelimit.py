from __future__ import annotations

from tests.conftest import FakeClock
from tribe_sync.client.ratelimit import SlidingWindowLimiter


def test_the_limiter_allows_a_full_window_then_waits_for_the_oldest_call_to_age_out(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(3, 60.0, clock=clock, sleep=clock.sleep)
    for _ in range(3):
        assert limiter.acquire() == 0
        clock.now += 10
    assert limiter.acquire() == 30.0  # the first call was at t=0, now is t=30


def test_no_sixty_second_window_ever_holds_more_calls_than_allowed(clock: FakeClock) -> None:
    limiter = SlidingWindowLimiter(50, 60.0, clock=clock, sleep=clock.sleep)
    starts = []
    for i in range(400):
        limiter.acquire()
        starts.append(clock.now)
        clock.now += 0.05 * (i % 7)
    for i, start in enumerate(starts):
        in_window = [s for s in starts[i:] if s < start + 60.0]
        assert len(in_window) <= 50
