"""One command in a fork of the warm process, set up as the client's own process would have been.

Everything a fresh `tribe-sync` process takes from where it was started is taken from the client: its
standard streams (the descriptors themselves, passed over the socket, so a terminal is a terminal
and its width is its width), argv, the whole environment (settings, `--config`'s relative path and
`TRIBE_SYNC_CONFIG`, `COLUMNS`, `NO_COLOR`, TZ, the locale), the working directory, the umask, the
streams' encodings and which signals it ignores. Python's start-up state is restored for the rest:
SIGINT raising KeyboardInterrupt, SIGTERM and SIGHUP default, SIGPIPE ignored, SIGCHLD default.
Nothing of an earlier command is here: each child is forked from a server that never ran one.

The command runs only after the client said "go", so a client that gave up during the handshake
(and ran the command itself) never sees it run twice. A client that disappears while the command
runs (killed outright) takes the command with it, as it would have in one process.
"""

from __future__ import annotations

import contextlib
import io
import locale
import os
import resource
import signal
import socket
import sys
import threading
import time
import traceback
from typing import Any, NoReturn

from tribe_sync.cli.warm import protocol

__all__ = ["become", "serve_one"]

GO_WAIT_S = 60.0  # the client sends "go" as soon as it has the pid; this is only against a lost one
_STREAM_NAMES = ("<stdin>", "<stdout>", "<stderr>")


def serve_one(conn: socket.socket) -> NoReturn:
    """Serve the command of the client at `conn`, then end this process."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the server's, so that it need not reap us
        conn.settimeout(protocol.HANDSHAKE_S)
        request, fds = protocol.receive_with_fds(conn, 3)
        try:
            become(request, fds)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            protocol.send(conn, {"refused": type(exc).__name__})
            os._exit(0)
        protocol.send(conn, {"pid": os.getpid()})
        conn.settimeout(GO_WAIT_S)
        if protocol.receive(conn).get("go") is not True:
            os._exit(0)
        conn.settimeout(None)
        ending = _run(request, conn)
        with contextlib.suppress(OSError):
            protocol.send(conn, ending)
    except BaseException:  # a client gone before "go", or anything else: nothing ran, nothing to say
        os._exit(1)
    os._exit(0)


def become(request: dict[str, Any], fds: list[int]) -> None:
    """Stand in for the client's process: its descriptors 0-2, environment, directory, umask, clock
    and locale. Nothing of it is visible outside this process, so a failure here still lets the
    client run the command itself."""
    if len(fds) != 3:
        raise ValueError("three standard descriptors")
    os.chdir(request["cwd"])
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        if fd > 2:
            os.close(fd)
    os.environ.clear()
    os.environ.update(request["environ"])
    os.umask(int(request["umask"]))
    time.tzset()
    try:
        locale.setlocale(locale.LC_CTYPE, "")
    except locale.Error:
        locale.setlocale(locale.LC_CTYPE, "C")
    ignored = {int(s) for s in request["ignored"]}
    for signum, startup in (
        (signal.SIGINT, signal.default_int_handler),
        (signal.SIGTERM, signal.SIG_DFL),
        (signal.SIGHUP, signal.SIG_DFL),
    ):
        signal.signal(signum, signal.SIG_IGN if int(signum) in ignored else startup)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    unbuffered = bool(request.get("unbuffered"))
    streams = [_stream(fd, *request["streams"][fd], unbuffered=unbuffered) for fd in (0, 1, 2)]
    sys.stdin, sys.stdout, sys.stderr = streams
    for name, stream in zip(("__stdin__", "__stdout__", "__stderr__"), streams, strict=True):
        setattr(sys, name, stream)  # what start-up made them; some libraries look there
    sys.argv = [str(word) for word in request["argv"]]


def _stream(fd: int, encoding: str, errors: str, *, unbuffered: bool) -> io.TextIOWrapper:
    """A standard stream as Python's start-up makes it: stdout line-buffered on a terminal and
    block-buffered otherwise, stderr always line-buffered, newlines untranslated; with `-u` (or
    PYTHONUNBUFFERED) stdout and stderr written through."""
    raw = io.FileIO(fd, "r" if fd == 0 else "w", closefd=False)
    raw.name = _STREAM_NAMES[fd]  # as CPython names them (and says them in "Exception ignored in")
    through = unbuffered and fd > 0
    buffered: Any = io.BufferedReader(raw) if fd == 0 else raw if through else io.BufferedWriter(raw)
    line_buffering = fd == 2 or (fd == 1 and raw.isatty())
    stream = io.TextIOWrapper(
        buffered, encoding, errors, newline="\n", line_buffering=line_buffering, write_through=through
    )
    setattr(stream, "mode", "r" if fd == 0 else "w")  # noqa: B010 - typeshed calls it read-only; it is not
    return stream


def _run(request: dict[str, Any], conn: socket.socket) -> dict[str, Any]:
    """Run the command as `tribe-sync` would (`tribe_sync.cli.main.run`) and say how it ended."""
    from tribe_sync.cli.main import run  # noqa: PLC0415 - imported by the server

    _end_with_client(conn)
    ending: dict[str, Any]
    try:
        run()
        ending = {"exit": 0}
    except SystemExit as stop:
        ending = {"exit": _exit_code(stop.code)}
    except KeyboardInterrupt:  # uncaught, Python ends the process by SIGINT: so will the client
        traceback.print_exc()
        ending = {"signal": int(signal.SIGINT)}
    except BaseException:
        traceback.print_exc()
        ending = {"exit": 1}
    if not _flushed() and "exit" in ending:
        ending = {"exit": 120}  # as Python does when it cannot flush its streams at exit
    for fd in (0, 1, 2):  # whoever reads our output sees its end when the client exits
        with contextlib.suppress(OSError):
            os.close(fd)
    ending["peak_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return ending


def _exit_code(code: object) -> int:
    """SystemExit's code as Python's own exit makes it: None 0, a number itself, anything else said
    on stderr and 1."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    with contextlib.suppress(Exception):
        print(code, file=sys.stderr)
    return 1


def _flushed() -> bool:
    """Flush stdout and stderr as Python's exit does; False (said on stderr as Python says it) if
    stdout could not be, as when a reader such as `head` stopped reading."""
    ok = True
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError) as exc:
            ok = False
            with contextlib.suppress(Exception):
                sys.stderr.write(f"Exception ignored in: {stream!r}\n")
                sys.stderr.write("".join(traceback.format_exception_only(exc)))
                sys.stderr.flush()
    return ok


def _end_with_client(conn: socket.socket) -> None:
    """End this command as the client's process would end if it is killed meanwhile: the client says
    nothing after "go", so the connection closing means it is gone."""

    def watch() -> None:
        # Signals are for the main thread: one taken here would not interrupt a read it waits in.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM, signal.SIGHUP})
        with contextlib.suppress(OSError):
            if not conn.recv(1):
                os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="warm client", daemon=True).start()
