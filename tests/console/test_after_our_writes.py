"""After our own writes to Tribe (a job, a plan applied, a month closed, a processor file), from the
command line or the console, the next page shows the new state: the executor marks what it wrote
stale in the read model, so the page refreshes it by delta instead of waiting for `mirror.max_age_s`."""

from __future__ import annotations

import pytest

from tests.console.conftest import T0, ConsoleWorld, login
from tribe_sync.bootstrap import Services
from tribe_sync.domain.calendar import Month
from tribe_sync.jobs.staff import month_plan
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox


def test_a_month_closed_from_the_command_line_is_closed_on_the_next_console_page(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    client = world.client()
    login(client, "lees")
    assert client.get("/leveringsmaanden").status_code == 200  # the read model is fresh now
    month = next(m for m in world.services.read_model.months() if m.is_open)

    # Another process on the same store (the command line), at the same moment: the read model is
    # not older than mirror.max_age_s, so only the executor's word makes the page look again.
    with Services(world.services.settings, clock=world.clock) as command_line:
        snapshot = command_line.crm.snapshot({"months"})
        plan = month_plan(snapshot, Month.parse(month.month), T0.date(), open_=False, reason="vol")
        report = command_line.executor().apply(plan, actor="staff:anna", claim="job:close-delivery-months")
        assert report.run_id is not None

    client.get("/leveringsmaanden")
    (after,) = [m for m in world.services.read_model.months() if m.month == month.month]
    assert not after.is_open, "the page refreshed the months the command line had just written"
