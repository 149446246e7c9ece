"""The console's guards: signed session cookies with an idle timeout, CSRF tokens, login throttling
and the response headers every answer carries.

Sessions live in the cookie itself, signed with itsdangerous (the signer Starlette's own session
middleware uses), so replicas on one store share them without a session table. What the cookie cannot
do by itself, the request checks: the account must still exist, and a password changed after the
session began ends it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from itsdangerous import BadSignature, URLSafeSerializer

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "LoginThrottle",
    "Session",
    "SessionCodec",
    "csrf_matches",
    "security_headers",
    "style_hash",
]

COOKIE = "tribe_sync_console"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass
class Session:
    """What the cookie holds: who (None before login), when they logged in, when last seen, the CSRF
    token of this session."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    user: str | None = None
    since: float = 0.0
    seen: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"c": self.csrf, "u": self.user, "s": self.since, "t": self.seen}


class SessionCodec:
    """Signs and reads session cookies; an unsigned, tampered or idle one reads as a fresh session."""

    def __init__(self, secret: str, idle_timeout_s: float) -> None:
        self._serializer = URLSafeSerializer(secret, salt="tribe-sync-console-session")
        self.idle_timeout_s = idle_timeout_s

    def dumps(self, session: Session) -> str:
        return str(self._serializer.dumps(session.as_dict()))

    def loads(self, cookie: str | None, now: float) -> tuple[Session, bool]:
        """(session, expired): expired is True when a logged-in session sat idle too long."""
        if not cookie:
            return Session(), False
        try:
            data = self._serializer.loads(cookie)
            session = Session(
                csrf=str(data["c"]), user=data["u"], since=float(data["s"]), seen=float(data["t"])
            )
        except (BadSignature, KeyError, TypeError, ValueError):
            return Session(), False
        if session.user is not None and now - session.seen > self.idle_timeout_s:
            return Session(), True
        return session, False


def csrf_matches(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf.encode(), str(sent).encode())


class LoginThrottle:
    """At most `max_failures` failed logins per account and per address within `window_s` seconds.

    Kept in the process: a replica counts its own attempts, which still bounds guessing to a few
    attempts per window per replica."""

    def __init__(
        self, max_failures: int, window_s: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        horizon = self.clock() - self.window_s
        while times and times[0] <= horizon:
            times.popleft()
        return times

    def blocked(self, account: str, address: str) -> bool:
        keys = (f"user:{account}", f"addr:{address}")
        return any(len(self._recent(key)) >= self.max_failures for key in keys)

    def failed(self, account: str, address: str) -> None:
        now = self.clock()
        for key in (f"user:{account}", f"addr:{address}"):
            self._recent(key).append(now)

    def succeeded(self, account: str) -> None:
        self._failures.pop(f"user:{account}", None)


def style_hash(css: str) -> str:
    """The CSP source for an inline stylesheet: only the login page inlines one (nothing else is
    served before login, not even a stylesheet)."""
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def security_headers(inline_style: str) -> dict[str, str]:
    """Every response's headers: nothing loads from elsewhere, nothing inline runs, no framing."""
    csp = "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            f"style-src 'self' {inline_style}",
            "img-src 'self'",
            "connect-src 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
        ]
    )
    return {
        "Content-Security-Policy": csp,
        "X-Content-Type-Options": "nosniff",
        "X-Frame-Options": "DENY",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "Cross-Origin-Opener-Policy": "same-origin",
        "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    }
