"""`close-delivery-months`: keep the rolling window of months, and close the ones that are full, past,
begun or within the lead time. Never reopens; a month staff closed or reopened keeps staff's word."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy, close_reason, missing_months, reason_text
from tribe_sync.jobs import keys
from tribe_sync.jobs.plan import CreateMonth, Notice, Plan, SetMonth, Step
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["CloseDeliveryMonths"]


class CloseDeliveryMonths:
    name = "close-delivery-months"
    description = "Keep the next months open for requests; close months that are full, begun or near."
    parts = frozenset({"requests", "months"})
    task_prefixes: frozenset[str] = frozenset()
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        programme = settings.programme
        plan = Plan(self.name, today, (Step.CREATE, Step.CLOSE), problems=list(snapshot.problems))
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
            closing = why(month, capacity)
            plan.changes.append(
                CreateMonth(
                    key=keys.month_create(month),
                    step=Step.CREATE,
                    reason=f"er staan steeds {programme.months_ahead} maanden vooruit klaar"
                    + (f"; gesloten: {closing}" if closing else ""),
                    month=month,
                    capacity=capacity,
                    closed_reason=closing,
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
                        Step.CLOSE,
                        record.id,
                        month.label,
                        f"would close ({closing}), but staff reopened it: left open",
                    )
                )
                continue
            plan.changes.append(
                SetMonth(
                    key=keys.month_close(month),
                    step=Step.CLOSE,
                    reason=closing,
                    month_id=record.id,
                    month=month,
                    open=False,
                    closed_by=ClosedBy.JOB,
                    closed_reason=closing,
                    was_open=True,
                    was_closed_by=record.closed_by,
                )
            )
        return plan
