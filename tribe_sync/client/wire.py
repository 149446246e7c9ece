"""What Tribe sends: records with a handful of fixed properties and any number of others.

Only the properties every Tribe record has are typed here. Custom fields are named by UUID and differ
per environment, so they stay in `model_extra` under their wire name and the mappers look them up
through the configured tenant schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Record", "parse_date"]


class Record(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    id: str = Field(alias="ID")
    type: str | None = Field(default=None, alias="_Type")
    name: str | None = Field(default=None, alias="_Name")
    creation_date: dt.datetime | None = Field(default=None, alias="CreationDate")
    last_mutation_date: dt.datetime | None = Field(default=None, alias="LastMutationDate")

    def get(self, prop: str, default: Any = None) -> Any:
        """A property by its wire name, fixed or custom; `default` when absent (not expanded)."""
        extra = self.model_extra or {}
        if prop in extra:
            return extra[prop]
        field = _FIXED.get(prop)
        return getattr(self, field) if field else default

    def has(self, prop: str) -> bool:
        return prop in (self.model_extra or {}) or prop in _FIXED

    def nav_id(self, prop: str) -> str | None:
        """The ID of a single navigation (expanded or written as `{"ID": …}`), or None."""
        value = self.get(prop)
        return value.get("ID") if isinstance(value, dict) else None


_FIXED = {
    "ID": "id",
    "_Type": "type",
    "_Name": "name",
    "CreationDate": "creation_date",
    "LastMutationDate": "last_mutation_date",
}


def parse_date(value: Any) -> dt.date | None:
    """Tribe writes dates as `2026-12-01` or as a midnight date-time; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if len(text) == 10:
            return dt.date.fromisoformat(text)
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00")).date()
    raise ValueError(f"not a date: {value!r}")
