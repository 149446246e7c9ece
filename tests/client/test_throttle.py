from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import respx

from tests.client.conftest import API, ROOT, TOKEN_URL, page, sales_orders
from tests.conftest import FakeClock
from tribe_sync.client import TribeClient
from tribe_sync.client.throttle import Throttle
from tribe_sync.config import CRMSettings

SET = "Activity_SalesOrder"


def test_a_pause_keeps_every_worker_from_starting_a_call_until_it_ends(clock: FakeClock) -> None:
    throttle = Throttle(8, clock=clock, sleep=clock.sleep)
    throttle.enter()
    throttle.pause(7.0)
    throttle.leave(ok=False)
    started = clock.now
    throttle.enter()
    assert clock.now - started >= 7.0, "the next call waited the whole pause"
    throttle.leave(ok=True)


def test_after_a_429_the_client_comes_back_one_call_at_a_time_and_widens_with_success(
    clock: FakeClock,
) -> None:
    throttle = Throttle(4, clock=clock, sleep=clock.sleep)
    throttle.pause(1.0)
    widths = []
    for _ in range(8):
        throttle.enter()
        throttle.leave(ok=True)
        widths.append(throttle.width)
    assert widths == [2, 2, 3, 3, 3, 4, 4, 4]


def test_no_more_calls_than_the_width_are_ever_in_flight() -> None:
    throttle = Throttle(3)
    lock, in_flight, most = threading.Lock(), [0], [0]

    def call() -> None:
        throttle.enter()
        with lock:
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])
        time.sleep(0.005)
        with lock:
            in_flight[0] -= 1
        throttle.leave(ok=True)

    workers = [threading.Thread(target=call) for _ in range(20)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert most[0] <= 3


def test_a_429_storm_with_8_workers_earns_no_429_beyond_the_calls_already_under_way(
    router: respx.MockRouter, token_route: respx.Route
) -> None:
    """Eight pages are in flight when the storm breaks; all eight are refused. The storm lasts longer
    than the `Retry-After` it announces: a client whose workers each wait on their own sends eight
    retries at once when it ends and is refused eight times more. Ours sends one probe per pause."""
    rows = [{**sales_orders()[0], "ID": f"00000000-0000-4000-8000-{n:012d}"} for n in range(60)]
    first_wave = threading.Barrier(8, timeout=10)
    lock = threading.Lock()
    state = {"in_flight": 0, "storm_until": 0.0}
    refused: list[tuple[int, int]] = []  # (skip, calls in flight when it arrived)

    def serve(request: httpx.Request) -> httpx.Response:
        skip = int(parse_qs(urlsplit(str(request.url)).query)["$skip"][0])
        with lock:
            state["in_flight"] += 1
            arrived_with = state["in_flight"]
        try:
            if 3 <= skip <= 24 and not refused:
                first_wave.wait()  # the first eight pages after the first: all in flight together
                with lock:
                    state["storm_until"] = state["storm_until"] or time.monotonic() + 2.2
            time.sleep(0.05)  # latency: calls that start together are in flight together
            with lock:
                storming = time.monotonic() < state["storm_until"]
                if storming:
                    refused.append((skip, arrived_with))
            if storming:
                return httpx.Response(429, headers={"Retry-After": "1"})
            return page(rows[skip : skip + 3], **({"@odata.count": len(rows)} if skip == 0 else {}))
        finally:
            with lock:
                state["in_flight"] -= 1

    router.get(url__startswith=ROOT + SET).mock(side_effect=serve)
    settings = CRMSettings(
        api_url=API, token_url=TOKEN_URL, client_id="c", client_secret="s", max_in_flight=8, page_size=3
    )
    with TribeClient.from_settings(settings, http_client=httpx.Client()) as client:  # real time: a real storm
        got = [record.id for record in client.iter_records(SET)]

    assert got == [row["ID"] for row in rows]
    wave, after = refused[:8], refused[8:]
    assert len(wave) == 8
    assert all(alone == 1 for _skip, alone in after), (
        f"only lone probes were refused after the first: {after}"
    )
    assert len(after) <= 3, "one probe per announced second of a storm of 2.2 s"


def test_a_call_that_waited_for_the_rate_limiter_while_a_429_came_in_waits_out_the_pause_too(
    clock: FakeClock, token_route: respx.Route
) -> None:
    """Worker A holds its place and waits for a free slot of the minute; meanwhile worker B's call is
    refused with `Retry-After: 30`. When the limiter lets A go, the pause is still on: A must not send."""
    sent_at: list[float] = []

    def serve(request: httpx.Request) -> httpx.Response:
        sent_at.append(clock.now)
        return page([])

    with respx.mock(base_url=API, assert_all_called=False) as router:
        router.post(TOKEN_URL).mock(
            return_value=httpx.Response(200, json={"access_token": "t", "expires_in": 3600})
        )
        router.get(url__startswith=ROOT + SET).mock(side_effect=serve)
        with TribeClient.from_settings(
            CRMSettings(
                api_url=API, token_url=TOKEN_URL, client_id="c", client_secret="s", request_count="off"
            ),
            http_client=httpx.Client(),
            sleep=clock.sleep,
            clock=clock,
        ) as client:
            throttle = client.transport.throttle

            class SlowLimiter:
                def acquire(self) -> float:
                    clock.sleep(5.0)  # waiting for the window
                    throttle.pause(30.0)  # meanwhile another worker's call got a 429 (Retry-After: 30)
                    client.transport._limiter = no_wait  # the next calls find the window free
                    return 5.0

            class NoWait:
                def acquire(self) -> float:
                    return 0.0

            no_wait = NoWait()
            client.transport._limiter = SlowLimiter()
            started = clock.now
            list(client.iter_records(SET))

    assert sent_at, "the read was sent in the end"
    assert sent_at[0] - started >= 5.0 + 30.0, "not before the pause that began while it waited ended"


def test_a_call_waiting_for_a_place_gets_it_before_a_call_that_came_later() -> None:
    """The daemon's read-model refresh makes one call at a time beside a job that keeps its places
    busy: a job's worker that gives a place back and asks again at once must not take it from the
    refresh's call, which was waiting first (else the refresh waits for the job's whole read)."""
    throttle = Throttle(1)
    throttle.enter()  # the job's page fetch, in flight
    order: list[str] = []

    def refresh_call() -> None:
        throttle.enter()
        order.append("refresh")
        throttle.leave(ok=True)

    waiting = threading.Thread(target=refresh_call)
    waiting.start()
    while throttle.waiting == 0:  # until the refresh's call is in line (no time is measured)
        time.sleep(0.001)
    throttle.leave(ok=True)  # the job's fetch is answered, and its worker asks for the next page
    throttle.enter()
    order.append("job")
    throttle.leave(ok=True)
    waiting.join()
    assert order == ["refresh", "job"]
