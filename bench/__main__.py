"""`make bench`: every job and a full snapshot read against a sandbox process, at several scales.

Six parts (`--parts`, all by default), each written into `bench/results/latest.json` under its own
key with the command that measured it, so that a part can be measured again on its own
(`make bench ARGS=--help` lists every option):

- `calls` (`runs`): at 30 ms latency with Tribe's 1000 calls per minute enforced, every job's CRM
  calls against the minimum (one call per 100 records per read, one per change) and the naive
  baseline (list the IDs, then one GET per record, one write per change), wall time, peak RSS, 429s.
- `latency`: realistic scale at 250 ms a call (no rate limit in the sandbox; each process keeps its own
  budget): every job's wall time against its floor, the calls' summed latency / `max_in_flight` plus
  the process's CPU time; `--variants after,before` also measures it with one call at a time and no `$count`.
- `shared`: two processes at once, one rate budget through PostgreSQL, the sandbox enforcing 1000 calls
  a minute: any 429 is one we caused.
- `scaling`: a full snapshot read at 1x, 3x and 10x the realistic size: CPU per 1000 records, peak RSS.
- `mirror`: the read model (`bench/mirror.py`): refresh calls (full, delta unchanged, delta after edits),
  staff views' wall time and peak RSS from it, next to a list read from the CRM as before.
- `console` (`bench/console.py`): every console page's server time from a read model of each scale,
  in-process, against a budget of 300 ms a page; the pages make no CRM call.

Size hints (`--hints`, for `calls` and `latency`; every row says which in `hints`): a read whose total
the store remembers from an earlier process sends its pages side by side from the first round
(`tribe_sync.client.sizes`).
- `cold`: the job on a store without hints (the store made before the job if new, its hints
  cleared), as on the first run of a read: its big reads wait a round trip for their first page.
- `warm`: a WARM-UP first runs the job's snapshot reads once in a process of their own (reads only,
  not measured, the sandbox's data untouched); then the job is measured in a fresh process, as the
  next `tribe-sync jobs run` or a restarted daemon finds the store. The row notes `warm_up_calls`.
Cold and warm each get a fresh sandbox, so both do the same work. In `calls` the warm-up's calls
share the rate budget with the measured run that follows it within the minute: compare a warm row's
calls there, not its wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from tribe_sync.store.journal import open_journal

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
EXE = Path(sys.executable).parent / "tribe-sync"
JOB_ORDER = [
    "snapshot",
    "close-delivery-months",
    "progress-statuses",
    "accountability-reminders",
    "forecast-reminders",
    "audit",
]
ANCHOR, TODAY = "2026-12-01", "2027-01-04"  # the first working day of Q1: every job has work
HINTS = ["cold", "warm"]  # size hints: see the module's docstring


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sandbox:
    def __init__(
        self, scale: str, latency_ms: int, rate_limit: int | None, *, latency_counts_work: bool = False
    ) -> None:
        self.port = free_port()
        command = [
            str(EXE),
            "sandbox",
            "serve",
            "--port",
            str(self.port),
            "--scale",
            scale,
            "--seed",
            "1",
            "--today",
            ANCHOR,
            "--latency-ms",
            str(latency_ms),
        ]
        if rate_limit:
            command += ["--rate-limit", f"{rate_limit}/min"]
        self.process = subprocess.Popen(command, stderr=subprocess.DEVNULL)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 300
        while True:
            try:
                httpx.get(f"{self.url}/_sandbox/health", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the {scale} sandbox did not start") from None
                time.sleep(0.25)
        if latency_counts_work:
            httpx.put(f"{self.url}/_sandbox/faults", json={"latency_counts_work": True}, timeout=10)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(
    api: str,
    job: str,
    workdir: Path,
    store: str | None,
    *,
    request_count: str = "auto",
    max_in_flight: int = 8,
    latency_ms: int = 0,
    hints: str = "cold",
) -> dict[str, Any]:
    """One job in a process of its own; `hints` (see the module's docstring): `cold` clears the
    store's size hints first, `warm` runs the job's reads once first in another process."""
    command = one_command(api, job, workdir, store, request_count, max_in_flight, latency_ms)
    warm_up: dict[str, Any] = {}
    if hints == "warm":
        warm_up = _last_line(_run([*command, "--reads-only"]))
    else:
        clear_hints(store or f"sqlite:///{workdir / 'journal.db'}")
    result = _last_line(_run(command))
    result["hints"] = hints
    if warm_up:
        result["warm_up_calls"] = warm_up["warm_up_calls"]
    return _ratios(result)


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)


def _last_line(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def clear_hints(url: str) -> None:
    """The store at `url` made (if new) and without size hints: the job starts cold, and, as a warm
    run, without making the store inside its measured time."""
    open_journal(url).close()
    engine = create_engine(url)
    try:
        with engine.begin() as tx:
            tx.execute(text("DELETE FROM tribe_sync_read_sizes"))
    finally:
        engine.dispose()


def one_command(
    api: str,
    job: str,
    workdir: Path,
    store: str | None,
    request_count: str,
    max_in_flight: int,
    latency_ms: int,
) -> list[str]:
    return [
        sys.executable,
        "-m",
        "bench.one",
        "--api",
        api,
        "--job",
        job,
        "--today",
        TODAY,
        "--journal",
        store or f"sqlite:///{workdir / 'journal.db'}",
        "--outbox",
        str(workdir / "outbox"),
        "--request-count",
        request_count,
        "--max-in-flight",
        str(max_in_flight),
        "--latency-ms",
        str(latency_ms),
    ]


def _ratios(result: dict[str, Any]) -> dict[str, Any]:
    result["ratio_to_minimum"] = round(result["calls"] / max(1, result["minimum"]), 3)
    result["fewer_than_naive"] = round(result["naive"] / max(1, result["calls"]), 1)
    return result


@contextmanager
def shared_store() -> Iterator[str | None]:
    """A private schema on the local PostgreSQL, so that every measured process shares one rate budget
    (as replicas and staff commands do in production); None (SQLite, a budget per process) without it."""
    base = os.environ.get("TRIBE_SYNC_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_{os.getpid()}"
    try:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
    except (SQLAlchemyError, ImportError) as exc:
        print(f"no PostgreSQL ({str(exc).splitlines()[0]}): each measured process has its own rate budget")
        yield None
        return
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


def run_scale(
    scale: str,
    latency_ms: int,
    rate_limit: int | None,
    jobs: list[str] = JOB_ORDER,
    hints: list[str] = HINTS,
) -> list[dict[str, Any]]:
    rows = []
    for state in hints:
        sandbox = Sandbox(scale, latency_ms, rate_limit)  # fresh data: cold and warm do the same work
        try:
            with tempfile.TemporaryDirectory() as folder, shared_store() as store:
                if store is None and state == "warm":
                    print("warm: the warm-up's calls count against the sandbox's limit for the measured run")
                for job in jobs:
                    row = measure(sandbox.url, job, Path(folder), store, latency_ms=latency_ms, hints=state)
                    row["scale"] = scale
                    row["store"] = (
                        "postgresql (shared rate budget)" if store else "sqlite (a budget per process)"
                    )
                    rows.append(row)
                    _print(row)
                if "snapshot" in jobs:
                    row = measure(
                        sandbox.url,
                        "snapshot",
                        Path(folder),
                        store,
                        request_count="off",
                        latency_ms=latency_ms,
                        hints=state,
                    )
                    row["scale"] = scale
                    rows.append(row)
                    _print(row)
        finally:
            sandbox.stop()
    return rows


SANDBOX_LATENCY = {
    "on-top": "the delay comes on top of the sandbox's own work, which one process does for every call "
    "in turn: calls in flight together queue for it",
    "counts-work": "a call takes the delay, the sandbox's own work counted in (as a hosted CRM's latency "
    "includes its servers' work)",
}


def latency(
    latency_ms: int,
    variants: list[str],
    jobs: list[str] = JOB_ORDER,
    sandbox_latency: str = "on-top",
    hints: list[str] = HINTS,
) -> list[dict[str, Any]]:
    """Every job at realistic scale, at Tribe-like latency: wall time against the floor (and against
    the ordered floor, see `one.Stages`). `before` is the client as it was: one call at a time, no
    `$count` (and so no size hints either). `sandbox_latency`: see `SANDBOX_LATENCY`."""
    settings = {"after": ("auto", 8), "before": ("off", 1)}
    rows = []
    for variant in variants:
        request_count, width = settings[variant]
        for state in hints if variant == "after" else ["cold"]:
            # Fresh data: every variant, cold or warm, does the same work.
            counts_work = sandbox_latency == "counts-work"
            sandbox = Sandbox("realistic", latency_ms, None, latency_counts_work=counts_work)
            try:
                with tempfile.TemporaryDirectory() as folder:
                    for job in jobs:
                        row = measure(
                            sandbox.url,
                            job,
                            Path(folder),
                            None,
                            request_count=request_count,
                            max_in_flight=width,
                            latency_ms=latency_ms,
                            hints=state,
                        )
                        row.update(scale="realistic", variant=variant, sandbox_latency=sandbox_latency)
                        rows.append(row)
                        _print(row)
            finally:
                sandbox.stop()
    return rows


def shared(scales: list[str], latency_ms: int, rate_limit: int) -> list[dict[str, Any]]:
    """Two processes at once on one budget through PostgreSQL, against the sandbox's enforced limit."""
    rows = []
    for scale in scales:
        sandbox = Sandbox(scale, latency_ms, rate_limit)
        try:
            with tempfile.TemporaryDirectory() as folder, shared_store() as store:
                if store is None:
                    print("shared: skipped, it needs PostgreSQL")
                    return rows
                open_journal(store).close()  # the schema made once, not raced for by the pair
                for job in ("snapshot", "audit"):
                    (Path(folder) / job).mkdir()
                started = time.perf_counter()
                pair = [
                    subprocess.Popen(
                        one_command(sandbox.url, job, Path(folder) / job, store, "auto", 8, latency_ms),
                        stdout=subprocess.PIPE,
                        text=True,
                        cwd=ROOT,
                    )
                    for job in ("snapshot", "audit")
                ]
                for process, job in zip(pair, ("snapshot", "audit"), strict=True):
                    out, _ = process.communicate()
                    if process.returncode:
                        raise RuntimeError(f"shared {scale} {job} failed")
                    row = _ratios(json.loads(out.strip().splitlines()[-1]))
                    row.update(scale=scale, together_s=round(time.perf_counter() - started, 1))
                    rows.append(row)
                    _print(row)
        finally:
            sandbox.stop()
    return rows


def scaling(latency_ms: int) -> list[dict[str, Any]]:
    rows = []
    for scale, factor in (("realistic", 1), ("medium", 3), ("large", 10)):
        sandbox = Sandbox(scale, latency_ms, None)
        try:
            with tempfile.TemporaryDirectory() as folder:
                row = measure(sandbox.url, "snapshot", Path(folder), None, latency_ms=latency_ms)
        finally:
            sandbox.stop()
        row.update(scale=scale, factor=factor)
        rows.append(row)
        _print(row)
    base = rows[0]["wall_s"] / rows[0]["records_read"]
    for row in rows:
        row["seconds_per_1000_records"] = round(1000 * row["wall_s"] / row["records_read"], 3)
        row["relative_cost_per_record"] = round((row["wall_s"] / row["records_read"]) / base, 2)
    return rows


def _run_key(row: dict[str, Any]) -> tuple[str, str, str, str]:
    """A row of the calls part: rows measured before size hints were all cold."""
    return (row["scale"], row["job"], row["request_count"], row.get("hints", "cold"))


def _print(row: dict[str, Any]) -> None:
    mode = f" (count {row['request_count']}, {row['max_in_flight']} in flight, {row.get('hints', 'cold')})"
    floor = f" floor {row['floor_s']:.1f} s x{row['wall_to_floor']}" if row.get("latency_ms") else ""
    if row.get("latency_ms") and "ordered_floor_s" in row:
        floor += f" ordered {row['ordered_floor_s']:.1f} s x{row['wall_to_ordered_floor']}"
    print(
        f"{row['scale']:>9} {row['job'] + mode:<58} calls {row['calls']:>6} min {row['minimum']:>6} "
        f"x{row['ratio_to_minimum']:<5} naive {row['naive']:>7} 429s {row['status_429']:>2} "
        f"{row['wall_s']:>7.1f} s cpu {row['cpu_s']:>5.1f} s{floor} {row['peak_rss_mb']:>6.1f} MB",
        flush=True,
    )


PARTS = ("calls", "latency", "shared", "scaling", "mirror", "console")


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--parts",
        default=",".join(PARTS),
        help=f"which parts to measure, comma-separated: {', '.join(PARTS)} (default: all six)",
    )
    parser.add_argument(
        "--scales",
        default="realistic,large",
        help="calls, shared, mirror, console: the sandbox's sizes, comma-separated, from small, realistic, "
        "medium, large (latency is always realistic; scaling always 1x, 3x and 10x)",
    )
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--slow-latency-ms", type=int, default=250, help="the latency part's")
    parser.add_argument("--variants", default="after", help="latency: after,before (one call at a time)")
    parser.add_argument("--rate-limit", type=int, default=1000, help="calls per minute the sandbox enforces")
    parser.add_argument(
        "--sandbox-latency",
        choices=sorted(SANDBOX_LATENCY),
        default="on-top",
        help="latency: whether the sandbox's delay includes its own work on a call",
    )
    parser.add_argument(
        "--hints",
        default=",".join(HINTS),
        help="calls, latency: cold (no size hints in the store), warm (the job's reads once first), or both",
    )
    parser.add_argument(
        "--jobs",
        default=",".join(JOB_ORDER),
        help="calls, latency: only these jobs (their rows replace the same jobs' rows in the results)",
    )
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    os.chdir(ROOT)
    parts = set(args.parts.split(","))
    scales = args.scales.split(",")
    started = time.time()
    path = RESULTS / "latest.json"
    document: dict[str, Any] = json.loads(path.read_text()) if path.exists() else {}
    document.setdefault("measured_with", {})
    command = "make bench ARGS='" + " ".join(sys.argv[1:]) + "'"
    jobs = [job for job in JOB_ORDER if job in args.jobs.split(",")]
    hints = [state for state in HINTS if state in args.hints.split(",")]
    if "calls" in parts:
        document.update(latency_ms=args.latency_ms, rate_limit_per_min=args.rate_limit, today=TODAY)
        fresh_runs = [
            row for scale in scales for row in run_scale(scale, args.latency_ms, args.rate_limit, jobs, hints)
        ]
        measured = {_run_key(r) for r in fresh_runs}
        kept_runs = [r for r in document.get("runs", []) if _run_key(r) not in measured]
        document["runs"] = kept_runs + fresh_runs
        document["measured_with"]["runs"] = command
        document["measured_with"].setdefault("runs_by_scale_and_job", {}).update(
            {f"{scale} {job} ({state})": command for scale, job, _, state in measured}
        )
    if "latency" in parts:
        fresh = latency(args.slow_latency_ms, args.variants.split(","), jobs, args.sandbox_latency, hints)
        replaced = {(r["variant"], r["job"], r["sandbox_latency"], r["hints"]) for r in fresh}
        kept = [
            r
            for r in document.get("latency", [])
            if (r.get("variant"), r["job"], r.get("sandbox_latency", "on-top"), r.get("hints", "cold"))
            not in replaced
        ]
        document["sandbox_latency"] = SANDBOX_LATENCY
        document["latency"] = kept + fresh
        document["measured_with"]["latency"] = command
        document["measured_with"].setdefault("latency_by_job", {}).update(
            {f"{r['variant']} {r['job']} ({args.sandbox_latency}, {r['hints']})": command for r in fresh}
        )
    if "shared" in parts:
        document["shared"] = shared(scales, args.latency_ms, args.rate_limit)
        document["measured_with"]["shared"] = command
    if "scaling" in parts:
        document["scaling"] = scaling(args.latency_ms)
        document["measured_with"]["scaling"] = command
    if "mirror" in parts:
        from bench import mirror  # noqa: PLC0415 - only this part needs it

        fresh_rows = mirror.run(scales, args.latency_ms, Sandbox)
        for row in fresh_rows:
            row["measured_with"] = command
        kept_rows = [r for r in document.get("mirror", []) if r.get("scale") not in scales]
        document["mirror"] = kept_rows + fresh_rows  # a scale measured again replaces only its own row
        document["measured_with"]["mirror"] = "each row's measured_with"
    if "console" in parts:
        from bench import console  # noqa: PLC0415 - only this part needs it

        document["console"] = console.run(scales, Sandbox)
        document["measured_with"]["console"] = command
    document["took_s"] = round(time.time() - started)
    RESULTS.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1) + "\n")
    print(f"written: {path} ({document['took_s']} s)")


if __name__ == "__main__":
    main()
