"""One measured run in a process of its own: a job, or a full snapshot read. Prints one JSON line.

Peak RSS is the process's high-water mark, so every measurement gets a fresh process. CPU time is the
process's, every thread counted; with the sandbox's latency it gives the run's floor (see `__main__`).

The store is open before the reads, as in a job's run (the executor opens it for its claim; for a
bare snapshot it is opened before the clock starts), so that the reads find the size hints a previous
process left there and leave theirs (`tribe_sync.client.sizes`). `--reads-only` is the
warm-up of `__main__ --hints warm`: the job's snapshot reads and nothing else (no plan, no write), in
a process of its own, which leaves their totals in the store for the measured process after it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import resource
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from tribe_sync.bootstrap import Services
from tribe_sync.client.http import Http
from tribe_sync.client.odata import Query
from tribe_sync.client.tribe import TribeClient
from tribe_sync.client.wire import Record
from tribe_sync.config import Settings
from tribe_sync.jobs.executor import _lane
from tribe_sync.jobs.plan import Change, Outcome
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.snapshot import PARTS
from tribe_sync.lanes import _predecessors
from tribe_sync.tribe_crm import TribeCRM


class Stages:
    """The run as stages that must follow one another: the snapshot read, then per step its
    re-reads, then its writes. A stage's calls may overlap; a stage cannot start before the one before
    it ended (the plan needs the snapshot; a write needs its re-read). Within a stage some order is
    unavoidable too: a read's later pages come after its first (which tells the total), and a
    record's own writes, and a write after what it depends on, come one after another.

    From that, the ordered floor: per stage, the rounds of `max_in_flight` calls it needs at least,
    times the latency, plus the CPU time. The plain floor assumes every call could overlap with all
    others; the ordered one is what a perfect client could reach with the same calls. It always counts
    a big read's first page as a round of its own: with size hints (`--hints warm`) the client sends
    that read's other pages with it, so a warm run can end below its ordered floor."""

    def __init__(self) -> None:
        self.kinds: list[str] = []
        self.calls: list[int] = []
        self.reads: list[list[int]] = []  # records per read
        self.writes: list[list[Change]] = []
        self._lock = threading.Lock()
        self._inside = threading.local()
        self.page_size = 100

    def enter(self, kind: str) -> int:
        with self._lock:
            if not self.kinds or self.kinds[-1] != kind:
                self.kinds.append(kind)
                self.calls.append(0)
                self.reads.append([])
                self.writes.append([])
            return len(self.kinds) - 1

    def wrap(self, crm: TribeCRM, http: Http, reads: Reads, page_size: int) -> None:
        stages = self
        for name, kind in (
            ("snapshot", "read"),
            ("current_phases", "re-read"),
            ("current_months", "re-read"),
            ("existing_tasks", "re-read"),
            ("create", "write"),
            ("update", "write"),
        ):
            original = getattr(crm, name)

            def staged(*args: Any, _original: Any = original, _kind: str = kind, **kwargs: Any) -> Any:
                if getattr(stages._inside, "kind", None):  # current_months reads through snapshot
                    return _original(*args, **kwargs)
                at = stages.enter(_kind)
                if _kind == "write":
                    with stages._lock:
                        stages.writes[at].append(args[0])
                stages._inside.kind = _kind
                try:
                    return _original(*args, **kwargs)
                finally:
                    stages._inside.kind = None

            setattr(crm, name, staged)
        send = http.send

        def counted_send(*args: Any, **kwargs: Any) -> Any:
            if kwargs.get("label") != "token" and self.kinds:
                with self._lock:
                    self.calls[-1] += 1
            return send(*args, **kwargs)

        http.send = counted_send  # type: ignore[method-assign]
        reads.on_read = lambda n: self.reads[-1].append(n) if self.kinds else None
        self.page_size = page_size

    def rounds(self, width: int) -> list[int]:
        """The least number of rounds of `width` calls in flight each stage needs."""
        out = []
        for calls, reads, writes in zip(self.calls, self.reads, self.writes, strict=True):
            least = math.ceil(calls / width)
            if any(n > self.page_size for n in reads):  # later pages wait for the first
                least = max(least, 1 + math.ceil(max(0, calls - len(reads)) / width))
            if writes:
                least = max(least, _longest_chain(writes))
            out.append(least)
        return out


def _longest_chain(changes: list[Change]) -> int:
    """The longest run of writes that must go one after another (a lane, `depends_on`)."""
    before = _predecessors(changes, _lane, lambda c: c.key, lambda c: c.depends_on)
    depth: list[int] = []
    for earlier in before:
        depth.append(1 + max((depth[i] for i in earlier), default=0))
    return max(depth, default=0)


class Reads:
    """Records returned per read, to know the minimum (and the naive baseline) for the same work."""

    def __init__(self) -> None:
        self.reads: list[tuple[str, int]] = []
        self.on_read: Any = lambda _n: None

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
                self.on_read(n)

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
    parser.add_argument("--reads-only", action="store_true", help="only the job's snapshot reads (warm-up)")
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
    stages = Stages()
    today = dt.date.fromisoformat(args.today)
    with Services(settings, clock=lambda: dt.datetime.combine(today, dt.time(7), dt.UTC)) as services:
        job = JOBS.get(args.job)
        if job is None or args.reads_only:
            services.journal  # noqa: B018 - as a job's run opens it (its claim) before it reads
        if args.reads_only:
            parts, prefixes = (PARTS, ()) if job is None else (job.parts, job.task_prefixes)
            services.crm.snapshot(parts, prefixes)
            print(json.dumps({"job": args.job, "warm_up_calls": services.client.transport.http.calls - 1}))
            return
        reads.wrap(services.client)
        stages.wrap(services.crm, services.client.transport.http, reads, services.client.page_size)
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
        rounds = stages.rounds(args.max_in_flight)
        ordered_floor = sum(rounds) * args.latency_ms / 1000 + cpu
        result: dict[str, Any] = {
            "job": args.job,
            "wall_s": round(wall, 2),
            "cpu_s": round(cpu, 2),
            "max_in_flight": args.max_in_flight,
            "request_count": args.request_count,
            "latency_ms": args.latency_ms,
            "floor_s": round(floor, 2),
            "wall_to_floor": round(wall / floor, 2) if floor > 0 else None,
            "ordered_floor_s": round(ordered_floor, 2),
            "wall_to_ordered_floor": round(wall / ordered_floor, 2) if ordered_floor > 0 else None,
            "stages": [
                {"kind": kind, "calls": n, "rounds": r}
                for kind, n, r in zip(stages.kinds, stages.calls, rounds, strict=True)
            ],
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
