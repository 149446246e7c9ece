"""The read model's part of `make bench` (`--parts mirror`): what keeping it costs in CRM calls and
what reading it costs in time and memory, next to today's full CRM read, at each scale.

Per scale, against a sandbox process with the bench's latency: `crm-list` (a list read from the CRM,
as before the read model), `full` (first full refresh), `delta` with nothing changed, `delta` after
`k` requests were edited through the API (expected: one GET per set, plus ceil(k/100) for requests),
`views` (every staff view from the fresh read model, in-process, peak RSS of that process), the
whole `tribe-sync requests list --json` process (interpreter start included), and `cli_views`: every
staff view as a whole `tribe-sync` process, table and `--json` (interpreter start included, output to
a pipe that is read and dropped), the median wall of `RUNS` runs and the largest peak RSS, against
the issue's budget (`VIEW_BUDGET_S`, `VIEW_BUDGET_MB`), next to a bare interpreter's start-up and
`tribe-sync --version` on the same machine at the same moment: each `cold` (TRIBE_SYNC_WARM=off, a
process of its own) and `warm` (served by the warm process, whose child's peak RSS is the one the
budget is for; the client's is a bare interpreter's). `python -m bench.mirror --api URL --store URL`
measures only these, against a store already filled.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "tribe-sync"
EDITED = 150
RUNS = 5  # runs of each view process; the median wall is reported
VIEW_BUDGET_S = 0.3  # issue 15: every view from a fresh read model at large scale
VIEW_BUDGET_MB = 120.0
REFERENCE = "_3c3ae353__fb14__428e__90b4__01a6c1cc0aff"  # the tenant's request reference field


def one(mode: str, api: str, store: str) -> dict[str, Any]:
    """One measurement in a process of its own, started from a bare interpreter (see MEASURE), so that
    the peak RSS it reports of itself is its own."""
    command = [sys.executable, "-m", "bench.mirror_one", mode, "--api", api, "--store", store]
    out = subprocess.run(from_bare(command), capture_output=True, text=True, check=True, cwd=ROOT)
    measured_by_bare(out.stderr, command)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def edit_requests(api: str, k: int) -> None:
    """Change the reference of k requests through Tribe's API, as staff would."""
    with httpx.Client(base_url=api, timeout=60) as http:
        token = http.post(
            "/oauth2/token",
            data={"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "sandbox"},
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        ids: list[str] = []
        while len(ids) < k:
            page = http.get(
                "/v1/odata/Activity_SalesOrder",
                params={"$select": "ID", "$top": "100", "$skip": str(len(ids)), "$orderby": "ID"},
                headers=headers,
            ).json()["value"]
            ids += [row["ID"] for row in page]
        for n, record_id in enumerate(ids[:k]):
            http.put(
                f"/v1/odata/Activity_SalesOrder({record_id})", json={REFERENCE: f"BENCH-{n}"}, headers=headers
            ).raise_for_status()


def view_env(api: str, store: str) -> dict[str, str]:
    """A staff command's environment: this sandbox, this store, and a read model fresh for a day."""
    env = {**os.environ, "TRIBE_SYNC_CRM__API_URL": api, "TRIBE_SYNC_CRM__TOKEN_URL": f"{api}/oauth2/token"}
    env["TRIBE_SYNC_STORE__URL"] = store
    env["TRIBE_SYNC_MIRROR__MAX_AGE_S"] = "86400"
    return env


def cli_list_wall(api: str, store: str) -> float:
    env = {**view_env(api, store), "TRIBE_SYNC_WARM": "off"}  # a process of its own; cli_views does warm
    started = time.perf_counter()
    subprocess.run(
        [str(EXE), "requests", "list", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return round(time.perf_counter() - started, 3)


# Starts the measured command from a bare interpreter and says, as the last line on stderr, its wall
# time, peak RSS (KB) and exit code. Linux keeps the high-water mark of the memory a process was forked
# from across its exec, so a command started straight from this bench (which holds SQLAlchemy and the
# read model) reports the bench's own size as its peak; forked from a bare interpreter, its own shows.
MEASURE = """
import os, sys, time
started = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[1], sys.argv[1:])
_, status, usage = os.wait4(pid, 0)
print(time.perf_counter() - started, usage.ru_maxrss, os.waitstatus_to_exitcode(status), file=sys.stderr)
"""


def from_bare(command: list[str]) -> list[str]:
    """`command` started from a bare interpreter (see MEASURE)."""
    return [sys.executable, "-I", "-S", "-c", MEASURE, *command]


def measured_by_bare(stderr: str, command: list[str]) -> tuple[float, float]:
    """The wall time and peak RSS (MB) MEASURE said; an error if the command failed."""
    wall, peak_kb, code = stderr.strip().splitlines()[-1].split()
    if int(code):
        raise RuntimeError(f"{' '.join(command)} exited {code}: {stderr[-2000:]}")
    return float(wall), int(peak_kb) / 1024


def process(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """One whole process: its wall time (start-up included), its peak RSS in MB and the bytes it wrote
    on stdout (read from a pipe, as a reader would, and dropped)."""
    with tempfile.TemporaryFile() as said:  # stderr: a few lines, read once the process is done
        child = subprocess.Popen(from_bare(command), env=env, stdout=subprocess.PIPE, stderr=said)
        assert child.stdout is not None
        written = 0
        while chunk := child.stdout.read(1 << 16):
            written += len(chunk)
        child.wait()
        said.seek(0)
        wall, peak = measured_by_bare(said.read().decode(), command)
    return wall, peak, written


def measured(command: list[str], env: dict[str, str], runs: int = RUNS) -> dict[str, Any]:
    """`runs` runs of one process: the median and fastest wall, the largest peak RSS."""
    walls, peaks, written = [], [], 0
    for _ in range(runs):
        wall, peak, written = process(command, env)
        walls.append(wall)
        peaks.append(peak)
    return {
        "wall_s": round(statistics.median(walls), 3),
        "fastest_s": round(min(walls), 3),
        "peak_rss_mb": round(max(peaks), 1),
        "stdout_bytes": written,
    }


def some_order_number(store: str) -> str:
    """A request `requests show` can show: one with a processor (its page names it), else the first."""
    from sqlalchemy import create_engine  # noqa: PLC0415 - only this part needs it

    from tribe_sync.store.readmodel.queries import ReadModel  # noqa: PLC0415

    engine = create_engine(store)
    try:
        first = None
        for row in ReadModel(engine).requests():
            first = first or row.order_number
            if row.processor_id is not None:
                return row.order_number
        assert first is not None, "the read model holds no request"
        return first
    finally:
        engine.dispose()


# One view through the warm process as the entry point runs it, saying the child's peak RSS (the
# process that does the view's work; the client's own is a bare interpreter's) in the file
# BENCH_WARM_CHILD names.
WARM_CHILD = """
import os, sys
from tribe_sync.cli.warm import client
ending = client.serve_warm()
with open(os.environ["BENCH_WARM_CHILD"], "w") as said:
    said.write(str(ending.peak_rss_kb if ending else -1))
if ending is None:
    sys.exit(99)
ending.end()
"""


def warm_child_peak_mb(arguments: list[str], env: dict[str, str]) -> float:
    """The peak RSS (MB) of the warm process's child that served `arguments` (run once)."""
    with tempfile.NamedTemporaryFile() as said:
        subprocess.run(
            [sys.executable, "-c", WARM_CHILD, *arguments],
            env={**env, "BENCH_WARM_CHILD": said.name},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        peak_kb = int(Path(said.name).read_text() or -1)
    if peak_kb < 0:
        raise RuntimeError(f"the warm process did not serve {' '.join(arguments)}")
    return round(peak_kb / 1024, 1)


@contextmanager
def warm_process(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """`env` with a runtime folder of its own, so that its warm process is this bench's; started by a
    priming view, waited for, and stopped at the end."""
    from tribe_sync.cli.warm import client, protocol  # noqa: PLC0415 - only this part needs it

    folder = tempfile.mkdtemp(prefix="bench-warm-", dir="/tmp")  # short: AF_UNIX paths fit 108 bytes
    warm = {key: value for key, value in env.items() if key != client.WARM_ENV}
    warm["XDG_RUNTIME_DIR"] = folder
    path = protocol.socket_path(protocol.runtime_dir(warm), protocol.code_key(warm))
    assert path is not None
    subprocess.run([str(EXE), "months", "list"], env=warm, capture_output=True, check=True)
    deadline = time.monotonic() + 120
    while True:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            try:
                probe.connect(path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("the warm process did not start") from None
        time.sleep(0.1)
    try:
        yield warm
    finally:
        client.stop_servers(warm)
        shutil.rmtree(folder, ignore_errors=True)


def cli_views(api: str, store: str, runs: int = RUNS) -> dict[str, Any]:
    """Every staff view as a whole `tribe-sync` process from a fresh read model, table and `--json`:
    `cold` in a process of its own (TRIBE_SYNC_WARM=off), `warm` served by the warm process (started
    by one priming view, then `runs` measured runs; the budget's memory is the child's)."""
    env = {**view_env(api, store), "TRIBE_SYNC_WARM": "off"}
    number = some_order_number(store)
    views = {
        "requests list": ["requests", "list"],
        "requests show": ["requests", "show", number],
        "months list": ["months", "list"],
        "forecasts list": ["forecasts", "list"],
        "accountability report": ["accountability", "report"],
        # As it stood at the end of the last quarter: worked out on the spot, not kept by the refresh.
        "accountability report --quarter 2026-Q4": ["accountability", "report", "--quarter", "2026-Q4"],
    }
    found: dict[str, Any] = {
        "runs": runs,
        "budget_s": VIEW_BUDGET_S,
        "budget_mb": VIEW_BUDGET_MB,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python_start_s": measured([sys.executable, "-c", "pass"], env, runs)["wall_s"],
        "python_no_site_s": measured([sys.executable, "-I", "-S", "-c", "pass"], env, runs)["wall_s"],
        "version_s": measured([str(EXE), "--version"], env, runs)["wall_s"],
        "views": {},
    }
    for name, arguments in views.items():
        for suffix, extra in (("", []), (" --json", ["--json"])):
            row = measured([str(EXE), *arguments, *extra], env, runs)
            row["within_budget"] = row["wall_s"] <= VIEW_BUDGET_S and row["peak_rss_mb"] <= VIEW_BUDGET_MB
            found["views"][name + suffix] = {"cold": row}
    with warm_process(env) as warm:
        for name, arguments in views.items():
            for suffix, extra in (("", []), (" --json", ["--json"])):
                row = measured([str(EXE), *arguments, *extra], warm, runs)
                row["client_peak_rss_mb"] = row.pop("peak_rss_mb")
                row["peak_rss_mb"] = warm_child_peak_mb([*arguments, *extra], warm)
                row["within_budget"] = row["wall_s"] <= VIEW_BUDGET_S and row["peak_rss_mb"] <= VIEW_BUDGET_MB
                found["views"][name + suffix]["warm"] = row
    found["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    for name, row in found["views"].items():
        cold, warm_row = row["cold"], row["warm"]
        print(
            f"  {name:<48} cold {cold['wall_s']:6.3f} s {cold['peak_rss_mb']:6.1f} MB   "
            f"warm {warm_row['wall_s']:6.3f} s (fastest {warm_row['fastest_s']:.3f}) child "
            f"{warm_row['peak_rss_mb']:6.1f} MB  client {warm_row['client_peak_rss_mb']:5.1f} MB  "
            f"{'within' if warm_row['within_budget'] else 'OVER'} budget",
            flush=True,
        )
    return found


def run(scales: list[str], latency_ms: int, sandbox_factory: Any) -> list[dict[str, Any]]:
    rows = []
    for scale in scales:
        with tempfile.TemporaryDirectory() as folder:
            store = f"sqlite:///{Path(folder) / 'journal.db'}"
            sandbox = sandbox_factory(scale, latency_ms, None)
            try:
                row: dict[str, Any] = {"scale": scale, "latency_ms": latency_ms, "edited": EDITED}
                row["crm_list"] = one("crm-list", sandbox.url, store)
                row["full"] = one("full", sandbox.url, store)
                row["delta_unchanged"] = one("delta", sandbox.url, store)
                # The generated data is stamped up to the sandbox's anchor: edits happen after it.
                httpx.put(f"{sandbox.url}/_sandbox/clock", json={"now": "2027-01-04T08:00:00+00:00"})
                edit_requests(sandbox.url, EDITED)
                row["delta_edited"] = one("delta", sandbox.url, store)
                row["expected_delta_calls_edited"] = (
                    f"sets + ceil({EDITED}/100) = sets + {math.ceil(EDITED / 100)}"
                )
                row["requests_list"] = one("requests-list", sandbox.url, store)
                row["views"] = one("views", sandbox.url, store)
                row["cli_requests_list_json_wall_s"] = cli_list_wall(sandbox.url, store)
                row["load_average"] = [round(x, 2) for x in os.getloadavg()]
                row["cli_views"] = cli_views(sandbox.url, store)
            finally:
                sandbox.stop()
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


def main() -> None:
    """`python -m bench.mirror --api URL --store URL [--out FILE]`: only `cli_views`, against a store
    already filled (and a sandbox already serving), as `make bench --parts mirror` measures them."""
    parser = argparse.ArgumentParser(prog="python -m bench.mirror")
    parser.add_argument("--api", required=True, help="the sandbox the store was filled from")
    parser.add_argument("--store", required=True, help="a store URL whose read model is fresh")
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--out", type=Path, help="write the result here as JSON")
    args = parser.parse_args()
    found = cli_views(args.api, args.store, args.runs)
    found["measured_with"] = " ".join(["python -m bench.mirror", *sys.argv[1:]])
    if args.out:
        args.out.write_text(json.dumps(found, indent=2) + "\n")


if __name__ == "__main__":
    main()
