"""The read model's part of `make bench` (`--parts mirror`): what keeping it costs in CRM calls and
what reading it costs in time and memory, next to today's full CRM read, at each scale.

Per scale, against a sandbox process with the bench's latency: `crm-list` (a list read from the CRM,
as before the read model), `full` (first full refresh), `delta` with nothing changed, `delta` after
`k` requests were edited through the API (expected: one GET per set, plus ceil(k/100) for requests),
`views` (every staff view from the fresh read model, in-process, peak RSS of that process), and the
whole `tribe-sync requests list --json` process (interpreter start included).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
EXE = Path(sys.executable).parent / "tribe-sync"
EDITED = 150
REFERENCE = "_3c3ae353__fb14__428e__90b4__01a6c1cc0aff"  # the tenant's request reference field


def one(mode: str, api: str, store: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.mirror_one", mode, "--api", api, "--store", store],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
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


def cli_list_wall(api: str, store: str) -> float:
    env = {**os.environ, "TRIBE_SYNC_CRM__API_URL": api, "TRIBE_SYNC_CRM__TOKEN_URL": f"{api}/oauth2/token"}
    env["TRIBE_SYNC_STORE__URL"] = store
    env["TRIBE_SYNC_MIRROR__MAX_AGE_S"] = "86400"
    started = time.perf_counter()
    subprocess.run(
        [str(EXE), "requests", "list", "--json"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    return round(time.perf_counter() - started, 3)


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
            finally:
                sandbox.stop()
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows
