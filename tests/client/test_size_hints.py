"""Size hints: a read whose total was seen before sends its pages side by side from the first round.

The tenant here is a respx router serving `ROWS[:size]` page by page (`$skip`, `$top`), answering
`@odata.count` when asked; the hints live in `MemoryReadSizes`, the in-memory `ReadSizes`.
"""

from __future__ import annotations

import threading
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from tests.client.conftest import API, ROOT, SECRET, TOKEN_URL, page, sales_orders
from tests.conftest import FakeClock
from tribe_sync.client import F, Query, TribeClient
from tribe_sync.client.sizes import MemoryReadSizes, read_key
from tribe_sync.config import CRMSettings

SET = "Activity_SalesOrder"
ROWS = [{**sales_orders()[0], "ID": f"00000000-0000-4000-8000-{n:012d}"} for n in range(60)]
IDS = [row["ID"] for row in ROWS]
PAGE = 3


def make_client(clock: FakeClock, sizes: Any, *, request_count: str = "auto", width: int = 4) -> TribeClient:
    settings = CRMSettings(
        api_url=API,
        token_url=TOKEN_URL,
        client_id="tribe-sync-test",
        client_secret=SECRET,
        page_size=PAGE,
        max_in_flight=width,
        request_count=request_count,  # type: ignore[arg-type]
    )
    return TribeClient.from_settings(
        settings, http_client=httpx.Client(), sleep=clock.sleep, clock=clock, sizes=sizes
    )


def asked(request: httpx.Request) -> dict[str, list[str]]:
    return parse_qs(urlsplit(str(request.url)).query)


def skips(route: respx.Route) -> list[int]:
    return sorted(int(asked(call.request)["$skip"][0]) for call in route.calls)


class Tenant:
    """`size` records, `cap` rows at most on the page starting at `short_at`; `$count` refused with
    400 if `refuses_count`. `together` (a barrier) must be passed by the pages in `first_round`."""

    def __init__(self, size: int, *, short_at: int | None = None, refuses_count: bool = False) -> None:
        self.size = size
        self.short_at = short_at
        self.refuses_count = refuses_count
        self.first_round: frozenset[int] = frozenset()
        self.together: threading.Barrier | None = None
        self.apart: list[int] = []  # pages of the first round that were not in flight with the others

    def expect_together(self, pages: set[int], *, wait_s: float = 10) -> None:
        self.first_round = frozenset(pages)
        self.together = threading.Barrier(len(pages), timeout=wait_s)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        query = asked(request)
        if self.refuses_count and "$count" in query:
            return httpx.Response(400, json={"error": {"code": "400", "message": "$count is not supported"}})
        skip, top = int(query["$skip"][0]), int(query["$top"][0])
        if skip in self.first_round and self.together is not None:
            try:
                self.together.wait()  # returns only once every page of the first round is in flight
            except threading.BrokenBarrierError:
                self.apart.append(skip)
        rows = ROWS[: self.size][skip : skip + (1 if skip == self.short_at else top)]
        return page(rows, **({"@odata.count": self.size} if query.get("$count") == ["true"] else {}))


def serve(router: respx.MockRouter, tenant: Tenant) -> respx.Route:
    return router.get(url__startswith=ROOT + SET).mock(side_effect=tenant)


