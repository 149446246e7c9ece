"""The mappers' one exception: a record that does not map. It never leaves the package: the
mapping functions turn it into a `Problem` next to the records that did map."""

from __future__ import annotations

from typing import Any

__all__ = ["Unmappable"]


class Unmappable(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params
