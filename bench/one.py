"""One measured run in a process of its own: a job, or a full snapshot read. Prints one JSON line.

Peak RSS is the process's high-water mark, so every measurement gets a fresh process. CPU time is the
process's, every thread counted; with the sandbox's latency it gives the run's floor (see `__main__`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from tribe_sync.bootstrap import Services
from tribe_sync.client.odata import Query
from tribe_sync.client.tribe import TribeClient
from tribe_sync.client.wire import Record
from tribe_sync.config import Settings
from tribe_sync.jobs.plan import Outcome
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.snapshot import PARTS


class Reads:
    """Records returned per read, to know the minimum (and the naive baseline) for the same work."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, int]] = []

    def wrap(self, client: TribeClient) -> None:
        original = client.iter_records

        def counted(entity_set: str, query: Query | None = None) -> Iterator[Record]:
            n = 0
            try:
                for record in original(entity_set, query):
                    n += 1
                    yield record
            finally:  # a read its caller ends early (it has every ID it asked for) is a read too
                self.reads.append((entity_set, n))

        client.iter_records = counted  # type: ignore[method-assign]

    def minimum_pages(self) -> int:
        return sum(max(1, math.ceil(n / 100)) for _, n in self.reads)

    def records(self) -> int:
        return sum(n for _, n in self.reads)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--api", required=True)
    parser.add_argument("--job", required=True)  # a job name or "snapshot"
    parser.add_argument("--today", required=True)
    parser.add_argument("--journal", required=True)
    parser.add_argument("--outbox", required=True)
    parser.add_argument("--request-count", default="auto", choices=["auto", "on", "off"])
    parser.add_argument("--max-in-flight", type=int, default=8)
    parser.add_argument("--latency-ms", type=int, default=0, help="the sandbox's, for the floor")
    args = parser.parse_args()
    settings = Settings(
        crm={
            "api_url": args.api,
            "token_url": f"{args.api}/oauth2/token",
            "request_count": args.request_count,
            "max_in_flight": args.max_in_flight,
        },  # type: ignore[arg-type]
        store={"url": args.journal},  # type: ignore[arg-type]
        programme={"outbox_dir": args.outbox},  # type: ignore[arg-type]
    )
    reads = Reads()
    today = dt.date.fromisoformat(args.today)
    with Services(settings, clock=lambda: dt.datetime.combine(today, dt.time(7), dt.UTC)) as services:
        reads.wrap(services.client)
        started, cpu_started = time.perf_counter(), time.process_time()
        changes = 0
        if args.job == "snapshot":
            services.crm.snapshot(PARTS)
        else:
            report = services.executor().run_job(JOBS[args.job], today)
            changes = sum(1 for o in report.outcomes if o.status is Outcome.APPLIED)
        wall = time.perf_counter() - started
        cpu = time.process_time() - cpu_started  # every thread of the process
        http = services.client.transport.http
        calls = http.calls - 1  # without the token request
        # The floor: the calls' summed latency spread over the calls in flight, plus the CPU we spend.
        floor = calls * args.latency_ms / 1000 / args.max_in_flight + cpu
        result: dict[str, Any] = {
            "job": args.job,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "max_in_flight": args.max_in_flight,
            "request_count": args.request_count,
            "latency_ms": args.latency_ms,
            "floor_s": round(floor, 2),
            "wall_to_floor": round(wall / floor, 2) if floor > 0 else None,
            "calls": calls,
            "token_calls": services.client.transport.tokens.fetches,
            "changes": changes,
            "records_read": reads.records(),
            "reads": len(reads.reads),
            "minimum": reads.minimum_pages() + changes,
            "naive": reads.minimum_pages() + reads.records() + changes,
            "status_429": http.status_counts.get(429, 0),
            "retries": services.client.transport.retries,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
    per_set: dict[str, int] = defaultdict(int)
    for entity_set, n in reads.reads:
        per_set[entity_set] += n
    result["records_per_set"] = dict(per_set)
    records = reads.records()
    result["cpu_ms_per_1000_records"] = round(1e6 * cpu / records, 1) if records else None
    print(json.dumps(result))


if __name__ == "__main__":
    main()
