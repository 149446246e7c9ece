"""Requests (aanvragen): N devices of one product, delivered at once in one month."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.statuses import RequestStatus

__all__ = ["DeliveryDetails", "Request"]


@dataclass(frozen=True, slots=True)
class DeliveryDetails:
    street: str | None
    house_number: str | None
    postcode: str | None
    city: str | None
    contact_name: str | None
    phone: str | None
    email: str | None


@dataclass(frozen=True, slots=True)
class Request:
    id: str
    number: OrderNumber
    organisation_id: str
    contact_id: str | None
    status: RequestStatus
    requested_at: dt.datetime
    requested_on: dt.date  # in the programme's time zone
    month: Month
    product_code: str
    quantity: int
    age_groups: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    explanation: str | None = None
    delivery: DeliveryDetails | None = None
    reference: str | None = None
    delivery_date: dt.date | None = None
    processor_id: str | None = None
    processor_confirmed_on: dt.date | None = None
    terms_accepted: bool | None = None
    delivered_quantity: int | None = None

    @property
    def received(self) -> int:
        """What the organisation got: the delivered quantity if recorded, else what was ordered."""
        return self.delivered_quantity if self.delivered_quantity is not None else self.quantity

    @property
    def queue_key(self) -> tuple[dt.datetime, OrderNumber, str]:
        """An organisation's queue order: older request first, then lower order number."""
        return (self.requested_at, self.number, self.id)
