"""One read-model measurement in a process of its own (peak RSS is per process). Prints one JSON line.

Modes: `crm-list` (today's `requests list --fresh`: organisations and requests read whole from the CRM),
`requests-list` (`requests list --json`'s rows, as the database writes them),
`full` (`mirror refresh --full`), `delta` (`mirror refresh`), and `views` (every staff view from a
fresh read model, rows streamed to a sink as `--json` writes them; no CRM call may happen).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import resource
import time
from typing import Any

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.store.readmodel.refresh import MirrorSet


def requests_list(services: Services, sink: io.StringIO) -> int:
    """`requests list --json` alone, in a process of its own: its peak RSS is the list's."""
    services.mirror.ensure_fresh([MirrorSet.ORGANISATIONS, MirrorSet.REQUESTS], dt.timedelta(days=1))
    rows = 0
    for text in services.read_model.requests_json():  # as `requests list --json` writes them
        sink.write(text)
        rows += 1
        if sink.tell() > 1 << 20:  # a pipe to the reader: written, then gone
            sink.seek(0)
            sink.truncate()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["crm-list", "full", "delta", "views", "requests-list"])
    parser.add_argument("--api", required=True)
    parser.add_argument("--store", required=True)
    args = parser.parse_args()
    settings = Settings(
        crm={"api_url": args.api, "token_url": f"{args.api}/oauth2/token"},  # type: ignore[arg-type]
        store={"url": args.store},  # type: ignore[arg-type]
    )
    result: dict[str, Any] = {"mode": args.mode}
    sink = io.StringIO()
    # Our clock at the bench's day (the sandbox's data is generated up to a few weeks before it).
    base, start = dt.datetime(2027, 1, 4, 7, tzinfo=dt.UTC), time.monotonic()
    with Services(settings, clock=lambda: base + dt.timedelta(seconds=time.monotonic() - start)) as services:
        started = time.perf_counter()
        if args.mode == "crm-list":
            snapshot = services.crm.snapshot({"organisations", "requests"})
            names = {o.id: o.name for o in snapshot.organisations.values()}
            for r in sorted(snapshot.requests, key=lambda r: r.queue_key):
                sink.write(
                    json.dumps({"order_number": str(r.number), "organisation": names.get(r.organisation_id)})
                )
            result["rows"] = len(snapshot.requests)
        elif args.mode == "requests-list":
            result["rows"] = requests_list(services, sink)
        elif args.mode in ("full", "delta"):
            done = services.mirror.refresh(full=args.mode == "full")
            result["read_per_set"] = {r.name.value: r.read for r in done}
        else:
            model = services.read_model
            views: dict[str, float] = {}
            t = time.perf_counter()
            services.mirror.ensure_fresh(list(MirrorSet), dt.timedelta(days=1))
            views["freshness_check"] = time.perf_counter() - t
            t = time.perf_counter()
            rows = 0
            for row in model.requests():
                sink.write(json.dumps(row.as_dict(), default=str))
                rows += 1
            for found in model.problems():
                sink.write(json.dumps(found.as_dict()))
            views["requests_list"] = time.perf_counter() - t
            result["rows"] = rows
            t = time.perf_counter()
            for text in model.requests_json():  # what `requests list --json` writes
                sink.write(text)
            for found in model.problems():
                sink.write(json.dumps(found.as_dict()))
            views["requests_list_json"] = time.perf_counter() - t
            some_org = next(iter(model.organisations())).id
            for name, view in (
                (
                    "requests_list_one_org",
                    lambda: [r.as_dict() for r in model.requests(organisation_ids=[some_org])],
                ),
                (
                    "requests_list_waiting",
                    lambda: [r.as_dict() for r in model.requests(status=RequestStatus.WAITING)],
                ),
                (
                    "requests_list_newest_50",
                    lambda: [r.as_dict() for r in model.requests(newest_first=True, limit=50)],
                ),
                (
                    "forecasts_list_one_quarter",
                    lambda: [f.as_dict() for f in model.forecasts(year=2027, quarter=1)],
                ),
                ("months_list", lambda: [m.as_dict() for m in model.months()]),
                ("forecasts_list", lambda: [f.as_dict() for f in model.forecasts()]),
                ("accountability_report", lambda: [s.as_dict() for s in model.stock()]),
            ):
                t = time.perf_counter()
                sink.write(json.dumps(view(), default=str))
                views[name] = time.perf_counter() - t
            result["views_s"] = {k: round(v, 3) for k, v in views.items()}
        result["wall_s"] = round(time.perf_counter() - started, 3)
        calls = services.client.transport.http.calls if "client" in services.__dict__ else 0
        result["calls"] = max(0, calls - 1) if calls else 0  # without the token request
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
