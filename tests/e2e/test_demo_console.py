"""`tribe-sync demo --console` as a newcomer runs it: the demo, then the console on its data."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from pathlib import Path

import httpx

from tests.e2e.test_sandbox_serve import EXE, free_port


def test_the_demo_keeps_its_sandbox_and_serves_the_console_with_a_one_time_admin_password(
    tmp_path: Path,
) -> None:
    port = free_port()
    env = {**os.environ, "TRIBE_SYNC_CONSOLE__PORT": str(port), "COLUMNS": "200"}
    process = subprocess.Popen(
        [str(EXE), "demo", "--today", "2026-11-30", "--days", "2", "--console"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    try:
        assert process.stderr is not None
        said = ""
        deadline = time.monotonic() + 120
        while "Ctrl+C" not in said:
            assert time.monotonic() < deadline, said
            line = process.stderr.readline()
            assert line, f"the demo ended early: {said}"
            said += line
        url = re.search(r"http://127\.0\.0\.1:\d+/", said)
        password = re.search(r"wachtwoord \(alleen nu getoond\): (\S+)", said)
        assert url is not None
        assert password is not None
        with httpx.Client(base_url=url.group(0), follow_redirects=True) as client:
            for _ in range(100):
                try:
                    page = client.get("/login")
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
            assert token is not None
            answer = client.post(
                "/login",
                data={"username": "beheer", "password": password.group(1), "csrf_token": token.group(1)},
            )
            assert answer.status_code == 200
            assert "Overzicht" in answer.text
            assert "beheer (beheerder)" in answer.text
            assert_the_demos_calls_are_counted_without_a_limit(answer.text, said)
            assert "max_requests_per_s" not in answer.text, "no setting's name on a staff page"
        exports = re.search(r"^  export (.+)$", said, re.M)
        assert exports is not None, "the demo says how to use the command line on its data"
        cli_env = {
            **os.environ,
            **dict(shlex.split(word)[0].split("=", 1) for word in exports.group(1).split()),
        }
        listed = subprocess.run(
            [str(EXE), "requests", "list", "--json"],
            check=False,
            env=cli_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert listed.returncode == 0, listed.stderr
        assert '"order_number": "AD' in listed.stdout, "the demo's requests, from its sandbox"
        ages = mirror_ages(cli_env, tmp_path)
        assert ages, "the console refreshed the read model"
        assert min(ages) >= 0, "the command line reads the demo's clock, as its console does"
    finally:
        process.terminate()
        process.wait(timeout=20)


def assert_the_demos_calls_are_counted_without_a_limit(overview: str, said: str) -> None:
    budget = re.search(r'<section[^>]*id="crm-budget".*?</section>', overview, re.S)
    assert budget is not None
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", budget.group(0)))
    counted = re.search(r"([\d.]+) aanroepen; geen limiet", text)
    assert counted is not None, f"the demo's sandbox has no rate limit: {text}"
    made = re.search(r"(\d+) aanroepen naar Tribe\.", said)
    assert made is not None
    assert int(counted.group(1).replace(".", "")) >= int(made.group(1)), "the demo's own calls count"


def mirror_ages(cli_env: dict[str, str], folder: Path) -> list[int]:
    """`mirror status --json` on the demo's data: each set's age in seconds."""
    status = subprocess.run(
        [str(EXE), "mirror", "status", "--json"],
        check=False,
        env=cli_env,
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stderr
    return [s["age_s"] for s in json.loads(status.stdout)["sets"] if s.get("age_s") is not None]
