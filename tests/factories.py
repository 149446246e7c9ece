"""Plain factory functions: a valid object by default, `**overrides` for what a test is about."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from typing import Any

from tribe_sync.client.wire import Record
from tribe_sync.config import Settings
from tribe_sync.domain.accountability import AccountabilityReport
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.parties import Organisation, Processor, Product
from tribe_sync.domain.requests import DeliveryDetails, Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema

SCHEMA = TenantSchema.from_settings(Settings())
T = SCHEMA.tenant
_serial = itertools.count(1)


def new_id() -> str:
    return str(uuid.uuid4())


def moment(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def make_request(**overrides: Any) -> Request:
    serial = next(_serial)
    requested_on = overrides.pop("requested_on", dt.date(2026, 11, 3))
    values: dict[str, Any] = {
        "id": new_id(),
        "number": OrderNumber(2026, serial),
        "organisation_id": "org-1",
        "contact_id": "contact-1",
        "status": RequestStatus.WAITING,
        "requested_at": moment(requested_on) + dt.timedelta(seconds=serial),
        "requested_on": requested_on,
        "month": Month(2027, 1),
        "product_code": "LAPTOP",
        "quantity": 10,
        "age_groups": ("25-44",),
        "target_groups": ("statushouders",),
        "explanation": "Voor deelnemers aan onze digitale cursus.",
        "delivery": DeliveryDetails(
            "Stationsplein", "1", "1012 AB", "Amsterdam", "J. Jansen", "020-1234567", "j.jansen@example.org"
        ),
        "terms_accepted": True,
    }
    values.update(overrides)
    return Request(**values)


def make_month(month: Month, **overrides: Any) -> DeliveryMonth:
    values: dict[str, Any] = {"id": new_id(), "month": month, "is_open": True, "capacity": 500}
    values.update(overrides)
    return DeliveryMonth(**values)


def make_forecast(**overrides: Any) -> Forecast:
    submitted_on = overrides.pop("submitted_on", dt.date(2026, 9, 1))
    values: dict[str, Any] = {
        "id": new_id(),
        "organisation_id": "org-1",
        "quarter": Quarter(2026, 4),
        "product_code": "LAPTOP",
        "quantity": 40,
        "submitted_at": moment(submitted_on),
        "submitted_on": submitted_on,
    }
    values.update(overrides)
    return Forecast(**values)


def make_report(request_id: str, handed_out: int, **overrides: Any) -> AccountabilityReport:
    reported_on = overrides.pop("reported_on", dt.date(2026, 10, 5))
    values: dict[str, Any] = {
        "id": new_id(),
        "request_id": request_id,
        "handed_out": handed_out,
        "note": None,
        "reported_at": moment(reported_on),
        "reported_on": reported_on,
    }
    values.update(overrides)
    return AccountabilityReport(**values)


def request_record(**overrides: Any) -> dict[str, Any]:
    """A request as Tribe sends it, with the default tenant's UUID-named fields."""
    f = T.request
    record: dict[str, Any] = {
        "ID": new_id(),
        "_Type": "Activity.SalesOrder",
        "_Name": "AD2026-00412",
        "Number": "AD2026-00412",
        "CreationDate": "2026-11-03T09:12:44Z",
        "LastMutationDate": "2026-11-03T09:12:44Z",
        "Phase": {"ID": new_id(), "Code": "WACHT_OP_TOEKENNING"},
        "ProductLines": [{"ID": new_id(), "Quantity": 15, "Product": {"ID": new_id(), "Code": "LAPTOP"}}],
        "Relationship": {"ID": "org-1"},
        "Contact": {"ID": "contact-1"},
        f.age_groups: [{"ID": new_id(), "Code": "25-44"}, {"ID": new_id(), "Code": "65-74"}],
        f.target_groups: [{"ID": new_id(), "Code": "statushouders"}],
        f.delivery_month: {"ID": new_id(), "Code": "2027-01"},
        f.explanation: "Voor onze taalcursus.",
        f.street: "Stationsplein",
        f.house_number: "1",
        f.postcode: "1012ab",
        f.city: "Amsterdam",
        f.contact_name: "J. Jansen",
        f.phone: "020-1234567",
        f.email: "j.jansen@example.org",
        f.reference: None,
        f.delivery_date: None,
        f.processor: None,
        f.processor_confirmed_on: None,
        f.terms_accepted: True,
        f.delivered_quantity: None,
    }
    record.update(overrides)
    return record


def record(data: dict[str, Any]) -> Record:
    return Record.model_validate(data)


def make_snapshot(requests=(), months=(), forecasts=(), **overrides: Any) -> Snapshot:  # type: ignore[no-untyped-def]
    """A snapshot with the reference data every job needs: phases, products, one active processor."""
    values: dict[str, Any] = {
        "requests": list(requests),
        "months": {m.month: m for m in months},
        "forecasts": list(forecasts),
        "organisations": {
            "org-1": Organisation("org-1", "o-1", "Bibliotheek Utrecht", True),
            "org-2": Organisation("org-2", "o-2", "Buurthuis Delft", True),
        },
        "products": {"p-1": Product("p-1", "LAPTOP", "Laptop", True)},
        "processors": {
            "proc-1": Processor("proc-1", "Verwerker Noord B.V.", True),
            "proc-2": Processor("proc-2", "Verwerker Zuid B.V.", False),
        },
        "phase_ids": {status: f"phase-{status.name}" for status in RequestStatus},
        "task_phase_ids": {"OPEN": "task-open", "DONE": "task-done"},
        "target_groups": {"statushouders": True},
    }
    values.update(overrides)
    return Snapshot(**values)
