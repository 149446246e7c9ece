"""The warm process: imports what the read-only staff views need, once, then forks a child per view.

`python -m tribe_sync.cli.warm.server --socket PATH --key KEY [--idle S]`, started by the client
(`client.start_server`) when it found none. It does nothing a command could notice later: it reads
no settings, opens no store, starts no thread and holds none of the environment of whoever started it
(only what decides how Python starts). Single-threaded, since it forks.

It binds a temporary name and renames it onto PATH once it listens, so a client never finds a socket
that does not answer yet; two started at once are harmless (the last rename wins, the other idles
out). Each connection from our own user (SO_PEERCRED; any other is closed unanswered) gets a fork
that serves one command (`child`); SIGCHLD is ignored, so the kernel reaps them. It ends after `idle`
seconds without a connection or once PATH is no longer its socket (a newer one took the name), and
then removes PATH if it is still its own; SIGTERM ends it at once.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import importlib.util
import os
import signal
import socket
import sys
import time
from collections.abc import Sequence

from tribe_sync.cli.warm import protocol

__all__ = ["PRELOADED", "main", "preload", "serve"]

# Besides the view groups themselves (composed by `preload`): what the views import on first use.
# Nothing here may read settings or the environment, open anything or start a thread when imported.
PRELOADED = (
    "sqlite3",
    "sqlalchemy.dialects.sqlite.pysqlite",
    "typer._adapters",
    "rich._emoji_codes",
    # A view's delta refresh when its copy is older than mirror.max_age_s: the CRM client and mappers.
    "tribe_sync.client.tribe",
    "tribe_sync.tribe_crm",
    "tribe_sync.malloc",
    "tribe_sync.store.readsizes",
    "tribe_sync.store.ratelimit",
    "tribe_sync.mappers.read",
    "tribe_sync.mappers.queries",
    "tribe_sync.reports",
)
OPTIONAL = ("psycopg", "sqlalchemy.dialects.postgresql.psycopg")  # with the postgres extra installed
CHECK_S = 5.0  # how often an idle server looks whether its socket is still its own


def preload() -> None:
    """Import what the views need, so that a fork of this process starts where they begin work."""
    from tribe_sync.cli import main as cli  # noqa: PLC0415 - the point of this process
    from tribe_sync.cli.warm.client import VIEWS  # noqa: PLC0415

    cli.compose(VIEWS)
    for name in PRELOADED:
        importlib.import_module(name)
    if importlib.util.find_spec("psycopg") is not None:
        for name in OPTIONAL:
            importlib.import_module(name)
    importlib.import_module("tribe_sync.cli.warm.child")
    # What was imported stays: the children's collector never walks (and so never copies) it.
    gc.collect()
    gc.freeze()


def _still_ours(path: str, inode: int) -> bool:
    try:
        return os.stat(path).st_ino == inode
    except OSError:
        return False


def _retire_older(path: str) -> None:
    """Remove the sockets of warm processes for an older version of this interpreter and checkout:
    no client looks for them any more, and each ends once it sees its socket gone (`CHECK_S`)."""
    folder, name = os.path.split(path)
    prefix = protocol.same_place(name.removesuffix(".sock")) + "-"
    for other in os.listdir(folder):
        if other.startswith(prefix) and other.endswith(".sock") and other != name:
            with contextlib.suppress(OSError):
                os.unlink(os.path.join(folder, other))


def serve(path: str, idle_s: float) -> None:
    """Listen at `path` and fork a child per connection until idle for `idle_s` or told to stop."""
    from tribe_sync.cli.warm.child import serve_one  # noqa: PLC0415 - imported by preload

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    temporary = f"{path}.{os.getpid()}"
    listener.bind(temporary)
    listener.listen(64)
    inode = os.stat(temporary).st_ino
    os.rename(temporary, path)
    _retire_older(path)
    listener.settimeout(min(idle_s, CHECK_S))
    last = time.monotonic()
    try:
        while True:
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                if time.monotonic() - last >= idle_s or not _still_ours(path, inode):
                    return
                continue
            last = time.monotonic()
            with conn:
                if protocol.peer_credentials(conn)[1] != os.getuid():
                    continue
                if os.fork() == 0:
                    try:  # the child never comes back into this loop, whatever happens
                        listener.close()
                        serve_one(conn)
                    finally:
                        os._exit(1)
    finally:
        if _still_ours(path, inode):
            os.unlink(path)
        listener.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tribe_sync.cli.warm.server")
    parser.add_argument("--socket", required=True, help="where to listen")
    parser.add_argument("--key", required=True, help="the key of the code the client runs")
    parser.add_argument("--idle", type=float, default=protocol.IDLE_S, help="seconds to live unused")
    args = parser.parse_args(argv)
    if protocol.code_key(os.environ) != args.key:
        sys.exit(1)  # this process would not run the client's code: serve nothing
    # SIGTERM and SIGINT end it at once (the socket it leaves refuses connections; the next warm
    # process renames its own over it); SIGCHLD ignored: the kernel reaps the children.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    preload()
    serve(args.socket, args.idle)


if __name__ == "__main__":
    main()
