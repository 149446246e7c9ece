"""Delivery months: organisations can only request for an open one; staff or the job close them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum

from tribe_sync.domain.calendar import Month

__all__ = ["ClosedBy", "DeliveryMonth"]


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
