from __future__ import annotations

import logging
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import respx

from tests.client.conftest import ROOT, SECRET, TOKEN_URL, make_client, page, sales_orders, token_response
from tests.conftest import FakeClock
from tribe_sync.client import TribeClient
from tribe_sync.errors import (
    AuthenticationError,
    BadRequestError,
    CRMConnectionError,
    CRMTimeoutError,
    CRMUnreachableError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    TokenError,
    WaitTooLongError,
)

SET = "Activity_SalesOrder"
URL = ROOT + SET


def test_a_429_with_retry_after_is_waited_out_then_the_call_succeeds(
    client: TribeClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get(url__startswith=URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "7"}), page([]), page([])]
    )
    assert client.list(SET) == []
    assert clock.sleeps == [7.0]


def test_a_429_without_retry_after_waits_at_least_a_minute_as_tribe_asks(
    client: TribeClient, router: respx.MockRouter, clock: FakeClock
) -> None:
    router.get(url__startswith=URL).mock(side_effect=[httpx.Response(429), page([])])
    client.list(SET)
    assert len(clock.sleeps) == 1
    assert clock.sleeps[0] >= 60.0


def test_a_5xx_burst_is_retried_up_to_the_limit_then_raised_clearly(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = router.get(url__startswith=URL).mock(
        return_value=httpx.Response(503, json={"error": {"code": "Unavailable", "message": "maintenance"}})
    )
    with make_client(clock, max_retries=3) as tribe, pytest.raises(ServerError) as caught:
        tribe.list(SET)
    assert route.call_count == 4
    assert len(clock.sleeps) == 3
    assert clock.sleeps == sorted(clock.sleeps), "the backoff grows"
    assert caught.value.status == 503
    assert caught.value.tribe_message == "maintenance"
    assert "GET https://api.tribe.test/v1/odata/Activity_SalesOrder -> 503: maintenance" in str(caught.value)


def test_a_5xx_burst_that_ends_in_time_is_invisible_to_the_caller(
    client: TribeClient, router: respx.MockRouter
) -> None:
    router.get(url__startswith=URL).mock(
        side_effect=[
            httpx.Response(502),
            httpx.Response(504),
            httpx.Response(500),
            page(sales_orders()),
            page([]),
        ]
    )
    assert len(client.list(SET)) == 7


def test_a_500_on_a_create_is_not_retried_because_it_may_have_been_applied(
    client: TribeClient, router: respx.MockRouter
) -> None:
    route = router.post(ROOT + "Activity_Task").mock(return_value=httpx.Response(500, text="boom"))
    with pytest.raises(ServerError):
        client.create("Activity_Task", {"Subject": "x"})
    assert route.call_count == 1


def test_a_read_timeout_is_retried_for_reads_and_raised_after_the_limit(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = router.get(url__startswith=URL).mock(side_effect=httpx.ReadTimeout("slow"))
    with make_client(clock, max_retries=2) as tribe, pytest.raises(CRMTimeoutError) as caught:
        tribe.list(SET)
    assert route.call_count == 3
    assert caught.value.maybe_applied


def test_a_read_timeout_on_a_create_is_not_retried_because_it_may_have_been_applied(
    client: TribeClient, router: respx.MockRouter
) -> None:
    slow = router.post(ROOT + "Activity_Task").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(CRMTimeoutError):
        client.create("Activity_Task", {})
    assert slow.call_count == 1


def test_a_create_whose_connection_was_refused_is_sent_again(
    client: TribeClient, router: respx.MockRouter
) -> None:
    router.get(url__startswith=URL).mock(side_effect=[page([])])
    client.list(SET)  # Tribe answered this process before: a refusal now is an outage, retried
    refused = router.post(ROOT + "Activity_Task").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json={"ID": "x"})]
    )
    assert client.create("Activity_Task", {}).id == "x"
    assert refused.call_count == 2


