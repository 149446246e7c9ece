"""Writes the README's "Capacity on paper" section from `bench/results/latest.json`.

`python -m bench.capacity` replaces what stands between the capacity markers in README.md.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from tribe_sync.config import ScheduleSettings

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- capacity:start -->", "<!-- capacity:end -->"
CEILING = 1000  # Tribe: calls per minute per application
WEEK_MINUTES = 7 * 24 * 60

INTRO = """\
How many calls to Tribe each job needs, measured by `make bench` against the sandbox ({latency} ms latency
per call, Tribe's {limit} calls per minute enforced, every process sharing one budget through PostgreSQL),
and how long that takes at Tribe's ceiling of 1000 calls per minute per API application (one budget,
shared by every process that uses the application's credentials). *Minimum*: one call per 100 records
per read plus one per change. *Naive*: list the IDs, then one GET per record and one write per change.
"""


def runs_per_week(cron: str) -> int:
    """How often a cron expression fires in one week (counted over a real week)."""
    trigger = CronTrigger.from_crontab(cron, timezone="Europe/Amsterdam")
    moment = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)  # a Monday
    count = 0
    fire = trigger.get_next_fire_time(None, moment)
    while fire is not None and fire < moment + dt.timedelta(days=7):
        count += 1
        fire = trigger.get_next_fire_time(fire, fire + dt.timedelta(seconds=1))
    return count


def section(document: dict[str, Any]) -> str:
    # The default client (`$count` auto); rows measured without it are there for comparison. Cold:
    # no size hints in the store (a warm run makes the same calls, only sooner).
    runs = [
        r
        for r in document["runs"]
        if r.get("request_count") in ("auto", False) and r.get("hints", "cold") == "cold"
    ]
    lines = [
        INTRO.format(latency=document["latency_ms"], limit=document["rate_limit_per_min"]),
        "| scale | job | calls | minimum | naive | minutes at 1000/min | measured | peak RSS |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in runs:
        lines.append(
            f"| {r['scale']} | {r['job']} | {r['calls']:,} | {r['minimum']:,} | {r['naive']:,} "
            f"| {r['calls'] / CEILING:.1f} | {r['wall_s']:.0f} s | {r['peak_rss_mb']:.0f} MB |"
        )
    lines += [
        "",
        "A week on the default schedule (`[schedule]`; a week has 10,080 minutes of budget), counting "
        "every run as heavy as the measured one. That is an upper bound: most repeat runs only read, "
        "because what was written once is not written again.",
        "",
        "| scale | calls a week | minutes at 1000/min | share of a week | naive calls | naive share |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    schedule = ScheduleSettings()
    shares = {}
    every_job = {r["job"] for r in runs}
    for scale in dict.fromkeys(r["scale"] for r in runs):
        if {r["job"] for r in runs if r["scale"] == scale} != every_job:
            lines.append(f"| {scale} | not every job measured | | | | |")
            continue
        weekly = naive = 0
        for r in (r for r in runs if r["scale"] == scale and r["job"] != "snapshot"):
            times = runs_per_week(schedule.cron(r["job"]))
            weekly, naive = weekly + times * r["calls"], naive + times * r["naive"]
        shares[scale] = weekly / CEILING / WEEK_MINUTES
        lines.append(
            f"| {scale} | {weekly:,} | {weekly / CEILING:,.0f} | {shares[scale]:.1%} | {naive:,} "
            f"| {naive / CEILING / WEEK_MINUTES:.1%} |"
        )
    biggest = max(shares, key=lambda s: shares[s])
    lines += [
        "",
        f"One API application carries the {biggest} scale on the default schedule with "
        f"{shares[biggest]:.1%} of its weekly budget, so it reaches about {0.5 / shares[biggest]:.0f}x "
        "further before half the budget is spent. Ask Tribe for a higher limit (or a second "
        "application) when that share nears one half, or when one run must finish faster than "
        "calls / 1000 minutes. Webhooks (`POST /webhooks/tribe`) close a filling month at once without "
        "polling more often.",
        "",
    ]
    growth = document.get("scaling") or []
    if growth:
        lines += [
            "Growth with the data (a full snapshot read, 30 ms latency, no rate limit; CPU is the "
            "process's, every thread counted):",
            "",
            "| data | records | calls | seconds | seconds per 1000 records | CPU ms per 1000 records "
            "| peak RSS |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        lines += [
            f"| {g['factor']}x | {g['records_read']:,} | {g['calls']:,} | {g['wall_s']:.0f} "
            f"| {g['seconds_per_1000_records']:.2f} | {_cpu(g)} | {g['peak_rss_mb']:.0f} MB |"
            for g in growth
        ]
        lines.append("")
    lines += _latency(document.get("latency") or [])
    lines += _shared(document.get("shared") or [])
    return "\n".join(lines)


def _cpu(row: dict[str, Any]) -> str:
    value = row.get("cpu_ms_per_1000_records")
    return f"{value:.0f}" if isinstance(value, int | float) else "-"


def _latency(rows: list[dict[str, Any]]) -> list[str]:
    """Wall time against the floor at 250 ms a call: before (one call at a time) and after, the
    sandbox's own work on top of the delay (`on-top`) and counted in it (`counts-work`)."""
    if not rows:
        return []
    by_job: dict[str, dict[str, dict[str, Any]]] = {}
    for row in rows:
        variant = row.get("variant", "after")
        if variant == "after" and row.get("sandbox_latency") == "counts-work":
            variant = "after, work counted"
        if variant != "before" and row.get("hints") == "warm":
            variant += ", warm"
        by_job.setdefault(row["job"], {})[variant] = row
    latency = rows[0]["latency_ms"]
    lines = [
        f"At {latency} ms a call (realistic scale; the floor is the calls' summed latency divided by the "
        "calls in flight, plus the CPU time the run spends; the ordered floor keeps what must come one "
        "after another: the snapshot before the plan, a step's re-read before its writes, a read's first "
        "page before its others, a record's writes in turn). The sandbox is one Python process on the "
        "same two shared cores: its own work on a call comes on top of the delay and queues when calls "
        "overlap; the last column has it counted in the delay, as a hosted CRM's latency includes its "
        "servers' work (`--sandbox-latency counts-work`). *Cold*: no size hints in the store, so a "
        "big read's pages wait for its first page's count; *warm*: the job's reads ran once before in "
        "another process (a warm-up, not measured), as the next run finds the store:",
        "",
        "| job | calls before | wall before | calls after | in flight | floor after | ordered floor "
        "| wall after | wall / floor | wall / ordered floor | wall / floor, warm "
        "| wall / floor, work counted | wall / floor, work counted, warm |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for job, variants in by_job.items():
        before, after = variants.get("before"), variants.get("after")
        counted = variants.get("after, work counted")
        lines.append(
            f"| {job} | {_field(before, 'calls')} | {_seconds(before, 'wall_s')} "
            f"| {_field(after, 'calls')} | {_field(after, 'max_in_flight')} | {_seconds(after, 'floor_s')} "
            f"| {_seconds(after, 'ordered_floor_s')} | {_seconds(after, 'wall_s')} "
            f"| {_field(after, 'wall_to_floor')} | {_field(after, 'wall_to_ordered_floor')} "
            f"| {_field(variants.get('after, warm'), 'wall_to_floor')} "
            f"| {_field(counted, 'wall_to_floor')} "
            f"| {_field(variants.get('after, work counted, warm'), 'wall_to_floor')} |"
        )
    return [*lines, ""]


def _field(row: dict[str, Any] | None, name: str) -> str:
    return "-" if row is None or row.get(name) is None else str(row[name])


def _seconds(row: dict[str, Any] | None, name: str) -> str:
    return "-" if row is None or row.get(name) is None else f"{row[name]:.1f} s"


def _shared(rows: list[dict[str, Any]]) -> list[str]:
    if not rows:
        return []
    lines = [
        "Two processes at once on one budget through PostgreSQL, Tribe's 1000 calls a minute enforced by "
        "the sandbox (a 429 is one we caused):",
        "",
        "| scale | run | calls | 429s | seconds |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {r['scale']} | {r['job']} | {r['calls']:,} | {r['status_429']} | {r['wall_s']:.0f} |"
        for r in rows
    ]
    return [*lines, ""]


def main() -> None:
    document = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    readme = ROOT / "README.md"
    text = readme.read_text()
    start, end = text.index(START) + len(START), text.index(END)
    readme.write_text(text[:start] + "\n" + section(document) + text[end:])
    print("README.md: the capacity section is written from bench/results/latest.json")


if __name__ == "__main__":
    main()
