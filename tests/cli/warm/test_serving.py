"""The warm process, end to end: `tribe-sync` as staff start it, against a read model filled from a
live sandbox, each test with a runtime folder (and so warm processes) of its own, stopped at the end.

A view served warm says exactly what it says in a process of its own; the client's environment and
working directory are the ones that count; anything but a read-only view, or TRIBE_SYNC_WARM=off, never
reaches a warm process; Ctrl+C ends a served view as it ends one in its own process.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tribe_sync.cli.warm import client, protocol
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # the read model is filled from a live sandbox once per module

EXE = Path(sys.executable).parent / "tribe-sync"
NOT_SERVED = 99  # what SERVED exits with when the warm process did not take the command
WAIT_S = 60.0  # for a warm process to start or end on a busy machine; never a measured time

# `tribe-sync ARGS` as the entry point does it, except that a command the warm process does not take
# is not run here: it exits NOT_SERVED. It reports the modules it loaded to $REPORT.
SERVED = f"""
import json, os, sys
from tribe_sync.cli.warm import client
ending = client.serve_warm()
with open(os.environ["REPORT"], "w") as report:
    json.dump({{"served": ending is not None, "modules": sorted(sys.modules)}}, report)
if ending is None:
    sys.exit({NOT_SERVED})
ending.end()
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: bytes
    err: bytes

    def said(self) -> tuple[int, bytes, bytes]:
        """Code and output, with the read model's age (seconds that pass between runs) left out."""
        return self.code, self.out, re.sub(rb"\(\d+ (s|min) oud", b"(N oud", self.err)


def tribe(env: dict[str, str], *args: str, cwd: Path | None = None) -> Ran:
    done = subprocess.run([str(EXE), *args], env=env, cwd=cwd, capture_output=True, timeout=120, check=False)
    return Ran(done.returncode, done.stdout, done.stderr)


def served(env: dict[str, str], *args: str, cwd: Path | None = None) -> tuple[Ran, dict[str, object]]:
    with tempfile.NamedTemporaryFile(suffix=".json") as report:
        command = [sys.executable, "-c", SERVED, *args]
        environ = {**env, "REPORT": report.name}
        done = subprocess.run(command, env=environ, cwd=cwd, capture_output=True, timeout=120, check=False)
        return Ran(done.returncode, done.stdout, done.stderr), json.loads(Path(report.name).read_text())


def sockets(env: dict[str, str]) -> list[Path]:
    folder = Path(protocol.runtime_dir(env))
    return sorted(folder.glob("*.sock")) if folder.is_dir() else []


