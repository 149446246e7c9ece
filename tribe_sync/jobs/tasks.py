"""Turning a task template into a planned create, and finding who a task for an organisation is for."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from string import Template

from tribe_sync.config import TaskTemplate
from tribe_sync.domain.parties import ContactPerson
from tribe_sync.domain.requests import Request
from tribe_sync.jobs.plan import CreateTask, Step
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["MAX_LISTED", "Contacts", "listing", "task_change"]

MAX_LISTED = 60  # lines of a list in a task body; the rest is counted, not shown


def task_change(
    *,
    key: str,
    step: Step,
    template: TaskTemplate,
    values: Mapping[str, object],
    today: dt.date,
    due: dt.date,
    reason: str,
    label: str,
    snapshot: Snapshot,
    schema: TenantSchema,
    organisation_id: str | None = None,
    contact_id: str | None = None,
    assignee_id: str | None = None,
    marks: tuple[str, ...] = (),
) -> CreateTask:
    text = {name: str(value) for name, value in values.items()}
    return CreateTask(
        key=key,
        step=step,
        reason=reason,
        label=label,
        subject=Template(template.subject).substitute(text),
        body=Template(template.body).substitute(text),
        start=today,
        due=due,
        organisation_id=organisation_id,
        contact_id=contact_id,
        assignee_id=assignee_id,
        phase_id=snapshot.task_phase_ids.get(schema.tenant.task_phases.open),
        marks=marks,
    )


def listing(lines: list[str]) -> str:
    shown = lines[:MAX_LISTED]
    more = len(lines) - len(shown)
    return "\n".join(f"- {line}" for line in shown) + (f"\n- ... en {more} meer" if more else "")


class Contacts:
    """Who a task about an organisation goes to: the contact person of its most recent request,
    else its first contact. Built once per plan, so each look-up is a dictionary read."""

    def __init__(self, snapshot: Snapshot) -> None:
        self._latest: dict[str, Request] = {}
        for request in snapshot.requests:
            current = self._latest.get(request.organisation_id)
            if request.contact_id in snapshot.contacts and (
                current is None or request.queue_key > current.queue_key
            ):
                self._latest[request.organisation_id] = request
        self._by_relation: dict[str, ContactPerson] = {}
        for contact in sorted(snapshot.contacts.values(), key=lambda c: c.id):
            if contact.organisation_id:
                self._by_relation.setdefault(contact.organisation_id, contact)
        self._snapshot = snapshot

    def for_organisation(self, organisation_id: str) -> ContactPerson | None:
        latest = self._latest.get(organisation_id)
        if latest is not None and latest.contact_id is not None:
            return self._snapshot.contacts[latest.contact_id]
        organisation = self._snapshot.organisations.get(organisation_id)
        return self._by_relation.get(organisation.organisation_id or "") if organisation else None
