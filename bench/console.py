"""`make bench` part `console`: every console page's server time at large scale, from the read model.

A sandbox process at the given scale (no latency: the pages must not call the CRM at all), one full
refresh of the read model into a SQLite store, then each page of the console requested in-process
(Starlette's TestClient: the time is the server's, no network) a few times as a logged-in admin.
The budget is 300 ms per page; the first request (cold caches), the median and the slowest of the
following runs are reported, and the first request of a console that warmed its caches after the
refresh as a served console does (`first_after_warming_ms`, with the warming's own time).
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

BUDGET_MS = 300
RUNS = 5


def console_pages(scale: str, sandbox_url: str) -> list[dict[str, Any]]:
    from starlette.testclient import TestClient  # noqa: PLC0415

    from tribe_sync.bootstrap import Services  # noqa: PLC0415
    from tribe_sync.config import Settings  # noqa: PLC0415
    from tribe_sync.console.app import Console  # noqa: PLC0415
    from tribe_sync.store.users import Role, UserStore  # noqa: PLC0415

    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tribe-sync-bench-console-") as folder:
        settings = Settings(
            crm={"api_url": sandbox_url, "token_url": f"{sandbox_url}/oauth2/token"},  # type: ignore[arg-type]
            store={"url": f"sqlite:///{Path(folder) / 'store.db'}"},  # type: ignore[arg-type]
            programme={"outbox_dir": str(Path(folder) / "outbox")},  # type: ignore[arg-type]
            mirror={"max_age_s": 10**6},  # type: ignore[arg-type]
        )
        today = dt.datetime(2027, 1, 4, 8, 0, tzinfo=dt.UTC)
        with Services(settings, clock=lambda: today) as services:
            started = time.monotonic()
            services.mirror.refresh(full=True)
            refresh_s = time.monotonic() - started
            users = UserStore(services.journal, services.clock)
            users.add("bench", Role.ADMIN, "bench-password-123")
            console = Console(services, users)
            client = _logged_in(TestClient(console.app()))
            first = next(iter(services.read_model.requests(limit=1)))
            # January's allocation waiting for approval: its page explains it from the read model only
            # (its /controle page reads the CRM by design and is not a read-model page).
            from tribe_sync.jobs.registry import JOBS  # noqa: PLC0415
            from tribe_sync.plans import service  # noqa: PLC0415

            planned = service.make_plan(JOBS["progress-statuses"], services, today.date(), by="bench")
            plan, _ = service.submit(services, planned, by="bench")
            examples = {"number": first.order_number, "run_id": "1", "plan_id": str(plan.id), "name": "x.csv"}
            calls_before = services.client.calls if "client" in services.__dict__ else 0
            for method, path, _role in console.routes:
                if method != "GET" or "{name}" in path or path.endswith("/controle") or "run_id" in path:
                    continue
                url = path
                for key, value in examples.items():
                    url = url.replace(f"{{{key}}}", value).replace(f"{{{key}:int}}", value)
                tick = time.perf_counter()
                client.get(url)  # the first request: templates compiled, caches filled
                first_ms = (time.perf_counter() - tick) * 1000
                times = []
                for _ in range(RUNS):
                    tick = time.perf_counter()
                    response = client.get(url)
                    times.append((time.perf_counter() - tick) * 1000)
                    assert response.status_code == 200, (url, response.status_code)
                rows.append(
                    {
                        "scale": scale,
                        "page": path,
                        "first_ms": round(first_ms, 1),
                        "median_ms": round(statistics.median(times), 1),
                        "max_ms": round(max(times), 1),
                        "budget_ms": BUDGET_MS,
                        "within_budget": max(times) <= BUDGET_MS,
                        "read_model_refresh_s": round(refresh_s, 1),
                        "url": url,
                    }
                )
            # A served console warms what its pages derive after each refresh (Derived.start_warming):
            # a fresh console, warmed, then each page's first request again.
            warmed = Console(services, users)
            warmed_client = _logged_in(TestClient(warmed.app()))
            tick = time.perf_counter()
            warmed.derived.warm()
            warm_s = time.perf_counter() - tick
            for row in rows:
                url = row.pop("url")
                tick = time.perf_counter()
                warmed_client.get(url)
                row["first_after_warming_ms"] = round((time.perf_counter() - tick) * 1000, 1)
                row["warming_s"] = round(warm_s, 2)
            calls_after = services.client.calls if "client" in services.__dict__ else 0
            for row in rows:
                row["crm_calls_while_paging"] = calls_after - calls_before
    return rows


def _logged_in(client: Any) -> Any:
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text)
    assert token is not None
    client.post(
        "/login",
        data={"username": "bench", "password": "bench-password-123", "csrf_token": token.group(1)},
    )
    return client


def run(scales: list[str], sandbox_class: Any) -> list[dict[str, Any]]:
    """The part for `python -m bench --parts console`: a sandbox process per scale (no latency)."""
    rows: list[dict[str, Any]] = []
    for scale in scales:
        sandbox = sandbox_class(scale, 0, None)
        try:
            found = console_pages(scale, sandbox.url)
        finally:
            sandbox.stop()
        for row in found:
            print(
                f"{row['scale']:>9} console {row['page']:<28} first {row['first_ms']:>7.1f} ms "
                f"median {row['median_ms']:>6.1f} ms "
                f"max {row['max_ms']:>6.1f} ms (budget {row['budget_ms']} ms) "
                f"first after warming {row['first_after_warming_ms']:>6.1f} ms",
                flush=True,
            )
        rows += found
    return rows
