from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx
from pydantic import ValidationError

from tests.client.conftest import ROOT, make_client, page, sales_orders
from tests.conftest import FakeClock
from tribe_sync.client import F, Query, TribeClient
from tribe_sync.client.tribe import CountSupport
from tribe_sync.config import CRMSettings
from tribe_sync.errors import BadRequestError

SET = "Activity_SalesOrder"


def skip_of(request: httpx.Request) -> int:
    return int(parse_qs(urlsplit(str(request.url)).query)["$skip"][0])


def test_paging_survives_a_short_middle_page_without_losing_records(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    rows = sales_orders()  # 7 records; the server pages them 3, 1 (short), 3, then nothing
    pages = {0: rows[0:3], 3: rows[3:4], 4: rows[4:7], 7: []}
    route = router.get(url__startswith=ROOT + SET).mock(side_effect=lambda req: page(pages[skip_of(req)]))

    with make_client(clock, max_in_flight=1, page_size=3) as client:
        got = [record.id for record in client.iter_records(SET)]

    assert got == [row["ID"] for row in rows]
    assert [skip_of(call.request) for call in route.calls] == [0, 3, 4, 7]


def short_pages(rows: list[dict[str, Any]], count: bool) -> Callable[[httpx.Request], httpx.Response]:
    """A server that caps the page starting at 3 to one row, and answers `$count` when asked."""

    def serve(request: httpx.Request) -> httpx.Response:
        skip = skip_of(request)
        asked = parse_qs(urlsplit(str(request.url)).query)
        chunk = rows[skip : skip + (1 if skip == 3 else int(asked["$top"][0]))]
        extra = {"@odata.count": len(rows)} if count and asked.get("$count") == ["true"] else {}
        return page(chunk, **extra)

    return serve


@pytest.mark.parametrize("count", [True, False], ids=["total known", "page-ahead"])
def test_pages_fetched_side_by_side_survive_a_short_middle_page_in_order(
    client: TribeClient, router: respx.MockRouter, count: bool
) -> None:
    rows = sales_orders() * 3  # 21 records, pages of 3: several pages are in flight when 3 comes back short
    for n, row in enumerate(rows):
        rows[n] = {**row, "ID": f"00000000-0000-4000-8000-{n:012d}"}
    client.page_size = 3
    router.get(url__startswith=ROOT + SET).mock(side_effect=short_pages(rows, count))

    got = [record.id for record in client.iter_records(SET)]

    assert got == [row["ID"] for row in rows]


def test_with_a_known_total_the_other_pages_are_in_flight_together(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    rows = [{**sales_orders()[0], "ID": f"00000000-0000-4000-8000-{n:012d}"} for n in range(30)]
    lock, in_flight, most = threading.Lock(), [0], [0]
    three_at_once = threading.Barrier(3, timeout=10)

    def serve(request: httpx.Request) -> httpx.Response:
        skip = skip_of(request)
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        if skip in (3, 6, 9):
            three_at_once.wait()  # only returns if these three pages are asked for at the same time
        with lock:
            in_flight[0] -= 1
        return page(rows[skip : skip + 3], **({"@odata.count": 30} if skip == 0 else {}))

    route = router.get(url__startswith=ROOT + SET).mock(side_effect=serve)
    with make_client(clock, max_in_flight=4, page_size=3) as client:
        got = [record.id for record in client.iter_records(SET)]

    assert got == [row["ID"] for row in rows]
    assert route.call_count == 10, "one call per page, no empty page"
    assert most[0] <= 4, "never more than max_in_flight at once"


def test_a_tenant_that_refuses_count_is_paged_without_it_and_asked_only_once(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    rows = sales_orders()

    def serve(request: httpx.Request) -> httpx.Response:
        if "$count" in parse_qs(urlsplit(str(request.url)).query):
            return httpx.Response(400, json={"error": {"code": "400", "message": "$count is not supported"}})
        return page(rows[skip_of(request) :][:3])

    route = router.get(url__startswith=ROOT + SET).mock(side_effect=serve)
    with make_client(clock, page_size=3, max_in_flight=1) as client:
        assert len(client.list(SET)) == 7
        assert len(client.list(SET)) == 7
        assert client.count_support.supported is False
    asked = ["$count" in parse_qs(urlsplit(str(c.request.url)).query) for c in route.calls]
    assert asked.count(True) == 1, "refused once, then remembered"


def test_reads_side_by_side_before_a_refusal_each_repeat_their_first_page_once_then_nobody_asks(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    rows = sales_orders()
    all_asked = threading.Barrier(3, timeout=10)

    def serve(request: httpx.Request) -> httpx.Response:
        if "$count" in parse_qs(urlsplit(str(request.url)).query):
            all_asked.wait()  # only returns if all three reads asked before any answer came
            return httpx.Response(400, json={"error": {"code": "400", "message": "$count is not supported"}})
        return page(rows[skip_of(request) :][:3])

    route = router.get(url__startswith=ROOT + SET).mock(side_effect=serve)
    with make_client(clock, page_size=3, max_in_flight=4) as client:
        got = client.side_by_side({str(n): partial(client.list, SET) for n in range(3)})
        assert [len(records) for records in got.values()] == [7, 7, 7]
        calls_so_far = route.call_count
        assert len(client.list(SET)) == 7
    asked = ["$count" in parse_qs(urlsplit(str(c.request.url)).query) for c in route.calls]
    assert asked.count(True) == 3, "each read that started before the answer asked once"
    assert not any(asked[calls_so_far:]), "after the refusal, nobody asks"


def test_a_tenant_that_answers_count_gets_it_on_every_read_with_auto(
    client: TribeClient, router: respx.MockRouter
) -> None:
    rows = sales_orders()
    client.page_size = 3
    route = router.get(url__startswith=ROOT + SET).mock(side_effect=short_pages(rows, count=True))
    client.list(SET, Query(top=2))
    client.list(SET)
    firsts = [c for c in route.calls if skip_of(c.request) == 0]
    assert all("$count=true" in str(c.request.url) for c in firsts)
    assert client.count_support.supported is True


def test_a_bad_read_during_the_count_probe_is_raised_and_decides_nothing(
    client: TribeClient, router: respx.MockRouter
) -> None:
    router.get(url__startswith=ROOT + SET).mock(
        return_value=httpx.Response(400, json={"error": {"code": "400", "message": "The filter is wrong"}})
    )
    with pytest.raises(BadRequestError, match="The filter is wrong"):
        client.list(SET)
    assert client.count_support.supported is None, "the next read asks again"


def test_readers_that_start_before_the_first_answer_ask_too_and_the_first_answer_decides() -> None:
    support = CountSupport("auto")
    assert support.should_ask() is True  # this read asks first
    assert support.should_ask() is True, "a second reader does not wait a round trip for the answer"
    support.learn(True)
    support.learn(False)  # a later, different answer changes nothing
    assert support.should_ask() is True
    assert CountSupport("off").should_ask() is False
    assert CountSupport("on").should_ask() is True


def test_a_stable_order_by_id_is_appended_to_every_page(
    client: TribeClient, router: respx.MockRouter
) -> None:
    route = router.get(url__startswith=ROOT + SET).mock(return_value=page([]))
    list(client.iter_records(SET, Query(orderby=["CreationDate"])))
    list(client.iter_records(SET))
    orders = [parse_qs(urlsplit(str(c.request.url)).query)["$orderby"][0] for c in route.calls]
    assert orders == ["CreationDate,ID", "ID"]


def test_pages_never_ask_for_more_than_100_rows(client: TribeClient, router: respx.MockRouter) -> None:
    route = router.get(url__startswith=ROOT + SET).mock(return_value=page([]))
    list(client.iter_records(SET))
    assert "$top=100" in str(route.calls.last.request.url)
    assert TribeClient(client.transport, ROOT, page_size=500).page_size == 100
    with pytest.raises(ValidationError):
        CRMSettings(page_size=101)


def test_server_driven_paging_follows_next_link_until_it_stops(
    client: TribeClient, router: respx.MockRouter
) -> None:
    rows = sales_orders()
    next_url = ROOT + SET + "?$skiptoken=abc"
    router.get(next_url, name="second").mock(return_value=page(rows[4:]))
    router.get(url__startswith=ROOT + SET, name="first").mock(
        return_value=page(rows[:4], **{"@odata.nextLink": next_url})
    )

    got = [record.id for record in client.iter_records(SET)]

    assert got == [row["ID"] for row in rows]
    assert router.routes["first"].call_count == 1
    assert router.routes["second"].call_count == 1


def test_odata_count_ends_the_read_without_an_empty_page(
    client: TribeClient, router: respx.MockRouter
) -> None:
    rows = sales_orders()
    route = router.get(url__startswith=ROOT + SET).mock(return_value=page(rows, **{"@odata.count": 7}))
    assert len(client.list(SET)) == 7
    assert route.call_count == 1


def test_top_limits_the_total_across_pages(client: TribeClient, router: respx.MockRouter) -> None:
    rows = sales_orders()
    client.page_size = 3
    router.get(url__startswith=ROOT + SET).mock(side_effect=lambda req: page(rows[skip_of(req) :][:3]))
    assert len(client.list(SET, Query(top=5))) == 5


def test_records_keep_custom_fields_and_parse_dates(client: TribeClient, router: respx.MockRouter) -> None:
    router.get(url__startswith=ROOT + SET).mock(side_effect=[page(sales_orders()[:1]), page([])])
    (record,) = client.list(SET, Query(filter=F("Phase", "Code").eq("WACHT_OP_TOEKENNING")))
    assert record.creation_date is not None
    assert record.creation_date.year == 2026
    assert record.get("_8a119b9e__16bc__4732__8f7b__7676d015b0dc")["Code"] == "2027-01"
    assert record.nav_id("Phase") == "5e2a0c55-0000-4000-8000-000000000001"
    assert record.get("NotExpanded") is None


def test_get_count_create_and_update_use_tribes_url_shapes(
    client: TribeClient, router: respx.MockRouter
) -> None:
    record_id = sales_orders()[0]["ID"]
    router.get(f"{ROOT}{SET}({record_id})").mock(return_value=httpx.Response(200, json=sales_orders()[0]))
    router.get(f"{ROOT}{SET}/$count").mock(return_value=httpx.Response(200, text="7"))
    created = router.post(f"{ROOT}Activity_Task").mock(
        return_value=httpx.Response(201, json={"ID": "11111111-1111-4111-8111-111111111111", "Subject": "x"})
    )
    updated = router.put(f"{ROOT}{SET}({record_id})").mock(return_value=httpx.Response(204))

    assert client.get(SET, record_id).id == record_id
    assert client.count(SET) == 7
    assert client.create("Activity_Task", {"Subject": "x"}).id.startswith("1111")
    client.update(SET, record_id, {"Phase": {"ID": "22222222-2222-4222-8222-222222222222"}})

    assert created.calls.last.request.content == b'{"Subject":"x"}'
    assert updated.calls.last.request.content == b'{"Phase":{"ID":"22222222-2222-4222-8222-222222222222"}}'


def test_update_can_post_with_the_id_for_tenants_that_need_it(
    client: TribeClient, router: respx.MockRouter
) -> None:
    client.update_method = "post"
    route = router.post(f"{ROOT}{SET}").mock(return_value=httpx.Response(200, json={}))
    client.update(SET, "1b0c0000-0000-4000-8000-000000000001", {"Subject": "y"})
    assert route.calls.last.request.content == b'{"ID":"1b0c0000-0000-4000-8000-000000000001","Subject":"y"}'


def test_ids_that_are_not_guids_never_reach_the_url(client: TribeClient) -> None:
    with pytest.raises(ValueError, match="GUID"):
        client.get(SET, "1) or (1")


def test_with_request_count_the_first_page_asks_for_count_and_no_empty_page_follows(
    client: TribeClient, router: respx.MockRouter
) -> None:
    rows = sales_orders()
    client.request_count = True
    client.page_size = 3
    route = router.get(url__startswith=ROOT + SET).mock(
        side_effect=lambda req: page(
            rows[skip_of(req) :][:3], **({"@odata.count": 7} if skip_of(req) == 0 else {})
        )
    )
    assert len(client.list(SET)) == 7
    queries = [parse_qs(urlsplit(str(c.request.url)).query) for c in route.calls]
    assert [q.get("$count") for q in queries] == [["true"], None, None]
    assert route.call_count == 3, "3 + 3 + 1 rows; no empty page"


def test_more_reads_side_by_side_than_calls_in_flight_all_start_at_once(client: TribeClient) -> None:
    """A snapshot has a dozen sets and eight calls in flight: its small sets must not queue behind
    its big ones. Each reader here waits for all the others, so this only ends if all run at once."""
    readers = 2 * client.max_in_flight + 1
    together = threading.Barrier(readers, timeout=10)
    got = client.side_by_side({str(n): partial(together.wait) for n in range(readers)})
    assert sorted(got.values()) == list(range(readers))
