"""`make bench`: every job and a full snapshot read against a sandbox process, at several scales.

For each: CRM calls made against the minimum (one call per 100 records per read, one per change),
the naive baseline (list the IDs, then one GET per record, one write per change), wall time and peak
RSS. The sandbox enforces Tribe's 1000 calls per minute, so any 429 is one we caused. A scaling run
reads the whole tenant at 1x, 3x and 10x the realistic size.
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


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Sandbox:
    def __init__(self, scale: str, latency_ms: int, rate_limit: int | None) -> None:
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
                return
            except httpx.TransportError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"the {scale} sandbox did not start") from None
                time.sleep(0.25)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


def measure(
    api: str, job: str, workdir: Path, store: str | None, *, request_count: bool = False
) -> dict[str, Any]:
    command = [
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
    ]
    if request_count:
        command.append("--request-count")
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["ratio_to_minimum"] = round(result["calls"] / max(1, result["minimum"]), 3)
    result["fewer_than_naive"] = round(result["naive"] / max(1, result["calls"]), 1)
    result["request_count"] = request_count
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


def run_scale(scale: str, latency_ms: int, rate_limit: int | None) -> list[dict[str, Any]]:
    sandbox = Sandbox(scale, latency_ms, rate_limit)
    rows = []
    try:
        with tempfile.TemporaryDirectory() as folder, shared_store() as store:
            for job in JOB_ORDER:
                row = measure(sandbox.url, job, Path(folder), store)
                row["scale"] = scale
                row["store"] = "postgresql (shared rate budget)" if store else "sqlite (a budget per process)"
                rows.append(row)
                _print(row)
            row = measure(sandbox.url, "snapshot", Path(folder), store, request_count=True)
            row["scale"] = scale
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
                row = measure(sandbox.url, "snapshot", Path(folder), None)
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


def _print(row: dict[str, Any]) -> None:
    mode = " ($count)" if row.get("request_count") else ""
    print(
        f"{row['scale']:>9} {row['job'] + mode:<32} calls {row['calls']:>6} min {row['minimum']:>6} "
        f"x{row['ratio_to_minimum']:<5} naive {row['naive']:>7} ({row['fewer_than_naive']:>5}x fewer) "
        f"429s {row['status_429']:>2} {row['wall_s']:>7.1f} s {row['peak_rss_mb']:>6.1f} MB",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="realistic,large")
    parser.add_argument("--latency-ms", type=int, default=30)
    parser.add_argument("--rate-limit", type=int, default=1000, help="calls per minute the sandbox enforces")
    parser.add_argument("--no-scaling", action="store_true")
    args = parser.parse_args()
    os.chdir(ROOT)
    started = time.time()
    rows = []
    for scale in args.scales.split(","):
        rows += run_scale(scale, args.latency_ms, args.rate_limit)
    growth = [] if args.no_scaling else scaling(args.latency_ms)
    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "latency_ms": args.latency_ms,
        "rate_limit_per_min": args.rate_limit,
        "today": TODAY,
        "runs": rows,
        "scaling": growth,
        "took_s": round(time.time() - started),
    }
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=1) + "\n")
    print(f"written: {RESULTS / 'latest.json'} ({document['took_s']} s)")


if __name__ == "__main__":
    main()
