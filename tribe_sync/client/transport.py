"""Authorised, rate-limited, retried calls to the OData API, from any number of worker threads.

One attempt: take a token, enter the throttle (a place in flight, no pause under way), wait for the
rate limiter, send. A 401 means the token went stale (Tribe
does not say how long they live): refresh once and repeat once. Whatever still fails becomes an error
of `tribe_sync.errors`, and the frozen `RetryPolicy` decides, through tenacity, whether to try again.
A 429 pauses the whole client (`Throttle.pause`) before its error is even raised, so that no other
worker starts a call in the meantime; the worker that got it then waits out the same pause.
"""

from __future__ import annotations

import datetime as dt
import logging
import random
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

from tribe_sync.client.auth import TokenProvider
from tribe_sync.client.http import Http
from tribe_sync.client.ratelimit import RateLimiter
from tribe_sync.client.retry import (
    RetryPolicy,
    delay_before_retry,
    is_transient,
    parse_retry_after,
    within_cap,
)
from tribe_sync.client.throttle import Throttle
from tribe_sync.errors import (
    APIStatusError,
    CRMConnectionError,
    CRMUnreachableError,
    RateLimitError,
    status_error_class,
)

__all__ = ["Transport"]

log = logging.getLogger("tribe_sync.client")


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Transport:
    def __init__(
        self,
        http: Http,
        tokens: TokenProvider,
        *,
        policy: RetryPolicy,
        limiter: RateLimiter,
        throttle: Throttle | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = _utcnow,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.http = http
        self.tokens = tokens
        self.policy = policy
        self._limiter = limiter
        self.throttle = throttle or Throttle(1, clock=clock, sleep=sleep)
        self._sleep = sleep
        self._now = now
        self._rand = rand
        self._count = threading.Lock()
        self.retries = 0
        self._answered = False  # whether the API ever answered this process (else a refusal is a setting)

    def request(
        self, method: str, url: str, *, json: Any = None, idempotent: bool, label: str = ""
    ) -> httpx.Response:
        """Send with retries; return a 2xx response or raise an error of `tribe_sync.errors`."""
        retrying = Retrying(
            stop=stop_after_attempt(self.policy.max_attempts),
            retry=retry_if_exception(lambda exc: is_transient(exc, idempotent=idempotent)),
            wait=self._wait,
            sleep=self._sleep,
            before_sleep=self._log_retry,
            reraise=True,
        )
        for attempt in retrying:
            with attempt:
                number = attempt.retry_state.attempt_number
                return self._attempt(method, url, json=json, attempt=number, label=label)
        raise AssertionError("unreachable: tenacity reraises the last error")  # pragma: no cover

    def _attempt(self, method: str, url: str, *, json: Any, attempt: int, label: str) -> httpx.Response:
        token = self.tokens.token()
        response = self._send(method, url, token, json=json, attempt=attempt, label=label)
        if response.status_code == 401:
            self.tokens.invalidate(token)
            token = self.tokens.token()
            response = self._send(method, url, token, json=json, attempt=attempt, label=label)
        if response.status_code >= 400:
            error = self._status_error(method, url, response, token)
            if isinstance(error, RateLimitError):
                # Before anything else: every other worker must stop starting calls from now on.
                # A wait past crm.max_retry_wait_s raises WaitTooLongError here: nobody pauses for it.
                wait = within_cap(
                    self.policy, delay_before_retry(self.policy, attempt, error, self._rand()), error
                )
                self.throttle.pause(wait)
            raise error
        return response

    def _send(
        self, method: str, url: str, token: str, *, json: Any, attempt: int, label: str
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.throttle.enter()
        ok = False
        try:
            self._limiter.acquire()
            self.throttle.wait_out_pause()  # a 429 came in while the limiter kept this call waiting
            try:
                response = self.http.send(
                    method, url, headers=headers, json=json, attempt=attempt, label=label
                )
            except CRMConnectionError as exc:
                if self._answered or exc.maybe_applied:
                    raise  # an outage mid-run: retried as the policy says
                # Nothing has ever listened there in this process: a wrong crm.api_url (or port), not
                # an outage, and not worth half a minute of retries before saying so.
                raise CRMUnreachableError(
                    f"nothing answers at {exc.url} ({type(exc.__cause__).__name__})",
                    method=method,
                    url=exc.url,
                    maybe_applied=False,
                ) from exc.__cause__
            self._answered = True
            ok = response.status_code != 429
            return response
        finally:
            self.throttle.leave(ok=ok)

    def _status_error(self, method: str, url: str, response: httpx.Response, token: str) -> APIStatusError:
        # A server that echoes the request back must not put our token into an exception.
        def redact(text: str) -> str:
            return text.replace(token, "[token]") if token else text

        return status_error_class(response.status_code)(
            method=method,
            url=url.split("?", 1)[0],
            status=response.status_code,
            tribe_message=redact(_tribe_message(response)),
            body=redact(response.text),
            retry_after=parse_retry_after(response.headers.get("Retry-After"), self._now()),
        )

    def _wait(self, state: RetryCallState) -> float:
        assert state.outcome is not None
        exc = state.outcome.exception()
        assert exc is not None
        if isinstance(exc, RateLimitError):
            return self.throttle.remaining()  # the pause every worker keeps, set (capped) when the 429 came
        return within_cap(
            self.policy, delay_before_retry(self.policy, state.attempt_number, exc, self._rand()), exc
        )

    def _log_retry(self, state: RetryCallState) -> None:
        with self._count:
            self.retries += 1
        exc = state.outcome.exception() if state.outcome else None
        wait = state.next_action.sleep if state.next_action else 0.0
        # At WARNING, so that a slow run says why it is slow at the default log level.
        log.warning(
            "retrying in %.0f s (attempt %d of %d): %s",
            wait,
            state.attempt_number + 1,
            self.policy.max_attempts,
            _what_failed(exc),
        )


def _what_failed(exc: BaseException | None) -> str:
    """`503 from GET https://…/Activity_SalesOrder`, or the transport failure as it was raised."""
    if isinstance(exc, APIStatusError):
        return f"{exc.status} from {exc.method} {exc.url}"
    return str(exc)


def _tribe_message(response: httpx.Response) -> str:
    """Tribe's error text: the OData `{"error": {"message"}}` if it sent one, else a plain-text excerpt."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:200]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")
        if isinstance(error, str):
            return str(body.get("error_description") or error)
    return ""
