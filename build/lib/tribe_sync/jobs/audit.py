"""`audit`: the nightly data-quality report over requests, forecasts and accountability reports.

Every mapping problem and rule violation is in the report, every night. Staff get one task per run
that found *new* problems; a problem already reported (its key is in the journal) is not reported
again, so an unchanged problem does not come back every night.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from tribe_sync.config import Settings
from tribe_sync.domain.accountability import stock_per_request
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.validation import validate_request
from tribe_sync.jobs.base import ApplyContext, Outcome, Plan, apply_changes
from tribe_sync.jobs.snapshot import PARTS, Snapshot
from tribe_sync.jobs.tasks import listing, task_change
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["AUDIT_PREFIX", "REPORTED_PREFIX", "Audit", "findings", "problem_key"]

AUDIT_PREFIX = "staff/audit/"
REPORTED_PREFIX = "audit-problem/"


def problem_key(found: Problem) -> str:
    digest = hashlib.sha256(found.message.encode()).hexdigest()[:10]
    return f"{REPORTED_PREFIX}{found.code}/{found.entity}/{found.record_id or '-'}/{digest}"


def findings(snapshot: Snapshot, settings: Settings) -> list[Problem]:
    """Everything wrong with the data: what does not map, and what breaks a rule of DOMAIN.md."""
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
                    "late_forecast",
                    "forecast",
                    forecast.id,
                    detail=forecast.submitted_on,
                    deadline=forecast.quarter.forecast_deadline,
                    quarter=str(forecast.quarter),
                )
            )
    return found


class Audit:
    name = "audit"
    description = "Nightly data-quality report; staff get a task for problems not reported before."
    parts = PARTS
    task_prefixes = frozenset({AUDIT_PREFIX})
    journal_prefixes = frozenset({REPORTED_PREFIX})

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        found = findings(snapshot, settings)
        plan = Plan(self.name, today, ("report",), problems=found)
        new = {problem_key(p): p for p in found if problem_key(p) not in snapshot.journal_keys}
        if not new:
            return plan
        fingerprint = hashlib.sha256("\n".join(sorted(new)).encode()).hexdigest()[:12]
        key = f"{AUDIT_PREFIX}{today.isoformat()}/{fingerprint}"
        if key in snapshot.tasks:
            return plan
        lines = [f"{p.code}: {p.entity} {p.record_id or ''} ({p.message_nl})" for p in new.values()]
        plan.changes.append(
            task_change(
                key=key,
                step="report",
                template=settings.templates.audit_staff,
                values={"date": today.strftime("%d-%m-%Y"), "count": len(new), "problems": listing(lines)},
                today=today,
                due=today + dt.timedelta(days=7),
                reason=f"{len(new)} problem(s) not reported before",
                label=f"audit {today}",
                snapshot=snapshot,
                schema=schema,
                assignee_id=settings.programme.staff_employee_id,
                marks=tuple(sorted(new)),
            )
        )
        return plan

    def apply(self, plan: Plan, ctx: ApplyContext) -> tuple[list[Outcome], list[Problem]]:
        return apply_changes(plan.changes, ctx)
