"""The typed Tribe CRM client: read across pages, read one, count, create, update, `$metadata`.

Deliberately absent: delete. `tribe_sync` never deletes programme data (TENANT.md section 3).
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

import httpx
from pydantic import ValidationError

from tribe_sync.client.auth import TokenProvider
from tribe_sync.client.http import Http
from tribe_sync.client.odata import Query
from tribe_sync.client.ratelimit import RateLimiter, SlidingWindowLimiter
from tribe_sync.client.retry import RetryPolicy
from tribe_sync.client.transport import Transport
from tribe_sync.client.wire import Record
from tribe_sync.config import CRMSettings
from tribe_sync.errors import ResponseValidationError

__all__ = ["MAX_PAGE_SIZE", "TribeClient"]

log = logging.getLogger("tribe_sync.client")

MAX_PAGE_SIZE = 100
_SET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class TribeClient:
    """Synchronous and thread-safe; one per process, closed with the process (or a `with` block)."""

    def __init__(
        self,
        transport: Transport,
        odata_root: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        update_method: str = "put",
        request_count: bool = False,
    ) -> None:
        self.transport = transport
        self.root = odata_root if odata_root.endswith("/") else odata_root + "/"
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.update_method = update_method
        self.request_count = request_count

    @classmethod
    def from_settings(
        cls,
        crm: CRMSettings,
        *,
        http_client: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> TribeClient:
        if not crm.verify_tls:
            log.warning(
                "TLS verification is OFF for %s (crm.verify_tls = false): only for a test tenant", crm.api_url
            )
        if http_client is None:
            http_client = httpx.Client(
                timeout=httpx.Timeout(crm.timeout_s, connect=min(crm.timeout_s, 10.0)),
                verify=crm.verify_tls,
                headers={"User-Agent": "tribe-sync"},
            )
        http = Http(http_client, clock=clock)
        tokens = TokenProvider(
            http,
            token_url=crm.token_url,
            client_id=crm.client_id,
            client_secret=crm.client_secret,
            scope=crm.scope,
            clock=clock,
        )
        policy = RetryPolicy(
            max_retries=crm.max_retries,
            backoff_base_s=crm.backoff_base_s,
            backoff_max_s=crm.backoff_max_s,
            rate_limit_wait_s=crm.rate_limit_wait_s,
        )
        if limiter is None:
            limiter = SlidingWindowLimiter(crm.max_requests_per_minute, 60.0, clock=clock, sleep=sleep)
        transport = Transport(http, tokens, policy=policy, limiter=limiter, sleep=sleep)
        return cls(
            transport,
            crm.odata_root,
            page_size=crm.page_size,
            update_method=crm.update_method,
            request_count=crm.request_count,
        )

    # -- reading ---------------------------------------------------------------------------------

    def iter_records(self, entity_set: str, query: Query | None = None) -> Iterator[Record]:
        """Every record the query matches, page by page, in a stable order.

        Tribe may return fewer rows than `$top` asked for, so a short page is not the end: the next
        page starts after the rows actually received, and only an empty page (or a server-driven
        `@odata.nextLink` chain that stops, or `@odata.count` reached) ends the read. With
        `request_count` the first page asks for `$count=true`, so that no empty page is needed.
        """
        query = query or Query()
        if "ID" not in query.ordered_by():
            query = query.with_(orderby=(*query.orderby, "ID"))
        limit = query.top
        skip = query.skip or 0
        seen = 0
        url: str | None = None
        server_paged = False
        total: int | None = None
        while True:
            if url is None:
                want = self.page_size if limit is None else min(self.page_size, limit - seen)
                first = self.request_count and skip == (query.skip or 0)
                extra = (*query.extra, ("$count", "true")) if first else query.extra
                url = self._url(entity_set, query.with_(top=want, skip=skip, extra=extra))
            body = self._get_json(url, label=entity_set)
            rows = body.get("value")
            if not isinstance(rows, list):
                raise ResponseValidationError(
                    f"{entity_set}: the response has no 'value' list", method="GET", url=url.split("?", 1)[0]
                )
            for row in rows:
                yield self._record(row, entity_set)
                seen += 1
                if limit is not None and seen >= limit:
                    return
            next_link = body.get("@odata.nextLink")
            if isinstance(next_link, str) and next_link:
                url, server_paged = urljoin(url, next_link), True
                continue
            count = body.get("@odata.count")
            total = count if isinstance(count, int) and not isinstance(count, bool) else total
            if server_paged or not rows or (total is not None and skip + len(rows) >= total):
                return
            skip += len(rows)
            url = None

    def list(self, entity_set: str, query: Query | None = None) -> list[Record]:
        return list(self.iter_records(entity_set, query))

    def get(self, entity_set: str, record_id: str, query: Query | None = None) -> Record:
        """One record by ID; NotFoundError if Tribe has none."""
        url = self._url(f"{_set(entity_set)}({_guid(record_id)})", query, check=False)
        return self._record(self._get_json(url, label=entity_set), entity_set)

    def count(self, entity_set: str, query: Query | None = None) -> int:
        url = self._url(f"{_set(entity_set)}/$count", query, check=False)
        text = self.transport.request("GET", url, idempotent=True, label=entity_set).text.strip()
        if not text.isdigit():
            raise ResponseValidationError(f"{entity_set}/$count is not a number", method="GET", url=url)
        return int(text)

    def metadata(self) -> str:
        """The tenant's CSDL XML (`$metadata`)."""
        return self.transport.request("GET", self.root + "$metadata", idempotent=True, label="$metadata").text

    # -- writing ---------------------------------------------------------------------------------

    def create(self, entity_set: str, body: Mapping[str, Any]) -> Record:
        """POST a new record; returns it with the `ID` Tribe gave it."""
        response = self.transport.request(
            "POST", self.root + _set(entity_set), json=dict(body), idempotent=False, label=entity_set
        )
        return self._record(_json(response, entity_set), entity_set)

    def update(self, entity_set: str, record_id: str, changes: Mapping[str, Any]) -> None:
        """Write only `changes`. PUT by default; POST with `ID` in the body where a tenant needs it."""
        if self.update_method == "post":
            body = {"ID": _guid(record_id), **changes}
            self.transport.request(
                "POST", self.root + _set(entity_set), json=body, idempotent=True, label=entity_set
            )
        else:
            url = f"{self.root}{_set(entity_set)}({_guid(record_id)})"
            self.transport.request("PUT", url, json=dict(changes), idempotent=True, label=entity_set)

    # -- plumbing --------------------------------------------------------------------------------

    @property
    def calls(self) -> int:
        return self.transport.http.calls

    def close(self) -> None:
        self.transport.http.close()

    def __enter__(self) -> TribeClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _url(self, path: str, query: Query | None, *, check: bool = True) -> str:
        url = self.root + (_set(path) if check else path)
        encoded = query.encode() if query else ""
        return f"{url}?{encoded}" if encoded else url

    def _get_json(self, url: str, *, label: str) -> dict[str, Any]:
        return _json(self.transport.request("GET", url, idempotent=True, label=label), label)

    @staticmethod
    def _record(row: Any, entity_set: str) -> Record:
        try:
            return Record.model_validate(row)
        except ValidationError as exc:
            record_id = row.get("ID") if isinstance(row, dict) else None
            raise ResponseValidationError(
                f"{entity_set}: record {record_id or '?'} is malformed: {exc.errors()[0]['msg']}"
            ) from exc


def _set(name: str) -> str:
    if not _SET_NAME.fullmatch(name):
        raise ValueError(f"not an entity set name: {name!r}")
    return name


def _guid(record_id: str) -> str:
    try:
        return str(uuid.UUID(record_id))
    except (ValueError, AttributeError, TypeError):
        raise ValueError(f"not a Tribe record ID (GUID): {record_id!r}") from None


def _json(response: httpx.Response, label: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise ResponseValidationError(
            f"{label}: the response is not JSON",
            method=response.request.method,
            url=str(response.request.url).split("?", 1)[0],
        ) from exc
    if not isinstance(body, dict):
        raise ResponseValidationError(f"{label}: the response is not a JSON object")
    return body
