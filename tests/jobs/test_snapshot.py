from __future__ import annotations

import math
from collections import Counter

import pytest

from tests.jobs.conftest import Env
from tribe_sync.client.tribe import CountSupport
from tribe_sync.jobs.snapshot import PARTS, Snapshot
from tribe_sync.tribe_crm import load_snapshot

pytestmark = pytest.mark.sandbox


def read(env: Env, max_in_flight: int, count: str) -> Snapshot:
    settings = env.services.settings
    crm = settings.crm.model_copy(update={"max_in_flight": max_in_flight, "request_count": count})
    env.services.settings = settings.model_copy(update={"crm": crm})
    client = env.fresh_services().client
    client.count_support = CountSupport(count)
    return load_snapshot(client, env.services.schema, PARTS, ("reminder/",))


def test_sets_read_side_by_side_give_the_same_snapshot_as_one_call_at_a_time(env: Env) -> None:
    one_by_one = read(env, 1, "off")
    side_by_side = read(env, 8, "auto")
    assert side_by_side == one_by_one, "same records, same order, same problems in the same order"
    assert one_by_one.requests
    assert one_by_one.problems


def test_with_count_every_set_costs_one_call_per_page_and_no_empty_page(env: Env) -> None:
    env.sandbox.state.log.clear()
    snap = read(env, 8, "auto")
    gets = env.sandbox.state.calls("GET")
    per_set = Counter(call.path.rsplit("/", 1)[-1] for call in gets)
    records = {
        "Activity_SalesOrder": len(snap.requests),
        "_77dde229__df88__4e4d__ac23__86e5cc86ba64": len(snap.forecasts),
    }
    for entity_set, n in records.items():
        assert per_set[entity_set] == max(1, math.ceil(n / 100)), entity_set


def test_only_a_snapshot_for_a_saved_plan_keeps_a_digest_of_every_record(env: Env) -> None:
    client = env.fresh_services().client
    for_a_run = load_snapshot(client, env.services.schema, {"requests", "months"})
    for_a_plan = load_snapshot(client, env.services.schema, {"requests", "months"}, digest=True)
    assert for_a_run.seen == {}, "a run needs no digest: it costs a JSON dump and a hash per record"
    assert set(for_a_plan.seen) == {"requests", "months"}
    assert len(for_a_plan.seen["requests"]) >= len(for_a_plan.requests)
    assert for_a_run.requests == for_a_plan.requests
