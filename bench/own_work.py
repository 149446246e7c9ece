"""Each staff view's own work: what is left of a view's wall time once the process is warm (issue 15).

A warm, preloaded process removes the library imports; what remains is the view's own work. Per view,
a process of its own (started from a bare interpreter, so that its peak RSS is its own) imports the
CLI, runs the view once (its output kept and hashed, so a change can be shown to leave every byte as
it was), then `--runs` times more with stdout and stderr going to /dev/null, and says the median and
fastest of those. The read model must be fresh enough that no view calls the CRM (`mirror.max_age_s`
large). A 10x store, for instance:

    tribe-sync sandbox serve --scale large --port 8799 &   # then, with TRIBE_SYNC_CRM__API_URL,
    tribe-sync mirror refresh --full                       # _TOKEN_URL and _STORE__URL pointing there
    TRIBE_SYNC_MIRROR__MAX_AGE_S=864000 .venv/bin/python -m bench.own_work --runs 3 \
        [--views 'forecasts list'] [--out bench/results/own-work-<what>.json]

The store and the CRM are the environment's (`TRIBE_SYNC_STORE__URL`, `TRIBE_SYNC_CRM__API_URL`), or
`--store`. Results print as a table and, with `--out`, as JSON with the load average.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.mirror import from_bare, measured_by_bare, some_order_number

ROOT = Path(__file__).resolve().parent.parent
BUDGET_S = 0.2  # a view's own work, so that the warm process stays within issue 15's 0.3 s
BUDGET_MB = 120.0
NUMBER = "{number}"  # replaced by an order number the read model holds


def views() -> dict[str, list[str]]:
    """Every staff view from the read model, table and --json (as `make bench --parts mirror` has them)."""
    found: dict[str, list[str]] = {}
    for name, arguments in {
        "requests list": ["requests", "list"],
        "requests show": ["requests", "show", NUMBER],
        "months list": ["months", "list"],
        "forecasts list": ["forecasts", "list"],
        "accountability report": ["accountability", "report"],
        "accountability report --quarter 2026-Q4": ["accountability", "report", "--quarter", "2026-Q4"],
        "accountability report --quarter 2026-Q3": ["accountability", "report", "--quarter", "2026-Q3"],
    }.items():
        found[name] = arguments
        found[f"{name} --json"] = [*arguments, "--json"]
    return found


@contextlib.contextmanager
def output_to(path: str) -> Iterator[None]:
    """stdout (the file descriptor, so rich's consoles too) into `path` and stderr nowhere, then back."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    target = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    nowhere = os.open(os.devnull, os.O_WRONLY)
    os.dup2(target, 1)
    os.dup2(nowhere, 2)  # the data's age: a line that changes with the clock
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in (target, nowhere, *saved):
            os.close(fd)


def call(arguments: list[str]) -> int:
    """One `tribe-sync ARGS` in this process, as the warm process runs it; its exit code."""
    from tribe_sync.cli.main import run  # noqa: PLC0415 - imported once, by the first call

    sys.argv = ["tribe-sync", *arguments]
    try:
        run()
    except SystemExit as done:
        return int(done.code or 0)
    return 0


def child(arguments: list[str], runs: int) -> dict[str, Any]:
    """In the view's own process: a first run (output hashed), then `runs` timed runs."""
    with tempfile.NamedTemporaryFile(suffix=".out") as kept:
        started = time.perf_counter()
        with output_to(kept.name):
            code = call(arguments)
        first = time.perf_counter() - started
        written = Path(kept.name).read_bytes()
    walls, cpus = [], []
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        with output_to(os.devnull):
            call(arguments)
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return {
        "exit_code": code,
        "first_s": round(first, 3),
        "own_work_s": round(statistics.median(walls), 3),
        "fastest_s": round(min(walls), 3),
        "cpu_s": round(statistics.median(cpus), 3),  # steadier than the wall on a shared machine
        "stdout_bytes": len(written),
        "stdout_sha256": hashlib.sha256(written).hexdigest()[:16],
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def measure(name: str, arguments: list[str], runs: int, env: dict[str, str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "bench.own_work", "--child", json.dumps(arguments), "--runs", str(runs)]
    out = subprocess.run(from_bare(command), capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    measured_by_bare(out.stderr, command)  # raises if the child failed
    row: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    row["within_budget"] = row["own_work_s"] <= BUDGET_S and row["peak_rss_mb"] <= BUDGET_MB
    return row


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="timed runs after the first (median)")
    parser.add_argument("--views", help="comma-separated view names (default: every view)")
    parser.add_argument("--store", help="the store's URL (default: TRIBE_SYNC_STORE__URL)")
    parser.add_argument("--out", type=Path, help="also write the results as JSON here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(json.loads(args.child), args.runs)
        print(json.dumps(result))
        return
    env = dict(os.environ)
    if args.store:
        env["TRIBE_SYNC_STORE__URL"] = args.store
    store = env.get("TRIBE_SYNC_STORE__URL")
    if not store:
        parser.error("no store: --store or TRIBE_SYNC_STORE__URL")
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as users run it: byte code cached
    number = some_order_number(store)
    chosen = views()
    if args.views:
        wanted = [v.strip() for v in args.views.split(",")]
        chosen = {name: chosen[name] for name in wanted}
    found: dict[str, Any] = {}
    load_before = os.getloadavg()
    for name, arguments in chosen.items():
        row = measure(name, [number if a == NUMBER else a for a in arguments], args.runs, env)
        found[name] = row
        print(
            f"{name:<48} {row['own_work_s']:6.3f} s (fastest {row['fastest_s']:.3f}, "
            f"cpu {row['cpu_s']:.3f}, first {row['first_s']:.3f}) {row['peak_rss_mb']:6.1f} MB "
            f"{row['stdout_bytes']:>9} B {row['stdout_sha256']}"
            + ("" if row["within_budget"] else "  over budget"),
            flush=True,
        )
    result = {
        "what": "each view's own work in one warm process: median of the timed runs after a first",
        "command": " ".join(["python -m bench.own_work", *sys.argv[1:]]),
        "store": store.rsplit("/", 1)[-1],
        "runs": args.runs,
        "budget_s": BUDGET_S,
        "budget_mb": BUDGET_MB,
        "load_average": {
            "before": [round(x, 2) for x in load_before],
            "after": [round(x, 2) for x in os.getloadavg()],
        },
        "views": found,
    }
    if args.out:
        args.out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
