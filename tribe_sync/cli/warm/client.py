"""`tribe-sync`'s entry point: a read-only staff view is handed to the warm process; everything else,
and any view the warm process cannot take, runs in this process through `tribe_sync.cli.main.run`.

Why: before a view does any work of its own, importing typer, rich, pydantic-settings, our settings
and SQLAlchemy takes about half a second; a view's own work at 10x is often a tenth of that (issue 15
asks 0.3 s for the whole process). No leaner import path gets there, so the imports are done once, in
a warm process (the pattern of Gradle's daemon, Rails' Spring, Nailgun), and each view runs in a fork
of it that takes over this process's standard streams, environment, working directory and umask
(`child`). Only the views are served: they read the store, never prompt, write nothing to Tribe and
start no servers, so a stale or missing warm process can only make them slower, never different.

This module and what it imports are the standard library only (a test pins it): this process should
cost a bare interpreter's start-up and a few milliseconds. Nothing here prints on its own account
except one line when the warm process vanished mid-command; never a traceback.

`TRIBE_SYNC_WARM=off` in the environment switches it off: every command then runs in this process.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from tribe_sync.cli.warm import protocol

if TYPE_CHECKING:  # typing and dataclasses would add 15 ms to every start
    from types import FrameType
    from typing import Any, NoReturn

__all__ = [
    "VIEWS",
    "WARM_ENV",
    "Ending",
    "is_view",
    "run",
    "serve_warm",
    "start_server",
    "stop_servers",
    "warm_allowed",
]

WARM_ENV = "TRIBE_SYNC_WARM"

# The read-only staff views, by group and command; nothing here writes, prompts or starts a server.
VIEWS: Mapping[str, frozenset[str]] = {
    "requests": frozenset({"list", "show"}),
    "months": frozenset({"list"}),
    "forecasts": frozenset({"list"}),
    "accountability": frozenset({"report"}),
}
_FLAGS = frozenset({"--verbose", "--log-json", "--debug-http"})  # global options without a value
_VALUED = frozenset({"--config"})  # global options with one (also as --config=PATH)
_HELP = frozenset({"--help", "-h"})
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)  # what this process passes on to the child

# What the warm process is started with: only what decides how Python starts and what it imports
# (plus the locale), so that it holds none of the starting client's settings or secrets.
_SPAWN_ENV = ("PATH", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", *protocol.IMPORT_TIME_ENV)


def is_view(argv: Sequence[str], environ: Mapping[str, str]) -> bool:
    """Whether `argv` (without the program) asks for a read-only staff view: the global options that
    `tribe_sync.cli.main` knows, then a group and command of `VIEWS`; not `--help` or completion."""
    if any(key.endswith("_COMPLETE") for key in environ):
        return False
    words = iter(argv)
    for word in words:
        if word in _VALUED:
            if next(words, None) is None:
                return False
        elif word in _FLAGS or word.startswith("--config=") or _is_verbose(word):
            continue
        elif word.startswith("-"):
            return False  # --version, --help, completion, or a usage error: said as always
        else:
            command = next(words, None)
            rest = list(words)
            return command in VIEWS.get(word, ()) and not _HELP.intersection(rest)
    return False


def _is_verbose(word: str) -> bool:
    return len(word) > 1 and word[0] == "-" and set(word[1:]) == {"v"}


_OFF = frozenset({"off", "0", "false", "no", "n"})  # the ways people say "off" in an environment


def warm_allowed(environ: Mapping[str, str]) -> bool:
    return environ.get(WARM_ENV, "").strip().lower() not in _OFF


def run() -> None:
    if is_view(sys.argv[1:], os.environ) and warm_allowed(os.environ) and protocol.supported():
        ended = serve_warm()
        if ended is not None:
            ended.end()
    from tribe_sync.cli.main import run as run_here  # noqa: PLC0415 - the half second this avoids

    run_here()


class Ending:
    """How the command served warm ended, to be ended the same way here: its exit code, or the
    signal it died of (this process then dies of it too); neither if it vanished."""

    __slots__ = ("code", "peak_rss_kb", "signal")

    def __init__(self, code: int | None = None, signal: int | None = None, peak_rss_kb: int = 0) -> None:
        self.code, self.signal = code, signal
        self.peak_rss_kb = peak_rss_kb  # the child's, as it said (`make bench` shows it)

    def end(self) -> NoReturn:
        if self.signal is not None:
            signal.signal(self.signal, signal.SIG_DFL)
            os.kill(os.getpid(), self.signal)
            sys.exit(128 + self.signal)  # a signal that does not end a process by default
        if self.code is None:
            print("tribe-sync: het achtergrondproces stopte voordat het klaar was", file=sys.stderr)
            sys.exit(1)
        sys.exit(self.code)


def serve_warm() -> Ending | None:
    """The command run by the warm process; None if it did not start there (then it runs here)."""
    try:
        folder = protocol.runtime_dir(os.environ)
        if not protocol.private_dir(folder, create=True):
            return None
        key = protocol.code_key(os.environ)
        path = protocol.socket_path(folder, key)
        if path is None:
            return None
        conn = _connect(path)
        if conn is None:
            start_server(path, key)
            return None
    except KeyboardInterrupt:  # Ctrl+C before anything ran: as the command's own handling ends it
        return Ending(code=130)
    except Exception:  # nothing has run yet: the command runs here, as it would have anyway
        return None
    with conn:
        return _converse(conn)


def _connect(path: str) -> socket.socket | None:
    """A connection to the warm process at `path`; None if there is none (none yet, or it ended)."""
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(protocol.HANDSHAKE_S)
    try:
        conn.connect(path)
    except (FileNotFoundError, ConnectionRefusedError):
        conn.close()
        return None
    except OSError:
        conn.close()
        raise
    return conn


def _converse(conn: socket.socket) -> Ending | None:
    forwarded: list[int] = []
    try:
        request = _request()
        if request is None:
            return None
        protocol.send(conn, request, fds=(0, 1, 2))
        ready = protocol.receive(conn)
        child = ready.get("pid")
        if not isinstance(child, int):
            return None  # refused (say a working directory it cannot enter): run here
        _forward_signals(child, request["ignored"], forwarded)
        protocol.send(conn, {"go": True})
    except KeyboardInterrupt:
        return Ending(code=130)
    except Exception:  # timeouts included: the command has not started, so it runs here
        return None
    conn.settimeout(None)
    try:
        said = protocol.receive(conn)
    except (OSError, ValueError):
        said = {}
    code, died_of, peak = said.get("exit"), said.get("signal"), said.get("peak_rss_kb")
    peak = peak if isinstance(peak, int) else 0
    if isinstance(died_of, int):
        return Ending(signal=died_of, peak_rss_kb=peak)
    if isinstance(code, int):
        return Ending(code=code, peak_rss_kb=peak)
    return Ending(signal=forwarded[-1]) if forwarded else Ending()


def _request() -> dict[str, Any] | None:
    """What the child needs to stand in for this process; None if a standard stream is closed."""
    streams = (sys.stdin, sys.stdout, sys.stderr)
    if any(stream is None for stream in streams):
        return None
    for fd in (0, 1, 2):
        os.fstat(fd)  # OSError if closed
    umask = os.umask(0o022)
    os.umask(umask)
    return {
        "argv": list(sys.argv),
        "environ": dict(os.environ),
        "cwd": os.getcwd(),
        "umask": umask,
        "streams": [[stream.encoding, stream.errors] for stream in streams],
        "unbuffered": bool(getattr(sys.stdout, "write_through", False)),  # -u or PYTHONUNBUFFERED
        "ignored": [int(s) for s in FORWARDED if signal.getsignal(s) == signal.SIG_IGN],
    }


def _forward_signals(child: int, ignored: list[int], forwarded: list[int]) -> None:
    """Ctrl+C (and a TERM or HUP) reach the child as they would have reached this process; Ctrl+Z
    stops the child with this process, and the shell's `fg` or `bg` (SIGCONT) lets both go on, so
    output never keeps coming after the prompt is back."""

    def forward(signum: int, _frame: FrameType | None) -> None:
        forwarded.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signum)

    def suspend(_signum: int, _frame: FrameType | None) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGSTOP)
        signal.signal(signal.SIGTSTP, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTSTP)  # stopped here until SIGCONT
        signal.signal(signal.SIGTSTP, suspend)
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGCONT)

    def resume(_signum: int, _frame: FrameType | None) -> None:  # a SIGCONT from someone else
        with contextlib.suppress(ProcessLookupError):
            os.kill(child, signal.SIGCONT)

    for signum in FORWARDED:
        if int(signum) not in ignored:
            signal.signal(signum, forward)
    if signal.getsignal(signal.SIGTSTP) == signal.SIG_DFL:  # a shell without job control ignores it
        signal.signal(signal.SIGTSTP, suspend)
        signal.signal(signal.SIGCONT, resume)


def start_server(path: str, key: str, *, idle_s: float | None = None) -> None:
    """Start a warm process for `key` at `path`, detached: in a session of its own, its standard
    streams on /dev/null and none of this process's descriptors, so that whoever waits on this
    process's output (a pipe, `subprocess.run(capture_output=True)`) never waits on it too."""
    import subprocess  # noqa: PLC0415 - only when there is none yet

    env = {name: os.environ[name] for name in _SPAWN_ENV if name in os.environ}
    command = [sys.executable, "-P", "-X", f"utf8={sys.flags.utf8_mode}"]
    command += ["-m", "tribe_sync.cli.warm.server", "--socket", path, "--key", key]
    if idle_s is not None:
        command += ["--idle", str(idle_s)]
    subprocess.Popen(
        command,
        cwd="/",
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        close_fds=True,
        start_new_session=True,
    )


def stop_servers(environ: Mapping[str, str]) -> list[int]:
    """Ask every warm process of ours under `environ`'s runtime folder to end (SIGTERM); their pids.
    The pid is the one the kernel gives for the socket's other end, and only if it is our user's."""
    folder = protocol.runtime_dir(environ)
    if not protocol.private_dir(folder, create=False):
        return []
    stopped = []
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".sock"):
            continue
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            try:
                conn.connect(os.path.join(folder, name))
                pid, uid, _gid = protocol.peer_credentials(conn)
            except OSError:
                continue
        if uid == os.getuid():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
                stopped.append(pid)
    return stopped
