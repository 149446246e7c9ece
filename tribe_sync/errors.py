"""Every exception `tribe_sync` raises, in one tree.

Callers catch the branch they can act on; everything foreign (httpx, pydantic, SQLAlchemy, tomllib)
is translated into this tree in exactly one place, with `raise ... from exc`.

    TribeSyncError
    ├── ConfigError                     bad settings file, value or template (exit code 2)
    │   ├── StoreSchemaError            the store is at another schema revision (also a StoreError)
    │   └── StoreAccessError            store.url or its credentials cannot open it (also a StoreError)
    ├── CRMError                        anything between us and Tribe
    │   ├── TransportError              no HTTP answer at all
    │   │   ├── CRMConnectionError      DNS, refused, reset, TLS
    │   │   │   └── CRMUnreachableError nothing ever answered there: a wrong URL, not retried
    │   │   └── CRMTimeoutError         connect/read/write/pool timeout
    │   ├── TokenError                  the OAuth2 token endpoint said no (RFC 6749 `error`)
    │   ├── APIStatusError              the API answered with a status >= 400
    │   │   ├── BadRequestError         400 (e.g. a filter Tribe cannot parse)
    │   │   ├── AuthenticationError     401 after one token refresh
    │   │   ├── PermissionDeniedError   403
    │   │   ├── NotFoundError           404
    │   │   ├── ConflictError           409
    │   │   ├── UnprocessableEntityError 422
    │   │   ├── RateLimitError          429 (every status error has `retry_after` when Tribe sent one)
    │   │   └── ServerError             >= 500
    │   ├── ResponseValidationError     2xx whose body is not what Tribe's protocol promises
    │   └── WaitTooLongError            Tribe asked us to wait longer than crm.max_retry_wait_s
    ├── StoreError                      the journal database failed or refused
    │   └── LockHeldError               another process holds the lock or claim we need
    ├── HandoffError                    a processor file could not be written or read
    ├── UserError                       a console account that cannot be made, found or changed as asked
    ├── PlanError                       a plan cannot be used as asked: unknown, decided, four eyes (exit 2)
    │   └── PlanRefused                 a plan was refused: stale, edited, expired or rejected (exit 3)
    └── InterruptedRun                  a run stopped between two changes on request (SIGTERM)

No message or attribute ever holds a token, client secret or Authorization header: URLs are kept
without their query's secrets (we never put any there) and bodies are cut to a short excerpt.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tribe_sync.plans.document import Difference

__all__ = [
    "APIStatusError",
    "AuthenticationError",
    "BadRequestError",
    "CRMConnectionError",
    "CRMError",
    "CRMTimeoutError",
    "CRMUnreachableError",
    "ConfigError",
    "ConflictError",
    "HandoffError",
    "InterruptedRun",
    "LockHeldError",
    "NotFoundError",
    "PermissionDeniedError",
    "PlanError",
    "PlanRefused",
    "RateLimitError",
    "ResponseValidationError",
    "ServerError",
    "StoreAccessError",
    "StoreError",
    "StoreSchemaError",
    "TokenError",
    "TransportError",
    "TribeSyncError",
    "UnprocessableEntityError",
    "UserError",
    "WaitTooLongError",
    "status_error_class",
]

BODY_EXCERPT_CHARS = 300


class TribeSyncError(Exception):
    """Root of every error this package raises on purpose."""


class ConfigError(TribeSyncError):
    """Settings that cannot be used; the message names the source, the key and what is wrong."""


class CRMError(TribeSyncError):
    """A call to Tribe CRM failed; `method` and `url` say which one, `setting` the key that names
    that URL (`crm.api_url`, or `crm.token_url` for the token endpoint), so a message can point at it."""

    setting = "crm.api_url"

    def __init__(self, message: str, *, method: str = "", url: str = "") -> None:
        super().__init__(message)
        self.method = method
        self.url = url


class TransportError(CRMError):
    """No HTTP response was received.

    `maybe_applied` is False only when the request certainly never reached Tribe (connecting failed),
    which is what decides whether a non-idempotent create may be sent again.
    """

    def __init__(self, message: str, *, method: str = "", url: str = "", maybe_applied: bool = True) -> None:
        super().__init__(message, method=method, url=url)
        self.maybe_applied = maybe_applied


class CRMConnectionError(TransportError):
    pass


class CRMUnreachableError(CRMConnectionError):
    """Connecting failed at an address that never answered this process: almost always a wrong
    setting rather than an outage, so it is said at once instead of after half a minute of retries."""


class CRMTimeoutError(TransportError):
    pass


class TokenError(CRMError):
    """The token endpoint refused us; `error` and `description` are Tribe's (RFC 6749) words."""

    setting = "crm.token_url"

    def __init__(self, error: str, description: str, *, status: int | None, url: str) -> None:
        detail = f": {description}" if description else ""
        super().__init__(f"token request failed ({status}) {error}{detail}", method="POST", url=url)
        self.error = error
        self.description = description
        self.status = status


