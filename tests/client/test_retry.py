from __future__ import annotations

import datetime as dt

import pytest

from tribe_sync.client.retry import RetryPolicy, delay_before_retry, is_transient, parse_retry_after
from tribe_sync.errors import (
    APIStatusError,
    BadRequestError,
    CRMConnectionError,
    CRMTimeoutError,
    RateLimitError,
    ServerError,
)

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def status(cls: type[APIStatusError], code: int, retry_after: float | None = None) -> APIStatusError:
    return cls(method="GET", url="u", status=code, tribe_message="", body="", retry_after=retry_after)


@pytest.mark.parametrize(
    ("exc", "idempotent", "expected"),
    [
        (CRMConnectionError("x", maybe_applied=False), False, True),
        (CRMTimeoutError("x", maybe_applied=True), True, True),
        (CRMTimeoutError("x", maybe_applied=True), False, False),
        (status(RateLimitError, 429), False, True),
        (status(ServerError, 502), False, True),
        (status(ServerError, 503), False, True),
        (status(ServerError, 504), False, True),
        (status(ServerError, 500), True, True),
        (status(ServerError, 500), False, False),
        (status(ServerError, 501), True, False),
        (status(BadRequestError, 400), True, False),
        (ValueError("bug"), True, False),
    ],
)
def test_only_declared_transient_failures_are_retried(
    exc: BaseException, idempotent: bool, expected: bool
) -> None:
    assert is_transient(exc, idempotent=idempotent) is expected


def test_backoff_doubles_up_to_the_cap_with_bounded_jitter() -> None:
    policy = RetryPolicy(backoff_base_s=1, backoff_max_s=10, jitter=0.2)
    error = status(ServerError, 503)
    assert [delay_before_retry(policy, n, error, 0.5) for n in range(1, 6)] == [1, 2, 4, 8, 10]
    assert delay_before_retry(policy, 1, error, 0.0) == pytest.approx(0.8)
    assert delay_before_retry(policy, 1, error, 0.999) == pytest.approx(1.2, abs=1e-3)


def test_retry_after_wins_over_backoff_and_a_bare_429_waits_the_rate_limit_minimum() -> None:
    policy = RetryPolicy(rate_limit_wait_s=60)
    assert delay_before_retry(policy, 3, status(RateLimitError, 429, retry_after=5), 0.5) == 5
    assert delay_before_retry(policy, 1, status(RateLimitError, 429), 0.5) == 60
    assert delay_before_retry(policy, 1, status(ServerError, 503, retry_after=2), 0.5) == 2


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("120", 120.0),
        ("Mon, 23 Nov 2026 12:00:30 GMT", 30.0),
        ("Mon, 23 Nov 2026 11:00:00 GMT", 0.0),
        ("soon", None),
        (None, None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_an_http_date(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, NOW) == expected
