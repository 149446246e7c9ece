"""`tribe-sync sandbox serve` as an operator starts it: a real process on a real port."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

EXE = Path(sys.executable).parent / "tribe-sync"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_sandbox_serve_answers_tokens_and_odata_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    db = tmp_path / "tenant.db"
    process = subprocess.Popen(
        [str(EXE), "sandbox", "serve", "--port", str(port), "--db", str(db), "--client-secret", "s3cret"],
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(f"{base}/_sandbox/health")
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the sandbox did not come up"
                time.sleep(0.1)
        form = {"grant_type": "client_credentials", "client_id": "sandbox", "client_secret": "s3cret"}
        token = httpx.post(f"{base}/oauth2/token", data=form).json()["access_token"]
        count = httpx.get(
            f"{base}/v1/odata/Activity_SalesOrder/$count", headers={"Authorization": f"Bearer {token}"}
        )
        assert int(count.text) == 180
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert db.exists(), "the data was kept in the SQLite file"