class APIStatusError(CRMError):
    """Tribe answered with an error status. `tribe_message` is the message from its error body;
    `retry_after` the seconds its `Retry-After` header asked for, or None."""

    def __init__(
        self,
        *,
        method: str,
        url: str,
        status: int,
        tribe_message: str,
        body: str,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.retry_after = retry_after
        self.tribe_message = tribe_message
        self.body_excerpt = body[:BODY_EXCERPT_CHARS]
        text = f"{method} {url} -> {status}"
        if tribe_message:
            text += f": {tribe_message}"
        super().__init__(text, method=method, url=url)


class BadRequestError(APIStatusError):
    pass


class AuthenticationError(APIStatusError):
    pass


class PermissionDeniedError(APIStatusError):
    pass


class NotFoundError(APIStatusError):
    pass


class ConflictError(APIStatusError):
    pass


class UnprocessableEntityError(APIStatusError):
    pass


class RateLimitError(APIStatusError):
    """429: over Tribe's 1000 calls per minute; without `retry_after`, wait at least a minute."""


class ServerError(APIStatusError):
    pass


class WaitTooLongError(CRMError):
    """A retry would wait longer than `crm.max_retry_wait_s` (a `Retry-After: 999999`, say): the run
    fails now, saying so, instead of sleeping for days. `cause` is the failure that asked for the wait."""

    def __init__(self, cause: CRMError, wait_s: float, cap_s: float) -> None:
        self.cause = cause
        self.wait_s = wait_s
        self.cap_s = cap_s
        super().__init__(
            f"{cause}; a retry would have to wait {wait_s:.0f} s, more than crm.max_retry_wait_s "
            f"({cap_s:.0f} s), so the run stops here instead of sleeping; it picks up again on its next run",
            method=cause.method,
            url=cause.url,
        )


class ResponseValidationError(CRMError):
    """A successful response that does not have the shape Tribe's protocol promises."""


class StoreError(TribeSyncError):
    pass


class LockHeldError(StoreError):
    """`holder` is who holds the lock or claim, when known (`host:pid:tag`); `until` when the claim
    lapses if its holder never releases it (UTC), when known."""

    def __init__(self, message: str, *, holder: str | None = None, until: dt.datetime | None = None) -> None:
        super().__init__(message)
        self.holder = holder
        self.until = until


class StoreSchemaError(ConfigError, StoreError):
    """The store is at a schema revision this version cannot use (older, newer or unknown); the message
    names the command to run. A ConfigError, so every command exits 2 with it, as for bad settings."""


class StoreAccessError(ConfigError, StoreError):
    """The store refused `store.url` itself: no such role or database, a wrong password, a URL that
    cannot be parsed. Not an outage but a setting to fix, so a ConfigError (exit 2); the edge names
    `store.url` and where it was set."""


class HandoffError(TribeSyncError):
    pass


class PlanError(TribeSyncError):
    """A saved plan cannot be used as asked: no such plan, already decided, or the approver is the
    submitter while four eyes are required."""


class PlanRefused(PlanError):
    """A plan was not applied because the world moved past it (stale), the file was changed after it
    was made (edited), it is older than `approval.max_age_hours` (expired) or it was rejected.
    `why` is one of those words; `lines` say, per record, what differs (in English, for the operator's
    logs); `difference` is the `plans.document.Difference` they were made from, for staff's words."""

    def __init__(
        self,
        message: str,
        *,
        why: str,
        lines: tuple[str, ...] = (),
        difference: Difference | None = None,
    ) -> None:
        super().__init__(message)
        self.why = why
        self.lines = lines
        self.difference = difference


class InterruptedRun(TribeSyncError):
    """The process was asked to stop; the run ended cleanly between two changes."""


_STATUS_CLASSES: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error_class(status: int) -> type[APIStatusError]:
    """The exception class for an error status; unknown 4xx fall back to the generic one."""
    if status >= 500:
        return ServerError
    return _STATUS_CLASSES.get(status, APIStatusError)


class UserError(TribeSyncError):
    """A console account that cannot be made, found or changed as asked (exists, unknown, weak password)."""
