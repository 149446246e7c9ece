"""`audit`: the nightly data-quality report over requests, forecasts and accountability reports.

Every mapping problem and rule violation is in the report, every night. Staff get one task per run
that found *new* problems; a problem already reported (its key is in the journal) is not reported
again, so an unchanged problem does not come back every night.
"""

from __future__ import annotations

import datetime as dt

from tribe_sync.config import Settings
from tribe_sync.domain.accountability import stock_per_request
from tribe_sync.domain.counts import counted
from tribe_sync.domain.problems import Problem, ProblemCode, problem
from tribe_sync.domain.validation import validate_request
from tribe_sync.jobs import keys
from tribe_sync.jobs.keys import AUDIT_PREFIX, REPORTED_PREFIX
from tribe_sync.jobs.plan import Plan, Step
from tribe_sync.jobs.snapshot import PARTS, Snapshot
from tribe_sync.jobs.tasks import listing, task_change
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["Audit", "findings"]


def findings(snapshot: Snapshot, settings: Settings) -> list[Problem]:
    """Everything wrong with the data: what does not map, and what breaks a rule of docs/programme.md."""
    found = list(snapshot.problems)
    catalogue = snapshot.catalogue(settings.tenant.adult_age_groups)
    for request in snapshot.requests:
        found += validate_request(request, catalogue)
    _, stock_problems = stock_per_request(snapshot.requests, snapshot.reports)
    found += stock_problems
    for forecast in snapshot.forecasts:
        if not forecast.on_time:
            found.append(
                problem(
                    ProblemCode.LATE_FORECAST,
                    "forecast",
                    forecast.id,
                    detail=forecast.submitted_on,
                    deadline=forecast.quarter.forecast_deadline,
                    quarter=str(forecast.quarter),
                    organisation_id=forecast.organisation_id,
                )
            )
    return snapshot.named(found)


def _line(found: Problem, link: str | None) -> str:
    """One problem for staff, in Dutch: what to look for in Tribe, what is wrong, and the link."""
    text = f"{found.label or found.record_id or '?'}: {found.message_nl} ({found.code})"
    return f"{text} {link}" if link else text


class Audit:
    name = "audit"
    description = "Nightly data-quality report; staff get a task for problems not reported before."
    parts = PARTS
    task_prefixes = frozenset({AUDIT_PREFIX})
    journal_prefixes = frozenset({REPORTED_PREFIX})

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        found = findings(snapshot, settings)
        plan = Plan(self.name, today, (Step.REPORT,), problems=found)
        new = {
            keys.reported_problem(p): p
            for p in found
            if keys.reported_problem(p) not in snapshot.journal_keys
        }
        if not new:
            return plan
        key = keys.audit_task(today, new)
        if key in snapshot.tasks:
            return plan
        lines = [_line(p, settings.crm.record_link(p.record_id)) for p in new.values()]
        plan.changes.append(
            task_change(
                key=key,
                step=Step.REPORT,
                template=settings.templates.audit_staff,
                values={"date": today.strftime("%d-%m-%Y"), "count": len(new), "problems": listing(lines)},
                today=today,
                due=today + dt.timedelta(days=7),
                reason=counted(len(new), "nieuwe bevinding", "nieuwe bevindingen")
                + ", nog niet eerder gemeld",
                label=f"audit {today}",
                snapshot=snapshot,
                schema=schema,
                assignee_id=settings.programme.staff_employee_id,
                marks=tuple(sorted(new)),
            )
        )
        return plan
