"""Tribe's webhooks as they arrive at the daemon: every check a hostile sender could get past, in the
order that costs it the most and us the least.

1. Not configured (no `daemon.webhook_secret`): 404, nothing read.
2. A declared body (`Content-Length`) over `daemon.webhook_max_bytes`: 413, nothing read.
3. No signature header, or one that is not ASCII Base64: 401, nothing read.
4. The body is read in chunks and abandoned past the limit (a body sent without a length): 413.
5. The signature (HMAC-SHA512 of the body, keyed with the secret, Base64) does not match: 401.
6. Not a Tribe envelope, or nested too deeply to be one: 400.
7. A body already accepted within `daemon.webhook_replay_window_s`: 200, nothing done (a replay, or
   Tribe retrying a delivery whose answer it lost).

What a webhook may start is debounced and rate-limited by the daemon (`next_webhook_run`): a flood of
validly signed deliveries still runs the month closing at most once per `daemon.webhook_min_interval_s`.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import json
import threading
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable
from typing import Any

__all__ = [
    "MAX_DEPTH",
    "BodyTooLarge",
    "ReplayGuard",
    "declared_length",
    "next_webhook_run",
    "parse_envelope",
    "read_capped",
    "signature_bytes",
    "verify_signature",
]

MAX_DEPTH = 32  # Tribe's envelope is three levels deep; anything far deeper is not one of its


class BodyTooLarge(Exception):
    """The body went past the limit while it was being read."""


def declared_length(value: str | None) -> int | None:
    """The `Content-Length` as a number; None if absent. A malformed one is a ValueError."""
    if value is None:
        return None
    if not value.strip().isdigit():
        raise ValueError("Content-Length is not a number")
    return int(value)


async def read_capped(chunks: AsyncIterator[bytes], limit: int) -> bytes:
    """The body, read chunk by chunk; past `limit` bytes reading stops (BodyTooLarge)."""
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limit:
            raise BodyTooLarge
    return bytes(body)


def signature_bytes(header: str) -> bytes | None:
    """The digest a signature header carries, or None if it is not ASCII Base64 of the right length.

    HTTP headers arrive as Latin-1 text: comparing such a `str` with `hmac.compare_digest` raises for
    non-ASCII characters, so the header is turned into bytes first, and anything odd is just a bad
    signature."""
    try:
        digest = base64.b64decode(header.strip().encode("ascii"), validate=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None
    return digest if len(digest) == hashlib.sha512().digest_size else None


def verify_signature(secret: str, body: bytes, signature: str) -> bool:
    """Tribe signs a webhook with HMAC-SHA512 keyed with the secret and sends the Base64 of the digest."""
    given = signature_bytes(signature)
    if given is None:
        return False
    return hmac.compare_digest(hmac.new(secret.encode(), body, hashlib.sha512).digest(), given)


def parse_envelope(body: bytes) -> dict[str, Any]:
    """Tribe's `{"webhookId", "payload"}`; ValueError for anything else, however it is malformed."""
    try:
        envelope = json.loads(body)
    except RecursionError:
        raise ValueError("nested too deeply") from None
    if not isinstance(envelope, dict) or "payload" not in envelope:
        raise ValueError("not an envelope")
    if _depth(envelope) > MAX_DEPTH:
        raise ValueError("nested too deeply")
    return envelope


def _depth(value: Any) -> int:
    """Nesting depth without recursion (a body just under the parser's limit must not crash us here)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            return depth
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        stack.extend((child, depth + 1) for child in children)
    return deepest


class ReplayGuard:
    """The digests of the bodies accepted lately: a body seen within the window is a replay.

    Bounded both ways: entries older than `window_s` are forgotten, and at most `capacity` are kept
    (the oldest go first), so a flood of distinct signed bodies cannot grow the daemon's memory."""

    def __init__(
        self, window_s: float, capacity: int = 4096, *, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.window_s = window_s
        self.capacity = capacity
        self._clock = clock
        self._seen: OrderedDict[bytes, float] = OrderedDict()
        self._lock = threading.Lock()

    def first_time(self, body: bytes) -> bool:
        """True the first time `body` is seen within the window (and remember it); False for a replay."""
        digest = hashlib.sha256(body).digest()
        now = self._clock()
        with self._lock:
            while self._seen and next(iter(self._seen.values())) <= now - self.window_s:
                self._seen.popitem(last=False)
            if digest in self._seen:
                return False
            self._seen[digest] = now
            while len(self._seen) > self.capacity:
                self._seen.popitem(last=False)
            return True


def next_webhook_run(
    now: dt.datetime, last_started: dt.datetime | None, delay: dt.timedelta, min_interval: dt.timedelta
) -> dt.datetime:
    """When a webhook-triggered run should start: after `delay` (a burst becomes one run), and never
    sooner than `min_interval` after the previous webhook-triggered run started."""
    earliest = now + delay
    if last_started is not None:
        earliest = max(earliest, last_started + min_interval)
    return earliest
