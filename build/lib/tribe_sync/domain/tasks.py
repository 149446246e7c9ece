"""What a job wants a CRM task (activity) to be: reminders for organisations, tasks for staff."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

__all__ = ["TaskIntent"]


@dataclass(frozen=True)
class TaskIntent:
    """`key` is stable across runs (e.g. `reminder/accountability/2026-Q4/first/<org-id>`); it goes
    into the task's `ImportId`, which is how a second run knows the task exists already."""

    key: str
    subject: str
    body: str
    start: dt.date
    due: dt.date
    organisation_id: str | None = None
    contact_id: str | None = None
    assignee_id: str | None = None
