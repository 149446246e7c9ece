"""What the pages derive from the read model is computed once per refresh, and a served console
computes it after each refresh before anyone asks."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from tests.console.conftest import ConsoleWorld, login
from tests.console.test_plans import submitted
from tribe_sync.domain.calendar import Month
from tribe_sync.sandbox.server import RunningSandbox
from tribe_sync.store.readmodel.refresh import MirrorSet

Tenant = tuple[ConsoleWorld, RunningSandbox]


def never() -> object:
    raise AssertionError("computed again, although the read model did not change")


def test_a_value_is_computed_once_per_refresh(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    world.services.mirror.refresh()
    derived = world.console.derived
    computed: list[int] = []
    assert derived.get("x", lambda: computed.append(1) or len(computed)) == 1
    assert derived.get("x", never) == 1
    world.clock.advance(dt.timedelta(minutes=15))
    world.services.mirror.refresh([MirrorSet.MONTHS])
    assert derived.get("x", lambda: computed.append(1) or len(computed)) == 2
    derived.forget()  # the console changed the read model itself (a month closed, a plan applied)
    assert derived.get("x", lambda: computed.append(1) or len(computed)) == 3


@pytest.mark.sandbox
def test_warming_computes_what_the_pages_show_before_the_first_request(tenant_world: Tenant) -> None:
    world, _ = tenant_world
    plan_id = submitted(world, "beheer")
    derived = world.console.derived
    world.console.app()  # the pages register what they derive
    derived.start_warming(every_s=0.05)
    try:
        today = world.services.today()
        deadline = time.monotonic() + 60
        while True:
            try:
                rows = derived.get(("organisations", today), never)
                derived.get(("forecasts", str(Month.of(today).quarter)), never)
                derived.get("problems", never)
                derived.get(("overview", today), never)
                derived.get(("explained", plan_id, True), never)
                break
            except AssertionError:
                assert time.monotonic() < deadline, "warmed within a minute"
                time.sleep(0.05)
    finally:
        derived.stop_warming()
    assert isinstance(rows, list)
    assert rows
    client = world.client()
    login(client, "lees")
    assert client.get("/organisaties").status_code == 200
