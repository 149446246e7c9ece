"""Everything one sandbox instance holds besides records: credentials, tokens, faults, the request log."""

from __future__ import annotations

import datetime as dt
import math
import random
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from tribe_sync.sandbox.store import SandboxStore

__all__ = ["Faults", "LoggedCall", "SandboxState"]


@dataclass
class Faults:
    """What can go wrong on purpose. Injected failures happen before a request is processed."""

    latency_ms: int = 0
    # True: `latency_ms` is how long a call takes, the sandbox's own work on it counted in, as a hosted
    # CRM's latency includes its servers' work. False: the delay comes on top of that work, which one
    # Python process does for every call in turn, so calls in flight together queue for it.
    latency_counts_work: bool = False
    fail_rate: float = 0.0
    fail_statuses: tuple[int, ...] = (429, 429, 500, 502, 503)
    retry_after_s: int | None = 1  # on injected 429s; every other one goes without, as Tribe may
    rate_limit_per_min: int | None = None
    token_ttl_s: float = 3600.0
    page_cap: int = 100
    stall_rate: float = 0.0  # a fraction of calls answered only after `stall_s`, once processed
    stall_s: float = 0.0

    def update(self, changes: dict[str, Any]) -> None:
        for name, value in changes.items():
            if name not in self.__dataclass_fields__:
                raise ValueError(f"unknown fault setting {name!r}")
            setattr(self, name, tuple(value) if name == "fail_statuses" else value)


@dataclass(frozen=True)
class LoggedCall:
    method: str
    path: str
    query: str
    status: int
    client_id: str | None


@dataclass
class SandboxState:
    store: SandboxStore
    clients: dict[str, str] = field(default_factory=lambda: {"sandbox": "sandbox"})
    faults: Faults = field(default_factory=Faults)
    seed: int = 1
    fixed_now: dt.datetime | None = None
    ahead: dt.timedelta = dt.timedelta(0)  # a clock that runs on from a simulated day (the demo's)
    monotonic: Callable[[], float] = time.monotonic
    log: list[LoggedCall] = field(default_factory=list)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)
    _windows: dict[str, deque[float]] = field(default_factory=dict)
    _injected: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def now(self) -> dt.datetime:
        return self.fixed_now or dt.datetime.now(dt.UTC) + self.ahead

    def issue_token(self, client_id: str) -> str:
        token = secrets.token_urlsafe(32)
        self.tokens[token] = (client_id, self.monotonic() + self.faults.token_ttl_s)
        return token

    def client_for(self, token: str) -> str | None:
        found = self.tokens.get(token)
        if found is None or self.monotonic() >= found[1]:
            self.tokens.pop(token, None)
            return None
        return found[0]

    def injected_failure(self) -> tuple[int, dict[str, str]] | None:
        if self.faults.fail_rate <= 0 or self.rng.random() >= self.faults.fail_rate:
            return None
        status = self.rng.choice(self.faults.fail_statuses)
        self._injected += 1
        headers = {}
        if status == 429 and self.faults.retry_after_s is not None and self._injected % 2:
            headers["Retry-After"] = str(self.faults.retry_after_s)
        return status, headers

    def over_rate_limit(self, client_id: str) -> int | None:
        """Seconds to wait if this call is over the sliding-window limit; None if it may go."""
        limit = self.faults.rate_limit_per_min
        if not limit:
            return None
        window = self._windows.setdefault(client_id, deque())
        now = self.monotonic()
        while window and window[0] <= now - 60:
            window.popleft()
        if len(window) >= limit:
            return max(1, math.ceil(window[0] + 60 - now))
        window.append(now)
        return None

    def calls(self, method: str | None = None, path_prefix: str = "/v1/odata/") -> list[LoggedCall]:
        return [
            c for c in self.log if c.path.startswith(path_prefix) and (method is None or c.method == method)
        ]

    def faults_dict(self) -> dict[str, Any]:
        return asdict(self.faults)
