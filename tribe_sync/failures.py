"""The edge: every failure that reaches the top becomes one message and an exit code, never a traceback.

A message says what went wrong, which setting it concerns and where that setting was made (an
environment variable, the settings file, or the default), and what to do. Operator mistakes (a wrong
URL, a port already taken, a driver that is not installed) exit 2 like any configuration error; a
failure of something that was reachable before (the CRM, the store) exits 1.

Outside `cli/` because the executor says the same when a run fails for a configuration reason (a
wrong `crm.token_url` during `jobs run` or the daemon): one message for one mistake, wherever it shows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from tribe_sync.config import Settings
from tribe_sync.errors import (
    ConfigError,
    CRMError,
    CRMUnreachableError,
    LockHeldError,
    PlanError,
    PlanRefused,
    StoreAccessError,
    StoreError,
    TokenError,
    TransportError,
    TribeSyncError,
)

__all__ = ["Failure", "describe_failure"]

log = logging.getLogger("tribe_sync.failures")

_SANDBOX_HINT = "For the local sandbox CRM run `tribe-sync sandbox serve`."


@dataclass(frozen=True)
class Failure:
    title: str
    message: str
    exit_code: int


def _where(settings: Settings | None, key: str) -> str:
    if settings is None:
        return key
    return f"{key} (set by {settings.origin(key)})"


def describe_failure(exc: BaseException, settings: Settings | None) -> Failure:
    """The message and exit code for `exc`; `settings` (if they were read) say where a key was set."""
    if isinstance(exc, StoreAccessError):
        return Failure("configuration error", f"{_sentence(exc)}. Check {_where(settings, 'store.url')}.", 2)
    if isinstance(exc, ConfigError):
        return Failure("configuration error", str(exc), 2)
    if isinstance(exc, PlanRefused):  # nothing was written; say per record why
        return Failure(f"refused ({exc.why})", "\n  ".join([str(exc), *exc.lines]), 3)
    if isinstance(exc, PlanError):  # staff's own decisions: the word they read is Dutch
        return Failure("fout", str(exc), 2)
    if isinstance(exc, CRMUnreachableError):
        return Failure(
            "configuration error",
            f"nothing answers at {exc.url}. Check {_where(settings, exc.setting)}: host, port and path. "
            + _SANDBOX_HINT,
            2,
        )
    if isinstance(exc, TokenError):
        if exc.status in (401, 403) or exc.error in ("invalid_client", "unauthorized_client"):
            keys = f"{_where(settings, 'crm.client_id')} and {_where(settings, 'crm.client_secret')}"
            return Failure("configuration error", f"{_sentence(exc)}. Check {keys}.", 2)
        if exc.error == "invalid_scope":
            return Failure(
                "configuration error", f"{_sentence(exc)}. Check {_where(settings, 'crm.scope')}.", 2
            )
        return Failure(
            "configuration error",
            f"{exc.url} answered {exc.status} ({exc.error}) where a token was expected: it does not "
            f"behave like an OAuth2 token endpoint. Check {_where(settings, 'crm.token_url')}.",
            2,
        )
    if isinstance(exc, TransportError):
        return Failure(
            "error",
            f"cannot reach the CRM: {_sentence(exc)}. Is {_where(settings, exc.setting)} right? "
            + _SANDBOX_HINT,
            1,
        )
    if isinstance(exc, CRMError):
        return Failure("error", str(exc), 1)
    if isinstance(exc, LockHeldError):
        return Failure("error", str(exc), 1)
    if isinstance(exc, StoreError):
        return Failure("error", f"{_sentence(exc)}. Check {_where(settings, 'store.url')}.", 1)
    if isinstance(exc, TribeSyncError):
        return Failure("error", str(exc), 1)
    log.debug("unexpected error", exc_info=exc)
    return Failure(
        "unexpected error",
        f"{type(exc).__name__}: {_sentence(exc)}. This is a bug in tribe-sync; please report it with the "
        "command you ran (rerun with -vv to see where it happened).",
        1,
    )


def _sentence(exc: BaseException) -> str:
    """`exc`'s message to be followed by ". ": without a full stop of its own (Tribe's descriptions
    end in one: "Client authentication failed.")."""
    return str(exc).rstrip().rstrip(".")
