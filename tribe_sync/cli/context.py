"""What every command gets on `ctx.obj`: the settings, read once, and the objects built from them."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import typer
from rich.console import Console

from tribe_sync.config import Settings, load_settings
from tribe_sync.logs import JsonLineFormatter

__all__ = ["AppContext", "app_context", "configure_logging", "current_context", "people_console"]

# Width for output that goes to a file or another program: no terminal to fit, so a table keeps its
# natural width (rich's 80-column default would cut order numbers and names to "AD2025-00…").
UNLIMITED_WIDTH = 10_000


def people_console(*, stderr: bool = False) -> Console:
    """A console for what people read: a terminal's width on a terminal; piped or redirected, wide
    enough that nothing is cut or folded. An explicit `COLUMNS` still wins."""
    stream = sys.stderr if stderr else sys.stdout
    piped = not (hasattr(stream, "isatty") and stream.isatty())
    width = UNLIMITED_WIDTH if piped and not os.environ.get("COLUMNS") else None
    return Console(stderr=stderr, width=width)


@dataclass
class AppContext:
    config_path: Path | None
    err: Console = field(default_factory=lambda: people_console(stderr=True))
    out: Console = field(default_factory=people_console)

    def __post_init__(self) -> None:
        global _current  # noqa: PLW0603 - the edge (main.run) needs it after typer has returned
        _current = self

    @cached_property
    def settings(self) -> Settings:
        # Read on first use rather than in the callback, so that `--help` works with a broken file.
        return load_settings(self.config_path)

    @property
    def loaded_settings(self) -> Settings | None:
        """The settings if a command read them (for messages at the edge), else None."""
        value = self.__dict__.get("settings")
        return value if isinstance(value, Settings) else None


_current: AppContext | None = None


def current_context() -> AppContext | None:
    """The context of the command that ran last in this process, if any."""
    return _current


def app_context(ctx: typer.Context) -> AppContext:
    obj = ctx.find_root().obj
    assert isinstance(obj, AppContext), "the root callback sets ctx.obj"
    return obj


# Libraries whose internals (every connection, every header, every scheduler tick) are not what a
# person running tribe-sync wants at -vv; `--debug-http` shows the HTTP ones.
HTTP_LIBRARIES = ("httpx", "httpcore", "hpack")
QUIET_LIBRARIES = ("apscheduler", "uvicorn", "uvicorn.error", "alembic", "sqlalchemy", "charset_normalizer")


def configure_logging(verbose: int, json_lines: bool = False, debug_http: bool = False) -> None:
    """Our own logs at WARNING by default, INFO with -v, DEBUG with -vv; libraries at WARNING, except
    the HTTP ones at DEBUG with `debug_http` (headers never hold secrets there: httpx logs none)."""
    ours = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonLineFormatter())
    elif verbose == 0:
        handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    logging.getLogger("tribe_sync").setLevel(ours)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.WARNING)
    for name in HTTP_LIBRARIES:
        logging.getLogger(name).setLevel(logging.DEBUG if debug_http else logging.WARNING)