def test_with_a_hint_the_first_page_and_the_pages_below_the_hint_are_in_flight_together(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    tenant = Tenant(30)
    tenant.expect_together({0, 3, 6, 9})  # max_in_flight 4: the first page and three more
    route = serve(router, tenant)
    sizes = MemoryReadSizes({SET: 30})
    with make_client(clock, sizes) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert tenant.apart == [], "the first round had the first page and three hinted pages in flight"
    assert got == IDS[:30]
    assert route.call_count == 10, "one call per page, as without a hint"


def test_without_a_hint_the_first_page_goes_alone_and_the_read_leaves_its_total(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    tenant = Tenant(30)
    tenant.expect_together({0, 3}, wait_s=1)  # cannot be: page 3 waits for page 0's count
    route = serve(router, tenant)
    sizes = MemoryReadSizes()
    with make_client(clock, sizes) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert 0 in tenant.apart, "the first page was alone in flight, as before hints"
    assert got == IDS[:30]
    assert route.call_count == 10
    assert sizes.totals == {SET: 30}


@pytest.mark.parametrize(("before", "now"), [(30, 30), (12, 30), (30, 29)], ids=["same", "grown", "shrunk"])
def test_a_set_that_did_not_shrink_by_a_page_costs_no_call_more_than_the_minimum(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route, before: int, now: int
) -> None:
    route = serve(router, Tenant(now))
    sizes = MemoryReadSizes({SET: before})
    with make_client(clock, sizes) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert got == IDS[:now], "every record, in order, once"
    assert route.call_count == -(-now // PAGE), "one call per page of what is there now"
    assert sizes.totals[SET] == now


def test_a_shrunk_set_reads_right_and_costs_at_most_the_pages_sent_beyond_its_end(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = serve(router, Tenant(4))
    sizes = MemoryReadSizes({SET: 30})
    with make_client(clock, sizes, width=4) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert got == IDS[:4]
    minimum = 2  # 3 + 1 records
    assert minimum <= route.call_count <= minimum + 2, "at most the hinted pages 6 and 9 were wasted"
    assert sizes.totals[SET] == 4, "the next read hints the truth"


def test_a_grown_set_is_read_whole_beyond_the_hinted_pages(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = serve(router, Tenant(59))
    sizes = MemoryReadSizes({SET: 7})  # hinted pages 3 and 6, the last asked for a whole page
    with make_client(clock, sizes, width=8) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert got == IDS[:59]
    assert route.call_count == 20


@pytest.mark.parametrize("short_at", [0, 3], ids=["first page short", "hinted page short"])
def test_a_short_page_with_hinted_pages_in_flight_replans_and_loses_nothing(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route, short_at: int
) -> None:
    serve(router, Tenant(30, short_at=short_at))
    with make_client(clock, MemoryReadSizes({SET: 30})) as client:
        got = [record.id for record in client.iter_records(SET)]
    assert got == IDS[:30]


def test_top_bounds_the_hinted_pages_too(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = serve(router, Tenant(30))
    with make_client(clock, MemoryReadSizes({SET: 30})) as client:
        got = [record.id for record in client.iter_records(SET, Query(top=7))]
    assert got == IDS[:7]
    assert skips(route) == [0, 3, 6]
    assert [asked(c.request)["$top"] for c in route.calls if asked(c.request)["$skip"] == ["6"]] == [["1"]]


@pytest.mark.parametrize("mode", ["off", "refused"])
def test_a_tenant_that_does_not_count_gets_no_pages_sent_on_a_hint(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route, mode: str
) -> None:
    tenant = Tenant(3, refuses_count=mode == "refused")  # one page now; the hint says ten
    tenant.expect_together({0, 3}, wait_s=1)  # page 3 in flight with page 0 only if sent on the hint
    route = serve(router, tenant)
    sizes = MemoryReadSizes({SET: 30})
    with make_client(clock, sizes, request_count="auto" if mode == "refused" else "off") as client:
        if mode == "refused":
            client.count_support.learn(False)  # as its first read in this process found out
        got = [record.id for record in client.iter_records(SET)]
    assert got == IDS[:3]
    assert 0 in tenant.apart, "the first page went alone"
    assert set(skips(route)) <= {0, 3, 6}, "paged one ahead as always, nothing sent on the hint"
    assert sizes.totals == {SET: 30}, "no count, so nothing learnt"


def test_a_read_of_one_page_leaves_no_hint_but_corrects_one_it_had(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    serve(router, Tenant(2))
    sizes = MemoryReadSizes({read_key(SET, Query(filter=F("Code").eq("A"))): 30})
    with make_client(clock, sizes) as client:
        client.list(SET)
        client.list(SET, Query(filter=F("Code").eq("A")))
    assert sizes.totals == {read_key(SET, Query(filter=F("Code").eq("A"))): 2}


def test_a_reads_key_is_its_set_and_filter_and_never_carries_the_filters_values() -> None:
    plain = read_key(SET, Query())
    assert plain == SET
    assert read_key(SET, Query(select=["Number"], orderby=["CreationDate"], top=5, skip=10)) == plain
    by_number = read_key(SET, Query(filter=F("Number").eq("2026-0042"), expand=[]))
    assert by_number != plain
    assert by_number != read_key(SET, Query(filter=F("Number").eq("2026-0043")))
    assert "2026" not in by_number
    assert "Number" not in by_number
    assert by_number.startswith(SET + "?")
    assert read_key(SET, Query(extra=(("$count", "true"),))) == plain


class CountingSizes(MemoryReadSizes):
    def __init__(self) -> None:
        super().__init__()
        self.saves = 0

    def save(self) -> None:
        self.saves += 1


def test_the_hints_are_saved_when_reads_side_by_side_end_and_when_the_client_closes(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    serve(router, Tenant(30))
    sizes = CountingSizes()
    with make_client(clock, sizes) as client:
        client.side_by_side({"a": partial(client.list, SET), "b": partial(client.list, SET)})
        assert sizes.saves == 1
    assert sizes.saves == 2
    assert sizes.totals == {SET: 30}


def test_a_read_whose_filter_is_new_every_time_neither_uses_nor_leaves_a_hint(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    """A delta since a moment: its size says nothing about the next delta, whose key is new."""
    tenant = Tenant(30)
    tenant.expect_together({0, 3}, wait_s=1)  # cannot be: no hint is used, page 3 waits for page 0
    route = serve(router, tenant)
    query = Query(filter=F("LastMutationDate").ge("2027-01-04T08:00:00Z"), size_hint=False)
    sizes = MemoryReadSizes({read_key(SET, query): 60})
    with make_client(clock, sizes) as client:
        got = [record.id for record in client.iter_records(SET, query)]
    assert got == IDS[:30]
    assert 0 in tenant.apart, "the first page went alone: the hint was not used"
    assert route.call_count == 10
    assert sizes.totals == {read_key(SET, query): 60}, "and the read's total was not left"
