"""When to try a call again, and how long to wait first: small pure functions of the failure.

The policy is a frozen value built once from settings. Only declared transient failures are retried,
and a non-idempotent call (a create) only when the failed attempt certainly never reached Tribe or
Tribe refused it unprocessed (429, 502, 503, 504): a second task is worse than a later run.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from dataclasses import dataclass

from tribe_sync.errors import (
    APIStatusError,
    CRMError,
    CRMUnreachableError,
    RateLimitError,
    TransportError,
    WaitTooLongError,
)

__all__ = ["RetryPolicy", "delay_before_retry", "is_transient", "parse_retry_after", "within_cap"]

_GATEWAY_STATUSES = frozenset({502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 5
    backoff_base_s: float = 1.0
    backoff_max_s: float = 120.0
    rate_limit_wait_s: float = 60.0
    max_wait_s: float = 300.0
    jitter: float = 0.2

    @property
    def max_attempts(self) -> int:
        return self.max_retries + 1


def is_transient(exc: BaseException, *, idempotent: bool) -> bool:
    if isinstance(exc, CRMUnreachableError):
        return False
    if isinstance(exc, TransportError):
        return idempotent or not exc.maybe_applied
    if isinstance(exc, RateLimitError):
        return True
    if isinstance(exc, APIStatusError):
        if exc.status in _GATEWAY_STATUSES:
            return True
        return exc.status == 500 and idempotent
    return False


def delay_before_retry(policy: RetryPolicy, attempt: int, exc: BaseException, rand: float) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based); `rand` is uniform in [0, 1)."""
    backoff = min(policy.backoff_max_s, policy.backoff_base_s * 2.0 ** (attempt - 1))
    backoff = min(backoff * (1 + policy.jitter * (2 * rand - 1)), policy.max_wait_s)
    retry_after: float | None = exc.retry_after if isinstance(exc, APIStatusError) else None
    if retry_after is not None:
        return max(retry_after, 0.0)
    if isinstance(exc, RateLimitError):
        # Tribe: wait at least a minute, then back off exponentially.
        return max(policy.rate_limit_wait_s, backoff)
    return max(backoff, 0.0)


def within_cap(policy: RetryPolicy, delay: float, exc: BaseException) -> float:
    """`delay` if it is at most `policy.max_wait_s`; past it, the run fails with WaitTooLongError.

    Backoff of our own is capped by `backoff_max_s`; what is left to cap is what Tribe asks for
    (`Retry-After`) and `rate_limit_wait_s`. Sleeping 11 days on a header's word is never right."""
    if delay <= policy.max_wait_s:
        return delay
    cause = exc if isinstance(exc, CRMError) else CRMError(str(exc))
    raise WaitTooLongError(cause, delay, policy.max_wait_s) from exc


def parse_retry_after(value: str | None, now: dt.datetime) -> float | None:
    """`Retry-After` as seconds from `now`: a number of seconds or an HTTP date; None if unusable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())
