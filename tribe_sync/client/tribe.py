"""The typed Tribe CRM client: read across pages, read one, count, create, update, `$metadata`.

Deliberately absent: delete. `tribe_sync` never deletes programme data (docs/tenant.md section 3).
"""

from __future__ import annotations

import logging
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any, TypeVar
from urllib.parse import urljoin

import httpx
from pydantic import ValidationError

from tribe_sync.client.auth import TokenProvider
from tribe_sync.client.http import Http
from tribe_sync.client.odata import Query
from tribe_sync.client.ratelimit import RateLimiter, SlidingWindowLimiter
from tribe_sync.client.retry import RetryPolicy
from tribe_sync.client.sizes import ReadSizes, read_key
from tribe_sync.client.throttle import Throttle
from tribe_sync.client.transport import Transport
from tribe_sync.client.wire import Record
from tribe_sync.config import CRMSettings
from tribe_sync.errors import APIStatusError, ResponseValidationError

__all__ = ["MAX_PAGE_SIZE", "CountSupport", "TribeClient", "count_support_for"]

log = logging.getLogger("tribe_sync.client")

MAX_PAGE_SIZE = 100
_SET_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
T = TypeVar("T")
_Page = tuple[int, int, Future[dict[str, Any]]]  # where a page starts, how many rows it asks, its answer
_COUNT_REFUSED = frozenset({400, 501})  # how a tenant says it does not do `$count=true`


class CountSupport:
    """Whether the tenant answers `$count=true` on a read: learned from its first answer, then kept.

    `auto` asks until the tenant has answered once. A tenant that answers `@odata.count` gets it on
    every read after; one that refuses it (400/501) or ignores it is paged without it from then on.
    Reads that start before the first answer ask too, rather than wait for it: waiting cost every
    other set of a snapshot a round trip. If the tenant refuses, each of those reads repeats its first
    page without `$count`: at most `max_in_flight` extra calls, once per process.
    """

    def __init__(self, mode: str = "auto") -> None:
        self.mode = mode
        self._lock = threading.Lock()
        self.supported: bool | None = {"on": True, "off": False}.get(mode)

    def should_ask(self) -> bool:
        """True if this read asks for `$count`: always while the answer is not known yet."""
        with self._lock:
            return True if self.supported is None else self.supported

    def learn(self, supported: bool) -> None:
        with self._lock:
            if self.mode == "auto" and self.supported is None:
                self.supported = supported


_PROCESS_COUNT_SUPPORT: dict[tuple[str, str], CountSupport] = {}
_PROCESS_LOCK = threading.Lock()


def count_support_for(odata_root: str, mode: str) -> CountSupport:
    """The process's one `CountSupport` per tenant and mode: every client of the process shares it."""
    with _PROCESS_LOCK:
        return _PROCESS_COUNT_SUPPORT.setdefault((odata_root, mode), CountSupport(mode))


