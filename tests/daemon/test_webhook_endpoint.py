"""`POST /webhooks/tribe` against the real daemon process on loopback, as a hostile sender would use it:
huge bodies (by length and streamed), non-ASCII signatures, deep JSON, replays; and every line the
daemon logs meanwhile is one JSON object, uvicorn's own warnings included."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tribe_sync.sandbox.server import build_state, start

pytestmark = pytest.mark.sandbox

SECRET = "a-webhook-secret-of-32-characters"
MB = 1024 * 1024


@dataclass
class LiveDaemon:
    process: subprocess.Popen[bytes]
    host: str
    port: int
    log: Path

    def peak_rss_kb(self) -> int:
        """The process's high-water mark of resident memory (VmHWM): a spike cannot hide from it."""
        status = Path(f"/proc/{self.process.pid}/status").read_text()
        match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
        assert match, status
        return int(match.group(1))


@pytest.fixture(scope="module")
def live_daemon(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveDaemon]:
    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to read the daemon's memory")
    folder = tmp_path_factory.mktemp("daemon")
    log = folder / "daemon.log"
    with start(build_state(scale="small", seed=4, anchor=dt.date(2026, 11, 23))) as sandbox:
        env = {
            **os.environ,
            "TRIBE_SYNC_CRM__API_URL": sandbox.url,
            "TRIBE_SYNC_CRM__TOKEN_URL": f"{sandbox.url}/oauth2/token",
            "TRIBE_SYNC_STORE__URL": f"sqlite:///{folder / 'journal.db'}",
            "TRIBE_SYNC_PROGRAMME__OUTBOX_DIR": str(folder / "outbox"),
            "TRIBE_SYNC_DAEMON__PORT": "0",
            "TRIBE_SYNC_DAEMON__WEBHOOK_SECRET": SECRET,
        }
        env.pop("TRIBE_SYNC_CONFIG", None)
        with log.open("wb") as sink:
            process = subprocess.Popen(
                [sys.executable, "-c", "from tribe_sync.cli.main import run; run()", "--log-json", "daemon"],
                env=env,
                stderr=sink,
                cwd=folder,
            )
        try:
            port = _wait_for_port(process, log)
            yield LiveDaemon(process, "127.0.0.1", port, log)
        finally:
            process.terminate()
            process.wait(timeout=60)


def _wait_for_port(process: subprocess.Popen[bytes], log: Path) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"webhooks on http://127\.0\.0\.1:(\d+)", log.read_text(errors="replace"))
        if found:
            return int(found.group(1))
        if process.poll() is not None:
            pytest.fail(f"the daemon exited with {process.returncode}: {log.read_text(errors='replace')}")
        time.sleep(0.1)
    pytest.fail("the daemon did not start serving")


def sign(body: bytes) -> str:
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha512).digest()).decode()


def exchange(daemon: LiveDaemon, head: bytes, body_chunks: Iterable[bytes] = ()) -> int:
    """Send a request (the body from a thread that gives up when the daemon hangs up); the status."""
    with socket.create_connection((daemon.host, daemon.port), timeout=30) as connection:
        connection.sendall(head)

        def send_body() -> None:
            try:
                for chunk in body_chunks:
                    connection.sendall(chunk)
            except OSError:
                pass  # the daemon refused and closed: exactly what a refusal should do

        sender = threading.Thread(target=send_body, daemon=True)
        sender.start()
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = connection.recv(4096)
                if not data:
                    break
                answer += data
        except ConnectionResetError:
            pass
        sender.join(timeout=60)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    return int(answer.split(b" ", 2)[1])


def request_head(*headers: bytes) -> bytes:
    return b"\r\n".join([b"POST /webhooks/tribe HTTP/1.1", b"Host: 127.0.0.1", *headers, b"", b""])


def post(daemon: LiveDaemon, body: bytes, signature: bytes) -> int:
    return exchange(
        daemon,
        request_head(
            b"Content-Type: application/json",
            b"Content-Length: " + str(len(body)).encode(),
            b"X-Tribe-Signature: " + signature,
        )
        + body,
    )


