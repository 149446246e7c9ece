"""What every command gets on `ctx.obj`: the settings, read once, and the objects built from them."""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import typer
from rich.console import Console

from tribe_sync.config import Settings, load_settings
from tribe_sync.logs import JsonLineFormatter

__all__ = ["AppContext", "app_context", "configure_logging", "current_context"]


@dataclass
class AppContext:
    config_path: Path | None
    err: Console = field(default_factory=lambda: Console(stderr=True))
    out: Console = field(default_factory=Console)

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


def configure_logging(verbose: int, json_lines: bool = False) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    if json_lines:
        handler.setFormatter(JsonLineFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every URL at INFO; our own line per request is enough and says less.
    logging.getLogger("httpx").setLevel(logging.WARNING)
