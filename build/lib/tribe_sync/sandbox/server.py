"""Running the sandbox: in the foreground (`tribe-sync sandbox serve`) or on a thread (tests, demo)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import uvicorn

from tribe_sync.http_server import ServerThread, serve_in_thread
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
    _server: ServerThread

    def stop(self) -> None:
        self._server.stop()

    def __enter__(self) -> RunningSandbox:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def start(state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> RunningSandbox:
    """Serve on a background thread; port 0 picks a free one. Returns once it accepts connections."""
    server = serve_in_thread(create_app(state), host, port, name="tribe-sandbox")
    return RunningSandbox(state, server.url, server)


def serve(state: SandboxState, host: str, port: int) -> None:
    uvicorn.run(create_app(state), host=host, port=port, log_level="info", access_log=False, lifespan="off")