def megabytes(total: int) -> Iterator[bytes]:
    chunk = b"x" * MB
    for _ in range(total):
        yield chunk


def chunked(total: int) -> Iterator[bytes]:
    for piece in megabytes(total):
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


def test_a_64_mb_unsigned_post_is_refused_and_leaves_the_daemons_memory_flat(live_daemon: LiveDaemon) -> None:
    before = live_daemon.peak_rss_kb()
    declared = request_head(b"Content-Length: " + str(64 * MB).encode())
    assert exchange(live_daemon, declared, megabytes(64)) == 413
    streamed_unsigned = request_head(b"Transfer-Encoding: chunked")
    assert exchange(live_daemon, streamed_unsigned, chunked(64)) == 401
    streamed_signed = request_head(
        b"Transfer-Encoding: chunked", b"X-Tribe-Signature: " + sign(b"x").encode()
    )
    assert exchange(live_daemon, streamed_signed, chunked(64)) == 413
    grown_mb = (live_daemon.peak_rss_kb() - before) / 1024
    assert grown_mb < 8, f"the daemon's peak memory grew by {grown_mb:.1f} MB for 192 MB refused"


def test_a_non_ascii_signature_header_is_a_401_not_a_500(live_daemon: LiveDaemon) -> None:
    body = b'{"webhookId": "w", "payload": []}'
    assert post(live_daemon, body, "é".encode("latin-1") * 88) == 401
    assert post(live_daemon, body, "\u00ff\u00fe".encode("latin-1")) == 401


def test_deeply_nested_signed_json_is_a_400_not_a_500(live_daemon: LiveDaemon) -> None:
    for depth in (100, 100_000):
        body = b'{"webhookId": "w", "payload": ' + b"[" * depth + b"]" * depth + b"}"
        assert post(live_daemon, body, sign(body).encode()) == 400


def test_a_replayed_delivery_is_answered_200_and_nothing_is_done_twice(live_daemon: LiveDaemon) -> None:
    body = json.dumps(
        {
            "webhookId": f"w-{time.time_ns()}",
            "payload": [{"mutation": "created", "entityType": "Activity.SalesOrder", "entityId": "x"}],
        }
    ).encode()
    assert post(live_daemon, body, sign(body).encode()) == 202
    assert post(live_daemon, body, sign(body).encode()) == 200


def test_a_malformed_chunked_post_is_a_400_and_one_warning_without_a_traceback(
    live_daemon: LiveDaemon,
) -> None:
    logged = len(live_daemon.log.read_text().splitlines())
    signed = request_head(b"Transfer-Encoding: chunked", b"X-Tribe-Signature: " + sign(b"x").encode())
    assert exchange(live_daemon, signed, [b"zz\r\nnot a chunk size\r\n0\r\n\r\n"]) == 400
    time.sleep(1)  # what the daemon logs about it, if anything more, is written by now
    new = [json.loads(line) for line in live_daemon.log.read_text().splitlines()[logged:]]
    warnings = [(n["level"], n["message"]) for n in new if n["level"] in ("warning", "error", "critical")]
    assert warnings == [("warning", "Invalid HTTP request received.")], warnings
    assert not any("Traceback" in json.dumps(n) or "Exception in ASGI" in n["message"] for n in new)


def test_every_line_the_daemon_logs_is_one_json_object_uvicorns_included(live_daemon: LiveDaemon) -> None:
    with socket.create_connection((live_daemon.host, live_daemon.port), timeout=10) as connection:
        connection.sendall(b"NOT HTTP AT ALL\r\n\r\n")  # uvicorn itself warns about this one
        connection.recv(4096)
    deadline = time.monotonic() + 10
    while "Invalid HTTP request" not in live_daemon.log.read_text() and time.monotonic() < deadline:
        time.sleep(0.1)
    lines = live_daemon.log.read_text().splitlines()
    assert any("Invalid HTTP request" in line for line in lines)
    for line in lines:
        assert isinstance(json.loads(line), dict), line
    assert not any(SECRET in line for line in lines)
