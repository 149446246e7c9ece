"""Delivery months: organisations can only request for an open one; staff or the job close them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from tribe_sync.domain.calendar import Month

__all__ = ["CloseReason", "ClosedBy", "DeliveryMonth", "close_reason", "missing_months", "reason_text"]


class ClosedBy(StrEnum):
    STAFF = "staff"
    JOB = "job"


@dataclass(frozen=True)
class DeliveryMonth:
    id: str
    month: Month
    is_open: bool
    capacity: int | None  # None: no limit
    closed_by: ClosedBy | None = None
    closed_reason: str | None = None
    # When it was closed, as far as the CRM shows it (the record's last change while closed).
    closed_at: dt.datetime | None = None

    def was_open_at(self, moment: dt.datetime) -> bool:
        return self.is_open or self.closed_at is None or moment <= self.closed_at


class CloseReason(StrEnum):
    FULL = "full"
    PAST = "past"
    STARTED = "started"
    LEAD_TIME = "lead_time"


def close_reason(
    month: Month, capacity: int | None, requested: int, today: dt.date, *, threshold: float, lead_days: int
) -> CloseReason | None:
    """Why an open month should close today, or None (docs/programme.md section 4)."""
    if month.last_day < today:
        return CloseReason.PAST
    if month.first_day <= today:
        return CloseReason.STARTED
    if month.first_day <= today + dt.timedelta(days=lead_days):
        return CloseReason.LEAD_TIME
    if capacity is not None and requested >= capacity * threshold:
        return CloseReason.FULL
    return None


def reason_text(reason: CloseReason, *, requested: int, capacity: int | None, lead_days: int) -> str:
    """The closed-reason staff see in the CRM (Dutch)."""
    return {
        CloseReason.FULL: f"vol: {requested} van {capacity} apparaten aangevraagd",
        CloseReason.PAST: "de maand is voorbij",
        CloseReason.STARTED: "de leveringsmaand is begonnen",
        CloseReason.LEAD_TIME: f"binnen de levertermijn van {lead_days} dagen",
    }[reason]


def missing_months(existing: Iterable[Month], today: dt.date, ahead: int) -> list[Month]:
    """The months of the rolling window (the `ahead` months after the current one) that do not exist."""
    have = set(existing)
    current = Month.of(today)
    return [current + offset for offset in range(1, ahead + 1) if current + offset not in have]