def answering(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.connect(str(path))
        except OSError:
            return False
        return True


def wait_until(condition: object, what: str) -> None:
    assert callable(condition)
    deadline = time.monotonic() + WAIT_S
    while not condition():
        assert time.monotonic() < deadline, f"still waiting for {what}"
        time.sleep(0.05)


def warm_process(env: dict[str, str]) -> Path:
    """The socket of a warm process for `env`, started by a first view if there is none yet."""
    key = protocol.code_key(env)
    path = Path(protocol.runtime_dir(env)) / f"{key}.sock"
    if not answering(path):
        assert tribe(env, "months", "list").code == 0
        wait_until(lambda: answering(path), "the warm process to answer")
    return path


def open_for_writing(fifo: Path) -> int:
    """The FIFO opened for writing, or -1 while no one has it open for reading."""
    try:
        return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError as exc:
        if exc.errno != errno.ENXIO:
            raise
        return -1


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with contextlib.suppress(FileNotFoundError):
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    return True


@pytest.fixture(scope="module")
def filled_store(live_sandbox: RunningSandbox, tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("warm-store")
    url = f"sqlite:///{folder / 'journal.db'}"
    env = {
        **os.environ,
        "TRIBE_SYNC_CRM__API_URL": live_sandbox.url,
        "TRIBE_SYNC_CRM__TOKEN_URL": f"{live_sandbox.url}/oauth2/token",
        "TRIBE_SYNC_STORE__URL": url,
        "XDG_STATE_HOME": str(folder / "state"),
    }
    subprocess.run([str(EXE), "mirror", "refresh"], env=env, check=True, capture_output=True, timeout=300)
    return url


@pytest.fixture
def runtime() -> Iterator[str]:
    """A runtime folder of the test's own, short (a socket's path must fit in 108 bytes); every warm
    process in it is stopped, and waited for, at the end."""
    folder = tempfile.mkdtemp(prefix="tsw-", dir="/tmp")
    yield folder
    stopped = client.stop_servers({"XDG_RUNTIME_DIR": folder})
    for pid in stopped:
        wait_until(lambda pid=pid: gone(pid), f"warm process {pid} to end")
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def env(live_sandbox: RunningSandbox, filled_store: str, runtime: str, tmp_path: Path) -> dict[str, str]:
    """Staff's environment: the sandbox, the filled store fresh for a day, warm serving on."""
    environ = {
        **os.environ,
        "TRIBE_SYNC_CRM__API_URL": live_sandbox.url,
        "TRIBE_SYNC_CRM__TOKEN_URL": f"{live_sandbox.url}/oauth2/token",
        "TRIBE_SYNC_STORE__URL": filled_store,
        "TRIBE_SYNC_MIRROR__MAX_AGE_S": "86400",
        "XDG_RUNTIME_DIR": runtime,
        "COLUMNS": "200",
    }
    environ.pop(client.WARM_ENV, None)  # the suite switches it off; these tests are about it
    return environ


def cold(env: dict[str, str]) -> dict[str, str]:
    return {**env, client.WARM_ENV: "off"}


def an_order_number(env: dict[str, str]) -> str:
    listed = json.loads(tribe(cold(env), "requests", "list", "--json").out)
    return str(listed["requests"][0]["order_number"])


def test_the_first_view_starts_a_warm_process_and_still_answers(env: dict[str, str]) -> None:
    first = tribe(env, "months", "list")  # its output is captured: it must not wait for the server
    assert first.said() == tribe(cold(env), "months", "list").said()
    wait_until(lambda: any(answering(path) for path in sockets(env)), "a warm process")
    assert [path.name for path in sockets(env)] == [f"{protocol.code_key(env)}.sock"]


def test_a_view_served_warm_says_exactly_what_it_says_in_a_process_of_its_own(env: dict[str, str]) -> None:
    warm_process(env)
    number = an_order_number(env)
    views: list[Sequence[str]] = [
        ("months", "list"),
        ("requests", "list"),
        ("requests", "show", number),
        ("forecasts", "list"),
        ("accountability", "report"),
        ("accountability", "report", "--quarter", "2026-Q4"),
    ]
    for view in views:
        for args in (view, (*view, "--json")):
            warm, report = served(env, *args)
            assert report["served"], args
            assert warm.said() == tribe(cold(env), *args).said(), args
            assert warm.code == 0, args


@pytest.mark.parametrize(
    "args",
    [("requests", "list", "--nope"), ("requests", "list", "--status", "zoek"), ("months", "list", "extra")],
    ids=" ".join,
)
def test_a_usage_error_served_warm_is_the_same_dutch_line_and_exit_code_2(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    warm_process(env)
    warm, report = served(env, *args)
    assert report["served"]
    assert warm.code == 2
    assert warm.said() == tribe(cold(env), *args).said()


def test_the_clients_environment_is_the_one_that_counts(env: dict[str, str]) -> None:
    warm_process(env)
    elsewhere = {**env, "TRIBE_SYNC_STORE__URL": "nonsense://"}
    warm, report = served(elsewhere, "months", "list")
    assert report["served"]
    assert warm.code == 2
    assert b"TRIBE_SYNC_STORE__URL" in warm.err
    assert warm.said() == tribe(cold(elsewhere), "months", "list").said()


def test_the_clients_working_directory_is_the_one_that_counts(env: dict[str, str], tmp_path: Path) -> None:
    warm_process(env)
    (tmp_path / "settings.toml").write_text('[crm]\npage_size = "lots"\n')
    args = ("--config", "settings.toml", "months", "list")
    warm, report = served(env, *args, cwd=tmp_path)
    assert report["served"]
    assert warm.code == 2
    assert b"settings.toml" in warm.err
    assert warm.said() == tribe(cold(env), *args, cwd=tmp_path).said()


def test_the_client_loads_neither_typer_nor_rich_nor_pydantic_nor_sqlalchemy(env: dict[str, str]) -> None:
    warm_process(env)
    _, report = served(env, "months", "list", "--json")
    assert report["served"]
    modules = report["modules"]
    assert isinstance(modules, list)
    heavy = ("typer", "click", "rich", "pydantic", "pydantic_settings", "sqlalchemy", "tribe_sync.config")
    assert [name for name in modules if name.split(".")[0] in heavy or name in heavy] == []


def test_a_changed_key_is_not_served_by_the_old_warm_process(env: dict[str, str]) -> None:
    old = warm_process(env)
    changed = {**env, "TYPER_USE_RICH": "1"}  # read by typer at import: another key, the same output
    assert protocol.code_key(changed) != protocol.code_key(env)
    _, report = served(changed, "months", "list")
    assert not report["served"]
    new = Path(protocol.runtime_dir(env)) / f"{protocol.code_key(changed)}.sock"
    wait_until(lambda: answering(new), "a warm process for the new key")
    wait_until(lambda: not old.exists(), "the new one to take the old one's place")


def test_a_warm_process_serves_no_key_but_its_own(env: dict[str, str]) -> None:
    path = Path(protocol.runtime_dir(env)) / "nope-0.sock"
    Path(protocol.runtime_dir(env)).mkdir(mode=0o700)
    command = [sys.executable, "-P", "-m", "tribe_sync.cli.warm.server"]
    command += ["--socket", str(path), "--key", "nope-0"]
    refused = subprocess.run(command, env=env, cwd="/", capture_output=True, timeout=120, check=False)
    assert refused.returncode == 1
    assert not path.exists()


def test_tribe_sync_warm_off_never_starts_a_warm_process(env: dict[str, str]) -> None:
    assert tribe(cold(env), "months", "list").code == 0
    assert not Path(protocol.runtime_dir(env)).exists()


@pytest.mark.parametrize(
    "args", [("jobs", "list"), ("mirror", "status"), ("--version",), ("months", "--help")], ids=" ".join
)
def test_a_command_that_is_not_a_read_only_view_never_reaches_a_warm_process(
    env: dict[str, str], args: tuple[str, ...]
) -> None:
    assert tribe(env, *args).code == 0
    assert not Path(protocol.runtime_dir(env)).exists()


def test_a_folder_others_may_enter_is_not_used(env: dict[str, str]) -> None:
    folder = Path(protocol.runtime_dir(env))
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    warm, report = served(env, "months", "list")
    assert not report["served"]
    assert warm.code == NOT_SERVED
    assert tribe(env, "months", "list").code == 0  # it runs in its own process, as before
    assert list(folder.iterdir()) == []
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755


def test_ctrl_c_ends_a_served_view_with_130_as_in_its_own_process(
    env: dict[str, str], tmp_path: Path
) -> None:
    warm_process(env)
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)  # the view waits reading its settings: as long as the test likes

    def interrupted(environ: dict[str, str]) -> Ran:
        running = subprocess.Popen(
            [str(EXE), "--config", str(fifo), "months", "list"],
            env=environ,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        writer = -1
        deadline = time.monotonic() + WAIT_S
        while writer < 0:  # opens once the view has the file open for reading
            writer = open_for_writing(fifo)
            assert time.monotonic() < deadline
            assert running.poll() is None
            time.sleep(0.02)
        try:
            running.send_signal(signal.SIGINT)
            out, err = running.communicate(timeout=WAIT_S)
        finally:
            os.close(writer)
        return Ran(running.returncode, out, err)

    warm = interrupted(env)
    assert warm.code == 130
    assert warm.said() == interrupted(cold(env)).said()


def state_of(pid: int) -> str:
    """The process's state letter (R, S, T for stopped, Z)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError):
                if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) == pid:
                    found.append(int(entry.name))
    return found


def holds(pid: int, path: Path) -> bool:
    """Whether the process has `path` open."""
    with contextlib.suppress(OSError):
        return any(os.readlink(fd) == str(path) for fd in Path(f"/proc/{pid}/fd").iterdir())
    return False


def test_ctrl_z_stops_the_served_view_with_its_client_and_fg_lets_both_go_on(
    env: dict[str, str], tmp_path: Path
) -> None:
    path = warm_process(env)
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.connect(str(path))
        server, _, _ = protocol.peer_credentials(probe)
    fifo = tmp_path / "settings.toml"
    os.mkfifo(fifo)  # the view waits reading its settings until the test writes them
    # The client in a process group of its own, as a shell with job control starts it: in an orphaned
    # group (pytest's may be one, under make in CI) the kernel discards Ctrl+Z, so nothing would stop.
    running = subprocess.Popen(
        [str(EXE), "--config", str(fifo), "months", "list"],
        env=env,
        process_group=0,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    writer = -1
    deadline = time.monotonic() + WAIT_S
    while writer < 0:
        writer = open_for_writing(fifo)
        assert time.monotonic() < deadline
        assert running.poll() is None
        time.sleep(0.02)
    try:
        serving = [pid for pid in children_of(server) if holds(pid, fifo)]  # the fork reading it
        if not serving and holds(running.pid, fifo):
            pytest.skip("the warm process did not answer in time on this busy machine: the view ran here")
        [child] = serving
        running.send_signal(signal.SIGTSTP)
        wait_until(lambda: state_of(running.pid) == "T" and state_of(child) == "T", "both to stop")
        running.send_signal(signal.SIGCONT)
        wait_until(lambda: state_of(child) != "T", "the view to go on")
        os.write(writer, b"")
    finally:
        os.close(writer)
    _, err = running.communicate(timeout=WAIT_S)
    assert running.returncode == 0, err


def test_a_client_that_gives_up_before_go_never_has_its_command_run(env: dict[str, str]) -> None:
    path = warm_process(env)
    for go in (False, True):
        read, write = os.pipe()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(path))
            request = {
                "argv": ["tribe-sync", "months", "list", "--json"],
                "environ": env,
                "cwd": "/",
                "umask": 0o022,
                "streams": [["utf-8", "strict"]] * 3,
                "ignored": [],
            }
            protocol.send(conn, request, fds=(write, write, write))
            os.close(write)
            assert isinstance(protocol.receive(conn)["pid"], int)
            if go:
                protocol.send(conn, {"go": True})
                assert protocol.receive(conn)["exit"] == 0
        with os.fdopen(read, "rb") as output:
            said = output.read()  # the end comes when the child has closed its copy
        assert (b'"months"' in said) is go


def test_an_idle_warm_process_ends_and_takes_its_socket_with_it(env: dict[str, str]) -> None:
    folder = protocol.runtime_dir(env)
    assert protocol.private_dir(folder, create=True)
    key = protocol.code_key(env)
    path = Path(folder) / f"{key}.sock"
    client.start_server(str(path), key, idle_s=0.5)
    wait_until(path.exists, "the warm process to listen")
    wait_until(lambda: not path.exists(), "the idle warm process to end")
    assert not answering(path)
