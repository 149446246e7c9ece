"""Order numbers as the CRM assigns them: `AD`, the year, `-`, five digits (`AD2025-00351`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["OrderNumber"]

_PATTERN = re.compile(r"^AD(\d{4})-(\d{5})$")


@dataclass(frozen=True, order=True, slots=True)
class OrderNumber:
    year: int
    serial: int

    @classmethod
    def parse(cls, text: str) -> OrderNumber:
        match = _PATTERN.fullmatch(text.strip()) if isinstance(text, str) else None
        if not match:
            raise ValueError(f"not an order number: {text!r}")
        return cls(int(match[1]), int(match[2]))

    def __str__(self) -> str:
        return f"AD{self.year}-{self.serial:05d}"
