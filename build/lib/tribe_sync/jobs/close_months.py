"""`close-delivery-months`: keep the rolling window of months, and close the ones that are full, past,
begun or within the lead time. Never reopens; a month staff closed or reopened keeps staff's word."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, close_reason, missing_months, reason_text
from tribe_sync.domain.problems import Problem
from tribe_sync.jobs.base import ApplyContext, Change, Notice, Outcome, Plan, apply_changes
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.mappers.write import month_close_body, month_create_body

__all__ = ["CloseDeliveryMonths"]


class CloseDeliveryMonths:
    name = "close-delivery-months"
    description = "Keep the next months open for requests; close months that are full, begun or near."
    parts = frozenset({"requests", "months"})
    task_prefixes: frozenset[str] = frozenset()
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        programme = settings.programme
        plan = Plan(self.name, today, ("create", "close"), problems=list(snapshot.problems))
        requested: dict[Month, int] = defaultdict(int)
        for request in snapshot.requests:
            requested[request.month] += request.quantity

        def why(month: Month, capacity: int | None) -> str | None:
            reason = close_reason(
                month,
                capacity,
                requested[month],
                today,
                threshold=programme.close_threshold,
                lead_days=programme.lead_days,
            )
            if reason is None:
                return None
            return reason_text(
                reason, requested=requested[month], capacity=capacity, lead_days=programme.lead_days
            )

        for month in missing_months(snapshot.months, today, programme.months_ahead):
            capacity = programme.default_capacity
            body = month_create_body(schema, month, capacity)
            closing = why(month, capacity)
            if closing:
                body.update(month_close_body(schema, ClosedBy.JOB, closing))
            plan.changes.append(
                Change(
                    key=f"month/create/{month.code}",
                    step="create",
                    action="create",
                    entity_set=schema.sets.delivery_month,
                    target_id=None,
                    label=month.label,
                    reason=f"the window keeps {programme.months_ahead} months ahead"
                    + (f"; closed: {closing}" if closing else ""),
                    body=body,
                    after={"Code": month.code, "IsActive": not closing, "capacity": capacity},
                )
            )

        for month, record in sorted(snapshot.months.items()):
            if not record.is_open:
                continue
            closing = why(month, record.capacity)
            if closing is None:
                continue
            if record.closed_by is ClosedBy.STAFF:
                plan.held.append(
                    Notice(
                        "reopened_by_staff",
                        "close",
                        record.id,
                        month.label,
                        f"would close ({closing}), but staff reopened it: left open",
                    )
                )
                continue
            plan.changes.append(
                Change(
                    key=f"month/close/{month.code}",
                    step="close",
                    action="update",
                    entity_set=schema.sets.delivery_month,
                    target_id=record.id,
                    label=month.label,
                    reason=closing,
                    body=month_close_body(schema, ClosedBy.JOB, closing),
                    before={"IsActive": True},
                    after={"IsActive": False, "closed_by": "job", "closed_reason": closing},
                )
            )
        return plan

    def apply(self, plan: Plan, ctx: ApplyContext) -> tuple[list[Outcome], list[Problem]]:
        return apply_changes(plan.changes, ctx)