class TribeClient:
    """Synchronous for its callers and thread-safe; one per process, closed with the process.

    Reads fetch up to `max_in_flight` pages at once on a bounded pool of worker threads that share one
    `httpx.Client`; every call, whichever thread makes it, passes the transport's throttle and rate
    limiter, so the bound and the budget hold for the client as a whole.
    """

    def __init__(
        self,
        transport: Transport,
        odata_root: str,
        *,
        page_size: int = MAX_PAGE_SIZE,
        update_method: str = "put",
        request_count: str | bool = "off",
        count_support: CountSupport | None = None,
        sizes: ReadSizes | None = None,
    ) -> None:
        """`sizes`: where reads find the totals they had before and leave theirs (see `iter_records`);
        without one every read learns its total from its first page, as it always did."""
        self.transport = transport
        self.root = odata_root if odata_root.endswith("/") else odata_root + "/"
        self.page_size = min(page_size, MAX_PAGE_SIZE)
        self.update_method = update_method
        if isinstance(request_count, bool):
            request_count = "on" if request_count else "off"
        self.count_support = count_support or CountSupport(request_count)
        self.sizes = sizes
        self._pool: ThreadPoolExecutor | None = None  # page fetches: leaves that never wait on others
        self._readers: ThreadPoolExecutor | None = None  # whole reads, which wait on page fetches
        self._readers_width = 0
        self._ahead = threading.BoundedSemaphore(2 * self.max_in_flight)  # pages fetched, not yet read
        self._pool_lock = threading.Lock()

    @property
    def max_in_flight(self) -> int:
        return self.transport.throttle.max_in_flight

    @property
    def request_count(self) -> bool:
        """Whether reads ask for `$count` (as far as known yet)."""
        return bool(self.count_support.supported)

    @request_count.setter
    def request_count(self, on: bool) -> None:
        self.count_support = CountSupport("on" if on else "off")

    @classmethod
    def from_settings(
        cls,
        crm: CRMSettings,
        *,
        http_client: httpx.Client | None = None,
        limiter: RateLimiter | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        count_support: CountSupport | None = None,
        on_response: Callable[[int], None] | None = None,
        sizes: ReadSizes | None = None,
    ) -> TribeClient:
        """`count_support`: share one (`count_support_for`) so that a process asks only once;
        `on_response`: told every answer's HTTP status (the store's CRM call counts); `sizes`: the
        size hints of reads (`tribe_sync.client.sizes`), none by default."""
        if not crm.verify_tls:
            log.warning(
                "TLS verification is OFF for %s (crm.verify_tls = false): only for a test tenant", crm.api_url
            )
        for url in crm.insecure_urls:
            log.warning(
                "%s is plain http:// to another machine (crm.allow_insecure_http = true): the client secret "
                "and the programme's data travel unencrypted; use https://",
                url,
            )
        if http_client is None:
            http_client = httpx.Client(
                timeout=httpx.Timeout(crm.timeout_s, connect=min(crm.timeout_s, 10.0)),
                verify=crm.verify_tls,
                headers={"User-Agent": "tribe-sync"},
                limits=httpx.Limits(max_connections=crm.max_in_flight + 2),
            )
        http = Http(http_client, clock=clock, on_response=on_response)
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
            max_wait_s=crm.max_retry_wait_s,
        )
        if limiter is None:
            limiter = SlidingWindowLimiter(crm.max_requests_per_minute, 60.0, clock=clock, sleep=sleep)
        throttle = Throttle(crm.max_in_flight, clock=clock, sleep=sleep)
        transport = Transport(
            http, tokens, policy=policy, limiter=limiter, throttle=throttle, sleep=sleep, clock=clock
        )
        return cls(
            transport,
            crm.odata_root,
            page_size=crm.page_size,
            update_method=crm.update_method,
            count_support=count_support or CountSupport(crm.request_count),
            sizes=sizes,
        )

    # -- reading ---------------------------------------------------------------------------------

    def iter_records(self, entity_set: str, query: Query | None = None) -> Iterator[Record]:
        """Every record the query matches, page by page, in a stable order (ID last in `$orderby`).

        Tribe may return fewer rows than `$top` asked for, so a short page is not the end: the next
        page starts after the rows actually received, and only an empty page (or a server-driven
        `@odata.nextLink` chain that stops, or `@odata.count` reached) ends the read. When the first
        page tells the total (`$count`, see `CountSupport`) the other pages are fetched side by side,
        up to `max_in_flight` at once, and no empty page is needed; otherwise the next page is fetched
        while this one is read (page-ahead). Records come out in order whatever order pages arrive in.

        Size hints (`sizes`): a read that asks for `$count` and matched more than one page before
        sends, with its first page, the pages that start below that total (up to `max_in_flight` in
        all), which are not empty unless the set shrank. The first page's count then rules as without
        a hint: pages sent beyond the true end are dropped, a short page re-plans those after it. An
        unchanged or grown set costs no extra call; a shrunk one at most the pages it shrank by. Every
        read that learns its total leaves it in `sizes` for the next.
        """
        query = query or Query()
        if "ID" not in query.ordered_by():
            query = query.with_(orderby=(*query.orderby, "ID"))
        limit = query.top
        start = query.skip or 0
        want = self.page_size if limit is None else min(self.page_size, limit)
        sizes = self.sizes if query.size_hint else None
        key = read_key(entity_set, query) if sizes is not None else ""
        hint = sizes.get(key) if sizes is not None else None
        ahead: deque[_Page] = deque()  # pages sent on the hint, not read yet
        try:
            first_query = query.with_(top=want, skip=start)
            if hint is not None and self.count_support.should_ask() and start + want < hint:
                first = self._call(self._first_page, entity_set, first_query)  # queued before the others
                bounded = limit is not None and start + limit <= hint  # `$top` ends the read first
                hinted_end = start + limit if limit is not None and bounded else hint
                self._send_ahead(ahead, entity_set, query, start + want, hinted_end, bounded=bounded)
                body, url = first.result()
            else:
                body, url = self._first_page(entity_set, first_query)
            rows = _rows(body, entity_set, url)
            count = body.get("@odata.count")
            total = count if isinstance(count, int) and not isinstance(count, bool) else None
            if sizes is not None and total is not None and (total > self.page_size or hint is not None):
                sizes.put(key, total)  # a read of one page gains nothing from a hint: not kept
            for n, row in enumerate(rows, start=1):
                yield self._record(row, entity_set)
                if limit is not None and n >= limit:
                    return
            next_link = body.get("@odata.nextLink")
            if isinstance(next_link, str) and next_link:
                self._drop(ahead)
                yield from self._follow(entity_set, urljoin(url, next_link), limit, len(rows))
                return
            end = total if total is not None else None
            if limit is not None:
                end = start + limit if end is None else min(end, start + limit)
            if not rows or (end is not None and start + len(rows) >= end):
                return
            yield from self._pages(
                entity_set, query, start + len(rows), end, known_total=total is not None, ahead=ahead
            )
        finally:
            self._drop(ahead)

    def _send_ahead(
        self, ahead: deque[_Page], entity_set: str, query: Query, skip: int, end: int, *, bounded: bool
    ) -> None:
        """Send the pages from `skip` that start below `end`, at most `max_in_flight - 1` of them (the
        first page is the other) and only while the client's places for pages ahead last. Each asks a
        full page unless `bounded` (the read's `$top` ends there): if the set grew since the hint, its
        last page then still ends where the next one starts."""
        planned = skip
        while planned < end and len(ahead) < self.max_in_flight - 1 and self._ahead.acquire(blocking=False):
            want = min(self.page_size, end - planned) if bounded else self.page_size
            url = self._url(entity_set, query.with_(top=want, skip=planned))
            ahead.append((planned, want, self._submit(url, entity_set)))
            planned += want

    def _drop(self, pending: deque[_Page]) -> None:
        """Give up pages sent but not read: those not started yet are never sent."""
        for _at, _want, dropped in pending:
            dropped.cancel()
            self._ahead.release()
        pending.clear()

    def _first_page(self, entity_set: str, query: Query) -> tuple[dict[str, Any], str]:
        support = self.count_support
        if not support.should_ask():
            url = self._url(entity_set, query)
            return self._get_json(url, label=entity_set), url
        url = self._url(entity_set, query.with_(extra=(*query.extra, ("$count", "true"))))
        try:
            body = self._get_json(url, label=entity_set)
        except APIStatusError as exc:
            if support.mode != "auto" or support.supported or exc.status not in _COUNT_REFUSED:
                raise
            url = self._url(entity_set, query)
            body = self._get_json(url, label=entity_set)  # if this fails too, the read is wrong
            if support.supported is None:
                log.info("the tenant refuses $count (%s); paging without it from now on", exc.status)
            support.learn(False)
            return body, url
        count = body.get("@odata.count")
        support.learn(isinstance(count, int) and not isinstance(count, bool))
        return body, url

    def _follow(self, entity_set: str, url: str, limit: int | None, seen: int) -> Iterator[Record]:
        """Server-driven paging: each page names the next, so these pages come one after another."""
        while True:
            body = self._get_json(url, label=entity_set)
            for row in _rows(body, entity_set, url):
                yield self._record(row, entity_set)
                seen += 1
                if limit is not None and seen >= limit:
                    return
            next_link = body.get("@odata.nextLink")
            if not (isinstance(next_link, str) and next_link):
                return
            url = urljoin(url, next_link)

    def _pages(
        self,
        entity_set: str,
        query: Query,
        skip: int,
        end: int | None,
        *,
        known_total: bool,
        ahead: deque[_Page] | None = None,
    ) -> Iterator[Record]:
        """The pages from `skip` on: with a known `end` up to `max_in_flight` at once, else one ahead.

        A page shorter than asked for (Tribe may cap pages) before the end means the pages planned
        after it start at the wrong place: they are dropped and planned again from where it ended.
        Pages fetched ahead hold a place in `_ahead`, shared by every read of the client, so that
        reads side by side never hold more than twice `max_in_flight` pages between them.

        `ahead`: pages already sent on a size hint (consecutive, the first at `skip` unless the first
        page came back short); they are read first, those that start at or past `end` dropped.
        """
        depth = self.max_in_flight if known_total else min(2, self.max_in_flight)
        pending: deque[_Page] = ahead if ahead is not None else deque()
        if pending and pending[0][0] != skip:
            self._drop(pending)  # the first page was short: these start at the wrong places
        while pending and end is not None and pending[-1][0] >= end:
            _at, _want, beyond = pending.pop()  # the set shrank since the hint
            beyond.cancel()
            self._ahead.release()
        planned = pending[-1][0] + pending[-1][1] if pending else skip
        try:
            while True:
                while len(pending) < depth and (end is None or planned < end):
                    # The next page to read is always fetched; pages beyond it only while places last.
                    if not self._ahead.acquire(blocking=not pending):
                        break
                    want = self.page_size if end is None else min(self.page_size, end - planned)
                    url = self._url(entity_set, query.with_(top=want, skip=planned))
                    pending.append((planned, want, self._submit(url, entity_set)))
                    planned += want
                if not pending:
                    return
                at, want, future = pending.popleft()
                try:
                    body = future.result()
                finally:
                    self._ahead.release()
                rows = _rows(body, entity_set, "")
                if end is not None:
                    rows = rows[: end - at]  # a server that ignores `$top` gives no more than asked
                for row in rows:
                    yield self._record(row, entity_set)
                reached = at + len(rows)
                if not rows or (end is not None and reached >= end):
                    return
                if len(rows) < want:
                    self._drop(pending)
                    planned = reached
        finally:
            self._drop(pending)

    def side_by_side(self, readers: Mapping[str, Callable[[], T]]) -> dict[str, T]:
        """Run independent reads (each consuming `iter_records`) at once, on threads kept for that.

        Their calls share the client's bound in flight. Every reader runs to its end; then the first
        failure, in the order given, is raised. Every reader starts at once, however many there are:
        a reader mostly waits for its pages, and the throttle bounds the calls, not the readers. (With
        a thread per `max_in_flight` only, a snapshot's small sets queued behind its big ones.)
        """
        try:
            if self.max_in_flight <= 1 or len(readers) <= 1:
                return {name: reader() for name, reader in readers.items()}
            with self._pool_lock:
                if self._readers is None or self._readers_width < len(readers):
                    if self._readers is not None:
                        self._readers.shutdown(wait=False)  # its readers, if any, run to their end
                    self._readers_width = max(self.max_in_flight, len(readers))
                    self._readers = ThreadPoolExecutor(self._readers_width, thread_name_prefix="tribe-read")
                futures = {name: self._readers.submit(reader) for name, reader in readers.items()}
            wait(futures.values())
            return {name: future.result() for name, future in futures.items()}
        finally:
            if self.sizes is not None:
                self.sizes.save()  # a snapshot's reads have ended: keep the totals they learned

    def _submit(self, url: str, label: str) -> Future[dict[str, Any]]:
        return self._call(self._get_json, url, label=label)

    def _call(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        """`fn` on the pool of page fetches: it must be a leaf, never waiting on another fetch."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(self.max_in_flight, thread_name_prefix="tribe-call")
            return self._pool.submit(fn, *args, **kwargs)

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
        with self._pool_lock:
            for pool in (self._readers, self._pool):
                if pool is not None:
                    pool.shutdown(wait=True, cancel_futures=True)
            self._pool = self._readers = None
        if self.sizes is not None:
            self.sizes.save()
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


def _rows(body: dict[str, Any], entity_set: str, url: str) -> list[Any]:
    rows = body.get("value")
    if not isinstance(rows, list):
        raise ResponseValidationError(
            f"{entity_set}: the response has no 'value' list", method="GET", url=url.split("?", 1)[0]
        )
    return rows


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