def test_connection_failures_become_crm_connection_errors(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    router.get(url__startswith=URL).mock(side_effect=httpx.ConnectError("refused"))
    with make_client(clock, max_retries=0) as tribe, pytest.raises(CRMConnectionError) as caught:
        tribe.list(SET)
    assert caught.value.maybe_applied is False
    assert isinstance(caught.value.__cause__, httpx.ConnectError)


@pytest.mark.parametrize(("status", "error"), [(400, BadRequestError), (404, NotFoundError)])
def test_client_errors_are_raised_at_once_with_tribes_message(
    client: TribeClient, router: respx.MockRouter, status: int, error: type[Exception]
) -> None:
    route = router.get(url__startswith=URL).mock(
        return_value=httpx.Response(status, text="The filter is wrong")
    )
    client.request_count = False  # no `$count` probe: this is about the error alone
    with pytest.raises(error, match="The filter is wrong"):
        client.list(SET)
    assert route.call_count == 1


def test_token_expiry_mid_iteration_refreshes_once_and_loses_or_repeats_nothing(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    rows = sales_orders()
    tokens = router.post(TOKEN_URL).mock(side_effect=[token_response("old"), token_response("new")])

    def serve(request: httpx.Request) -> httpx.Response:
        skip = int(parse_qs(urlsplit(str(request.url)).query)["$skip"][0])
        if skip >= 3 and request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json={"error": {"code": "401", "message": "token expired"}})
        return page(rows[skip : skip + 3])

    api = router.get(url__startswith=URL).mock(side_effect=serve)
    with make_client(clock, max_in_flight=1, request_count="off") as tribe:
        tribe.page_size = 3
        got = [record.id for record in tribe.iter_records(SET)]

    assert got == [row["ID"] for row in rows]
    assert tokens.call_count == 2
    assert api.call_count == 5  # 3 pages + the empty end + one repeat after the refresh


def test_a_token_the_api_still_refuses_after_one_refresh_is_an_authentication_error(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    tokens = router.post(TOKEN_URL).mock(return_value=token_response())
    router.get(url__startswith=URL).mock(return_value=httpx.Response(401))
    with make_client(clock) as tribe, pytest.raises(AuthenticationError):
        tribe.list(SET)
    assert tokens.call_count == 2


def test_the_token_is_cached_until_shortly_before_it_expires(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    tokens = router.post(TOKEN_URL).mock(side_effect=[token_response("a", 100), token_response("b", 100)])
    api = router.get(url__startswith=URL).mock(return_value=page([]))
    with make_client(clock) as tribe:
        tribe.list(SET)
        clock.now += 80
        tribe.list(SET)
        clock.now += 15  # 95 s: inside the 10 s safety margin
        tribe.list(SET)
    assert tokens.call_count == 2
    assert [c.request.headers["Authorization"] for c in api.calls] == ["Bearer a", "Bearer a", "Bearer b"]


def test_the_token_request_is_a_form_with_the_configured_scope(
    client: TribeClient, router: respx.MockRouter, token_route: respx.Route
) -> None:
    router.get(url__startswith=URL).mock(return_value=page([]))
    client.list(SET)
    form = parse_qs(token_route.calls.last.request.content.decode())
    assert form == {
        "grant_type": ["client_credentials"],
        "client_id": ["tribe-sync-test"],
        "client_secret": [SECRET],
        "scope": ["read write"],
    }


def test_token_endpoint_invalid_client_surfaces_error_and_description(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post(TOKEN_URL).mock(
        return_value=httpx.Response(
            401, json={"error": "invalid_client", "error_description": "Client authentication failed"}
        )
    )
    with make_client(clock) as tribe, pytest.raises(TokenError) as caught:
        tribe.list(SET)
    assert caught.value.error == "invalid_client"
    assert "Client authentication failed" in str(caught.value)


def test_secrets_never_reach_logs_or_exception_text(
    router: respx.MockRouter, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    router.post(TOKEN_URL).mock(return_value=token_response("tok-VERY-SECRET"))
    router.get(url__startswith=URL).mock(
        side_effect=[
            httpx.Response(401),
            httpx.Response(503),
            httpx.Response(403, text="Bearer tok-VERY-SECRET"),
        ]
    )
    with make_client(clock, max_retries=1) as tribe, pytest.raises(PermissionDeniedError) as caught:
        tribe.list(SET)
    leaked = [caplog.text, str(caught.value), repr(caught.value), caught.value.body_excerpt]  # type: ignore[attr-defined]
    for text in leaked:
        assert SECRET not in text
        assert "tok-VERY-SECRET" not in text
    assert SECRET not in repr(vars(tribe.transport.tokens)), "the secret stays a SecretStr"
    assert "Activity_SalesOrder -> 503" in caplog.text, "each request is logged"


def test_a_retry_is_told_at_the_default_log_level_with_the_wait_and_what_failed(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route, caplog: pytest.LogCaptureFixture
) -> None:
    router.get(url__startswith=URL).mock(side_effect=[httpx.Response(503), page([])])
    with caplog.at_level(logging.WARNING), make_client(clock, backoff_base_s=4.0) as tribe:
        tribe.list(SET)
    [line] = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert line.startswith(f"retrying in {clock.sleeps[0]:.0f} s (attempt 2 of 6): 503 from GET {URL}")


def test_a_token_endpoint_that_never_answered_is_not_retried(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    refused = router.post(TOKEN_URL).mock(side_effect=httpx.ConnectError("refused"))
    with make_client(clock) as tribe, pytest.raises(CRMUnreachableError) as caught:
        tribe.list(SET)
    assert refused.call_count == 1
    assert clock.sleeps == []
    assert caught.value.setting == "crm.token_url"


def test_an_api_that_never_answered_this_process_is_not_retried_and_names_crm_api_url(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    refused = router.get(url__startswith=URL).mock(side_effect=httpx.ConnectError("refused"))
    with make_client(clock) as tribe, pytest.raises(CRMUnreachableError) as caught:
        tribe.list(SET)
    assert refused.call_count == 1
    assert clock.sleeps == []
    assert caught.value.setting == "crm.api_url"
    assert str(caught.value).startswith(f"nothing answers at {URL}")


def test_an_api_that_answered_before_is_retried_when_it_refuses_mid_run(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    router.get(url__startswith=URL).mock(side_effect=[page([]), httpx.ConnectError("refused"), page([])])
    with make_client(clock) as tribe:
        tribe.list(SET)
        tribe.list(SET)
    assert len(clock.sleeps) == 1


def test_a_token_endpoint_that_answered_before_is_retried_when_it_refuses(
    router: respx.MockRouter, clock: FakeClock
) -> None:
    router.post(TOKEN_URL).mock(
        side_effect=[token_response(expires_in=1), httpx.ConnectError("refused"), token_response()]
    )
    router.get(url__startswith=URL).mock(side_effect=[page([]), page([])])
    with make_client(clock) as tribe:
        tribe.list(SET)
        clock.now += 5
        tribe.list(SET)
    assert len(clock.sleeps) == 1


def test_a_retry_after_longer_than_the_cap_fails_the_run_with_a_message_instead_of_sleeping(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    route = router.get(url__startswith=URL).mock(
        side_effect=[httpx.Response(429, headers={"Retry-After": "999999"}), page([])]
    )
    with make_client(clock, max_retry_wait_s=300) as tribe, pytest.raises(WaitTooLongError) as caught:
        tribe.list(SET)
    assert clock.sleeps == [], "not a second of the 11.6 days was slept"
    assert route.call_count == 1
    assert isinstance(caught.value.cause, RateLimitError)
    assert "wait 999999 s, more than crm.max_retry_wait_s (300 s)" in str(caught.value)


def test_no_wait_of_our_own_backoff_goes_past_the_cap(
    router: respx.MockRouter, clock: FakeClock, token_route: respx.Route
) -> None:
    router.get(url__startswith=URL).mock(side_effect=[httpx.Response(503)] * 6 + [page([])])
    with make_client(
        clock, max_retries=6, backoff_base_s=50, backoff_max_s=1000, max_retry_wait_s=90
    ) as tribe:
        tribe.list(SET)
    assert len(clock.sleeps) == 6
    assert max(clock.sleeps) <= 90
