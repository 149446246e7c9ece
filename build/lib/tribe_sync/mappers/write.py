"""Domain change -> the body of a CRM write, in the tenant's names. Only changed fields are sent;
references are written as `{"Nav": {"ID": …}}`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.tasks import TaskIntent
from tribe_sync.mappers.schema import TenantSchema

__all__ = [
    "delivery_date_body",
    "month_close_body",
    "month_create_body",
    "month_open_body",
    "phase_body",
    "processor_confirmation_body",
    "task_body",
]


def ref(record_id: str) -> dict[str, str]:
    return {"ID": record_id}


def phase_body(phase_id: str) -> dict[str, Any]:
    return {"Phase": ref(phase_id)}


def month_close_body(schema: TenantSchema, by: ClosedBy, reason: str) -> dict[str, Any]:
    f = schema.tenant.month
    return {"IsActive": False, f.closed_by: by.value, f.closed_reason: reason}


def month_open_body(schema: TenantSchema, reason: str) -> dict[str, Any]:
    """Reopened by staff: open again, and marked as staff's decision so the job leaves it open."""
    f = schema.tenant.month
    return {"IsActive": True, f.closed_by: "staff", f.closed_reason: f"heropend: {reason}"}


def month_create_body(schema: TenantSchema, month: Month, capacity: int | None) -> dict[str, Any]:
    return {"Code": month.code, "IsActive": True, schema.tenant.month.capacity: capacity}


def delivery_date_body(schema: TenantSchema, day: dt.date) -> dict[str, Any]:
    return {schema.tenant.request.delivery_date: day.isoformat()}


def processor_confirmation_body(
    schema: TenantSchema, confirmed_on: dt.date, delivery_date: dt.date | None
) -> dict[str, Any]:
    body: dict[str, Any] = {schema.tenant.request.processor_confirmed_on: confirmed_on.isoformat()}
    if delivery_date is not None:
        body.update(delivery_date_body(schema, delivery_date))
    return body


def task_body(intent: TaskIntent, *, open_phase_id: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Subject": intent.subject,
        "Description": intent.body,
        "StartDate": intent.start.isoformat(),
        "EndDate": intent.due.isoformat(),
        "ImportId": intent.key,
    }
    for nav, target in (
        ("Relationship", intent.organisation_id),
        ("Contact", intent.contact_id),
        ("Assignee", intent.assignee_id),
        ("Phase", open_phase_id),
    ):
        if target:
            body[nav] = ref(target)
    return body
