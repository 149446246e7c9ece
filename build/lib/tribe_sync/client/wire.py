"""What Tribe sends: records with a handful of fixed properties and any number of others.

Only `ID` is typed on arrival. Custom fields are named by UUID and differ per environment, so every
property stays under its wire name and the mappers look it up through the configured tenant schema.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Record", "parse_date", "parse_moment"]


class Record(BaseModel):
    """One record. Only `ID` is checked on arrival: a record without one breaks Tribe's protocol. Every
    other property is kept as sent and read through `get()`, so that one malformed value becomes a
    problem for that record when a mapper reads it, instead of failing the whole page."""

    model_config = ConfigDict(extra="allow", populate_by_name=True, frozen=True)

    id: str = Field(alias="ID")

    def get(self, prop: str, default: Any = None) -> Any:
        """A property by its wire name, fixed or custom; `default` when absent (not expanded)."""
        if prop == "ID":
            return self.id
        return (self.model_extra or {}).get(prop, default)

    def nav_id(self, prop: str) -> str | None:
        """The ID of a single navigation (expanded or written as `{"ID": …}`), or None."""
        value = self.get(prop)
        return value.get("ID") if isinstance(value, dict) else None

    @property
    def type(self) -> str | None:
        value = self.get("_Type")
        return value if isinstance(value, str) else None

    @property
    def name(self) -> str | None:
        value = self.get("_Name")
        return value if isinstance(value, str) else None

    @property
    def creation_date(self) -> dt.datetime | None:
        """ValueError if Tribe sent something that is not a date-time."""
        return parse_moment(self.get("CreationDate"))

    @property
    def last_mutation_date(self) -> dt.datetime | None:
        return parse_moment(self.get("LastMutationDate"))


def parse_moment(value: Any) -> dt.datetime | None:
    """Tribe's UTC date-times (`2026-01-31T09:15:00Z`); a naive one is taken as UTC."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, str):
        moment = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    else:
        raise ValueError(f"not a date-time: {value!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


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
