"""Every change key, made here and nowhere else.

A key names *what should be true*, never *which run made it so*: the same decision taken on another
day or by another process gets the same key, which is how a rerun recognises work already done (the
journal holds the key; a task carries it in its `ImportId`). Keys are stable across releases: a
changed format would make every task of the quarter look new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable

from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.reminders import Stage
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "ACCOUNTABILITY_PREFIX",
    "AUDIT_PREFIX",
    "FORECAST_PREFIX",
    "HANDOFF_PREFIX",
    "LATE_PREFIX",
    "NOTIFY_PREFIX",
    "REPORTED_PREFIX",
    "TASK_PREFIXES",
    "accountability_reminder",
    "audit_task",
    "confirmation",
    "forecast_reminder",
    "handoff_batch",
    "handoff_row",
    "late_forecasts_task",
    "month_close",
    "month_create",
    "month_staff",
    "notify_delivery_date",
    "reported_problem",
    "status",
]

NOTIFY_PREFIX = "notify/delivery-date/"
ACCOUNTABILITY_PREFIX = "reminder/accountability/"
FORECAST_PREFIX = "reminder/forecast/"
LATE_PREFIX = "staff/forecast-late/"
AUDIT_PREFIX = "staff/audit/"
REPORTED_PREFIX = "audit-problem/"
HANDOFF_PREFIX = "handoff/"

# The tasks the jobs create, by key prefix: the read model keeps these. The union of the jobs' own
# `task_prefixes` (a test keeps them equal), here so that a staff list need not import the jobs.
TASK_PREFIXES = frozenset({NOTIFY_PREFIX, ACCOUNTABILITY_PREFIX, FORECAST_PREFIX, LATE_PREFIX, AUDIT_PREFIX})


def status(request_id: str, to: RequestStatus) -> str:
    return f"status/{request_id}/{to.name}"


def handoff_row(request_id: str) -> str:
    """One request handed off: the journal's guard against a second file row for it."""
    return f"{HANDOFF_PREFIX}{request_id}"


def handoff_batch(processor_id: str, today: dt.date) -> str:
    return f"handoff-batch/{processor_id}/{today.isoformat()}"


def notify_delivery_date(request_id: str) -> str:
    return f"{NOTIFY_PREFIX}{request_id}"


def confirmation(request_id: str, confirmed_on: dt.date) -> str:
    return f"confirmation/{request_id}/{confirmed_on.isoformat()}"


def month_create(month: Month) -> str:
    return f"month/create/{month.code}"


def month_close(month: Month) -> str:
    return f"month/close/{month.code}"


def month_staff(month: Month, *, open_: bool) -> str:
    return f"month/{'open' if open_ else 'close'}/{month.code}/staff"


def accountability_reminder(quarter: Quarter, stage: Stage, organisation_id: str) -> str:
    return f"{ACCOUNTABILITY_PREFIX}{quarter}/{stage.value}/{organisation_id}"


def forecast_reminder(quarter: Quarter, organisation_id: str) -> str:
    return f"{FORECAST_PREFIX}{quarter}/{organisation_id}"


def late_forecasts_task(quarter: Quarter) -> str:
    return f"{LATE_PREFIX}{quarter}"


def reported_problem(found: Problem) -> str:
    """A problem the audit told staff about once; an unchanged problem keeps its key."""
    digest = hashlib.sha256(found.message.encode()).hexdigest()[:10]
    return f"{REPORTED_PREFIX}{found.code}/{found.entity}/{found.record_id or '-'}/{digest}"


def audit_task(today: dt.date, reported: Iterable[str]) -> str:
    fingerprint = hashlib.sha256("\n".join(sorted(reported)).encode()).hexdigest()[:12]
    return f"{AUDIT_PREFIX}{today.isoformat()}/{fingerprint}"
