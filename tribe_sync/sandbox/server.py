"""Running the sandbox: in the foreground (`tribe-sync sandbox serve`) or on a thread (tests, demo)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass

import uvicorn

from tribe_sync.sandbox.app import create_app
from tribe_sync.sandbox.generator import generate
from tribe_sync.sandbox.state import Faults, SandboxState
from tribe_sync.sandbox.store import SandboxStore

__all__ = ["RunningSandbox", "build_state", "serve", "start"]


def build_state(
    *,
    scale: str = "small",
    seed: int = 1,
    db: str = ":memory:",
    anchor: dt.date | None = None,
    faults: Faults | None = None,
    clients: dict[str, str] | None = None,
) -> SandboxState:
    """A sandbox with data: the file's if `db` holds any, else freshly generated from the seed."""
    store = SandboxStore(db)
    if store.is_empty():
        generate(store, scale=scale, seed=seed, anchor=anchor or dt.date.today())
    return SandboxState(
        store=store, faults=faults or Faults(), seed=seed, clients=clients or {"sandbox": "sandbox"}
    )


@dataclass
class RunningSandbox:
    state: SandboxState
    url: str
    _server: uvicorn.Server
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start(state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Serve on a background thread; port 0 picks a free one. Returns once it accepts connections."""
    # uvicorn binds the port itself: its listening socket gives accepted connections TCP_NODELAY,
    # without which every response waits ~40 ms for a delayed ACK.
    config = uvicorn.Config(
        create_app(state), host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True, name="tribe-sandbox")
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError(f"the sandbox did not start on {host}:{port}")
        time.sleep(0.01)
    bound_port = server.servers[0].sockets[0].getsockname()[1]
    return RunningSandbox(state, f"http://{host}:{bound_port}", server, thread)


def serve(state: SandboxState, host: str, port: int) -> None:
    uvicorn.run(create_app(state), host=host, port=port, log_level="info", access_log=False, lifespan="off")
