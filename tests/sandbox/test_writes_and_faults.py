from __future__ import annotations

import httpx
import pytest

from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

TASKS = "/v1/odata/Activity_Task"


def test_create_returns_the_record_with_its_id_and_dates(api: httpx.Client) -> None:
    created = api.post(
        TASKS, json={"Subject": "Herinnering", "ImportId": "test/create", "StartDate": "2026-12-01"}
    )
    assert created.status_code == 201
    body = created.json()
    assert body["ID"]
    assert body["CreationDate"].endswith("Z")
    assert body["_Type"] == "Activity.Task"
    found = api.get(f"{TASKS}?$filter=ImportId%20eq%20'test/create'").json()["value"]
    assert [r["ID"] for r in found] == [body["ID"]]


def test_put_changes_only_the_given_fields_and_post_with_id_updates(api: httpx.Client) -> None:
    months = api.get(f"/v1/odata/{t.MONTH}?$filter=IsActive%20eq%20true&$top=1").json()["value"]
    month = months[0]
    assert api.put(f"/v1/odata/{t.MONTH}({month['ID']})", json={t.M_CLOSED_REASON: "vol"}).status_code == 204
    after = api.get(f"/v1/odata/{t.MONTH}({month['ID']})").json()
    assert after[t.M_CLOSED_REASON] == "vol"
    assert after["IsActive"] is True
    assert (
        api.post(f"/v1/odata/{t.MONTH}", json={"ID": month["ID"], t.M_CLOSED_REASON: None}).status_code == 201
    )
    assert api.get(f"/v1/odata/{t.MONTH}({month['ID']})").json()[t.M_CLOSED_REASON] is None


@pytest.mark.parametrize(
    "body",
    [
        {"Nope": 1},
        {"Subject": 5},
        {"Phase": {"ID": "00000000-0000-4000-8000-000000000000"}},
        {"StartDate": "soon"},
    ],
)
def test_writes_with_unknown_fields_wrong_types_or_dangling_references_are_400(
    api: httpx.Client, body: dict[str, object]
) -> None:
    response = api.post(TASKS, json=body)
    assert response.status_code == 400
    assert response.json()["error"]["message"]


def test_a_missing_or_bad_token_is_401(sandbox: RunningSandbox) -> None:
    assert httpx.get(f"{sandbox.url}{TASKS}").status_code == 401
    assert httpx.get(f"{sandbox.url}{TASKS}", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_the_token_endpoint_refuses_bad_secrets_and_offline(sandbox: RunningSandbox) -> None:
    form = {"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "wrong"}
    refused = httpx.post(f"{sandbox.url}/oauth2/token", data=form)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    offline = httpx.post(
        f"{sandbox.url}/oauth2/token", data={**form, "client_secret": "sandbox", "scope": "offline"}
    )
    assert offline.json()["error"] == "invalid_grant"


def test_tokens_expire_after_the_configured_lifetime(sandbox: RunningSandbox, api: httpx.Client) -> None:
    sandbox.state.faults.token_ttl_s = 0
    form = {"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "sandbox"}
    token = httpx.post(f"{sandbox.url}/oauth2/token", data=form).json()["access_token"]
    assert httpx.get(f"{sandbox.url}{TASKS}", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_injected_failures_are_429s_with_and_without_retry_after_and_5xx(
    sandbox: RunningSandbox, api: httpx.Client
) -> None:
    sandbox.state.faults.update({"fail_rate": 1.0, "fail_statuses": [429, 503]})
    answers = [api.get(TASKS) for _ in range(8)]
    assert {r.status_code for r in answers} == {429, 503}
    with_header = [r for r in answers if r.status_code == 429 and "Retry-After" in r.headers]
    without = [r for r in answers if r.status_code == 429 and "Retry-After" not in r.headers]
    assert with_header
    assert without


def test_the_sliding_window_rate_limit_answers_429_with_retry_after(
    sandbox: RunningSandbox, api: httpx.Client
) -> None:
    sandbox.state.faults.rate_limit_per_min = 3
    statuses = [api.get(f"{TASKS}?$top=1").status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 429, 429]
    sandbox.state.faults.rate_limit_per_min = None


def test_a_lower_page_cap_gives_short_pages(sandbox: RunningSandbox, api: httpx.Client) -> None:
    sandbox.state.faults.page_cap = 37
    assert len(api.get("/v1/odata/Activity_SalesOrder?$top=100").json()["value"]) == 37


def test_the_request_log_counts_calls(sandbox: RunningSandbox, api: httpx.Client) -> None:
    before = len(sandbox.state.calls("GET"))
    api.get(f"{TASKS}?$top=1")
    assert len(sandbox.state.calls("GET")) == before + 1
    assert sandbox.state.log[-1].status == 200
    assert api.get("/_sandbox/log").json()[-1]["path"] == TASKS, "the log is readable over HTTP too"


def test_faults_can_be_changed_over_http(sandbox: RunningSandbox, api: httpx.Client) -> None:
    assert api.put("/_sandbox/faults", json={"latency_ms": 5}).json()["latency_ms"] == 5
    assert api.put("/_sandbox/faults", json={"bogus": 1}).status_code == 400
    sandbox.state.faults.latency_ms = 0
