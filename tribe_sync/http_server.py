"""Serving an ASGI app (the sandbox, the daemon's endpoint) on a background thread with uvicorn."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import anyio
import h11
import uvicorn
from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tribe_sync.config import Settings
from tribe_sync.errors import ConfigError

__all__ = [
    "ServerThread",
    "check_can_listen",
    "quiet_when_answered",
    "refuse_unless_can_listen",
    "serve_in_thread",
]

log = logging.getLogger("tribe_sync.http")


@dataclass
class ServerThread:
    url: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)


def check_can_listen(host: str, port: int) -> str | None:
    """None if `host:port` can be listened on now, else why not (in words, for a message).

    Asked before uvicorn starts, because uvicorn reports a taken port by logging and ending its
    thread, which leaves only "could not serve" to say."""
    if port == 0:
        return None
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        return f"{host} is not an address of this machine ({exc.strerror})"
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                return f"port {port} on {host} is already in use by another process"
            if exc.errno == errno.EACCES:
                return f"port {port} on {host} needs privileges this process does not have"
            if exc.errno == errno.EADDRNOTAVAIL:
                return f"{host} is not an address of this machine"
            return f"cannot listen on {host}:{port}: {exc.strerror}"
    return None


def refuse_unless_can_listen(
    host: str, port: int, settings: Settings, section: str, *, options: frozenset[str] = frozenset()
) -> None:
    """A ConfigError (exit 2, one line) unless `host:port` can be listened on: it names the setting
    (`daemon.port`, `console.host`, ...) and where it was set, or the command's option when that was
    given (`options`: `--host`, `--port`). Called before anything is printed or run."""
    why = check_can_listen(host, port)
    if why is None:
        return
    what = "port" if why.startswith("port") else "host"
    key = f"{section}.{what}"
    change = (
        f"give a free --{what}"
        if f"--{what}" in options
        else f"set {key} (set by {settings.origin(key)}) to a free one"
    )
    raise ConfigError(f"{why}. Stop the other process, or {change}; `ss -ltnp` shows who listens where.")


def quiet_when_answered(app: ASGIApp) -> ASGIApp:
    """`app`, minus the traceback when uvicorn answered the request itself.

    A request whose body breaks HTTP (a malformed chunk) is answered 400 by uvicorn, with one warning
    ("Invalid HTTP request received.") and the connection closed, while the app may be answering it
    too: then sending fails in h11 ("can't handle event type Response ... MUST_CLOSE"), or reading the
    body ends in ClientDisconnect, and uvicorn logs either as "Exception in ASGI application" with 40
    lines of traceback. Here such a request ends quietly, once the connection is gone."""

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        gone = False

        async def send_unless_gone(message: Message) -> None:
            nonlocal gone
            if gone:
                return
            try:
                await send(message)
            except h11.LocalProtocolError:
                gone = True

        try:
            await app(scope, receive, send_unless_gone)
        except ClientDisconnect:
            gone = True
        if gone:
            log.debug("%s %s: answered by the server already (bad HTTP) or the client left", *_line(scope))
            await _until_disconnected(receive)

    return guarded


def _line(scope: Scope) -> tuple[str, str]:
    return str(scope.get("method")), str(scope.get("path"))


async def _until_disconnected(receive: Receive) -> None:
    """Wait (briefly) for the server to notice the closed connection, so that it does not report a
    response the app never completed."""
    with anyio.move_on_after(2):
        while (await receive())["type"] != "http.disconnect":
            pass


def serve_in_thread(app: Any, host: str = "127.0.0.1", port: int = 0, name: str = "http") -> ServerThread:
    """Serve `app`; port 0 picks a free one. Returns once it accepts connections.

    uvicorn binds the port itself: its listening socket gives accepted connections TCP_NODELAY, without
    which every response waits ~40 ms for a delayed ACK."""
    # log_config=None: uvicorn installs no handlers of its own, so its records (a traceback from the app
    # included) reach ours and `--log-json` stays one JSON object per line.
    config = uvicorn.Config(
        quiet_when_answered(app),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        lifespan="off",
        log_config=None,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name=name)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise OSError(f"could not serve on {host}:{port}")
        time.sleep(0.01)
    bound = server.servers[0].sockets[0].getsockname()[1]
    return ServerThread(f"http://{host}:{bound}", bound, server, thread)
