"""The one I/O seam: every HTTP exchange with Tribe (API and token endpoint) passes here.

httpx's exceptions are translated into `tribe_sync.errors` in this module and nowhere else, and each
exchange is logged as one DEBUG line that never holds a header or a body.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

import httpx

from tribe_sync.errors import CRMConnectionError, CRMTimeoutError

__all__ = ["Http"]

log = logging.getLogger("tribe_sync.client")

# These failures happen before the request reaches the server, so resending cannot duplicate it.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class Http:
    """Sends one request, translates failures, logs the exchange, and counts calls for metrics."""

    def __init__(
        self,
        client: httpx.Client,
        *,
        clock: Callable[[], float] = time.monotonic,
        on_response: Callable[[int], None] | None = None,
    ) -> None:
        """`on_response` is told each answer's status (the store's per-minute call counts); it must
        be quick, as it runs on the calling thread."""
        self._client = client
        self._clock = clock
        self._on_response = on_response
        self._count = threading.Lock()  # worker threads share one Http
        self.calls = 0
        self.status_counts: dict[int, int] = {}

    def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        attempt: int = 1,
        label: str = "",
    ) -> httpx.Response:
        started = self._clock()
        with self._count:
            self.calls += 1
        try:
            response = self._client.request(method, url, headers=headers, json=json, data=data)
        except httpx.TimeoutException as exc:
            raise CRMTimeoutError(
                f"{method} {_strip_query(url)} timed out ({type(exc).__name__})",
                method=method,
                url=_strip_query(url),
                maybe_applied=not isinstance(exc, _NOT_SENT),
            ) from exc
        except httpx.TransportError as exc:
            raise CRMConnectionError(
                f"{method} {_strip_query(url)} failed: {type(exc).__name__}",
                method=method,
                url=_strip_query(url),
                maybe_applied=not isinstance(exc, _NOT_SENT),
            ) from exc
        with self._count:
            self.status_counts[response.status_code] = self.status_counts.get(response.status_code, 0) + 1
        if self._on_response is not None:
            self._on_response(response.status_code)
        log.debug(
            "%s %s -> %s in %.0f ms (attempt %d)",
            method,
            label or _strip_query(url),
            response.status_code,
            (self._clock() - started) * 1000,
            attempt,
        )
        return response

    def close(self) -> None:
        self._client.close()


def _strip_query(url: str) -> str:
    return url.split("?", 1)[0]
