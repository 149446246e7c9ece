"""OAuth2 client credentials against Tribe's token endpoint (ORY Hydra).

The token is cached until shortly before `expires_in` runs out. Tribe does not document the lifetime
and it may be short, so the safety margin is a fraction of it rather than a fixed minute.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import SecretStr

from tribe_sync.client.http import Http
from tribe_sync.errors import (
    CRMConnectionError,
    CRMError,
    CRMUnreachableError,
    ResponseValidationError,
    ServerError,
    TokenError,
    TransportError,
)

__all__ = ["TokenProvider"]

_MAX_MARGIN_S = 30.0


class TokenProvider:
    def __init__(
        self,
        http: Http,
        *,
        token_url: str,
        client_id: str,
        client_secret: SecretStr,
        scope: str,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._scope = scope
        self._clock = clock
        self._token: str | None = None
        self._refresh_at = 0.0
        self._lock = threading.Lock()
        self.fetches = 0
        self._answered = False  # whether the token endpoint ever answered this process

    def token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._refresh_at:
                self._token, lifetime = self._fetch()
                margin = min(_MAX_MARGIN_S, lifetime * 0.1)
                self._refresh_at = self._clock() + lifetime - margin
            return self._token

    def invalidate(self, token: str) -> None:
        """Forget `token` (the API refused it); a newer token fetched meanwhile is kept."""
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch(self) -> tuple[str, float]:
        self.fetches += 1
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._client_secret.get_secret_value(),
        }
        if self._scope:
            form["scope"] = self._scope
        try:
            response = self._http.send("POST", self._token_url, data=form, label="token")
        except TransportError as exc:
            _token_endpoint(exc)
            if isinstance(exc, CRMConnectionError) and not self._answered and not exc.maybe_applied:
                # Nothing has ever listened there: a wrong crm.token_url (or port), not an outage,
                # and not worth half a minute of retries before saying so.
                raise _token_endpoint(
                    CRMUnreachableError(
                        f"nothing answers at {self._token_url} ({exc.__cause__.__class__.__name__})",
                        method="POST",
                        url=self._token_url,
                        maybe_applied=False,
                    )
                ) from exc
            raise
        self._answered = True
        body = _json_or_none(response)
        if response.status_code >= 500:
            raise _token_endpoint(
                ServerError(
                    method="POST",
                    url=self._token_url,
                    status=response.status_code,
                    tribe_message=str((body or {}).get("error_description", "")),
                    body="",
                )
            )
        if response.status_code >= 400:
            body = body or {}
            raise TokenError(
                str(body.get("error") or "unknown_error"),
                str(body.get("error_description") or ""),
                status=response.status_code,
                url=self._token_url,
            )
        if not body or not isinstance(body.get("access_token"), str):
            raise ResponseValidationError(
                "the token endpoint answered without an access_token", method="POST", url=self._token_url
            )
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 60.0
        return body["access_token"], max(lifetime, 1.0)


_E = TypeVar("_E", bound=CRMError)


def _token_endpoint(exc: _E) -> _E:
    """Mark `exc` as the token endpoint's, so that its message points at crm.token_url."""
    exc.setting = "crm.token_url"
    return exc


def _json_or_none(response: Any) -> dict[str, Any] | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None
