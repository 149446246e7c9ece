"""The staff web console: the programme at a glance, and its decisions, behind a login.

`create_app` is imported on first use: the CLI's lists use `console.format` and `console.labels` for
their Dutch words, and must not load Starlette and Jinja for them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tribe_sync.console.app import create_app

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from tribe_sync.console.app import create_app  # noqa: PLC0415

        return create_app
    raise AttributeError(name)
