"""A job's second process reads with the size hints its first left in the store."""

from __future__ import annotations

from pathlib import Path

from tests.jobs.conftest import TODAY, Env, make_env
from tribe_sync.jobs.registry import JOBS

CLOSING = JOBS["close-delivery-months"]
REQUESTS = "/v1/odata/Activity_SalesOrder"


def snapshot_reads(env: Env) -> list[str]:
    """The pages of the requests' snapshot read (the re-reads have a filter) so far."""
    calls = env.sandbox.state.calls("GET", REQUESTS)
    return [c.query for c in calls if c.path == REQUESTS and "$filter" not in c.query]


def test_a_new_process_finds_the_totals_of_the_last_runs_reads_and_reads_with_no_call_more(
    tmp_path: Path,
) -> None:
    for env in make_env(tmp_path, scale="realistic"):
        env.services.executor().run_job(CLOSING, TODAY)
        first = snapshot_reads(env)
        requests = len(env.sandbox.state.store.all("Activity_SalesOrder"))
        assert len(first) == -(-requests // 100) > 1, "a read of several pages, one call each"

        services = env.fresh_services()  # the daemon restarted, or the next `jobs run`
        services.journal  # noqa: B018 - as the executor opens it before it reads
        assert services.read_sizes.get("Activity_SalesOrder") == requests
        services.executor().run_job(CLOSING, TODAY)
        assert len(snapshot_reads(env)) == 2 * len(first), "with the hint: the same calls, none more"
