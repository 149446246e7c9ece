"""`accountability-reminders` and `forecast-reminders`: quarterly tasks for organisations and staff.

One task of each kind per organisation per quarter, however often the job runs: the key goes into the
task's `ImportId`, and a task with that `ImportId` in the CRM counts as done even if the journal is lost.
"""

from __future__ import annotations

import datetime as dt

from tribe_sync.config import Settings
from tribe_sync.domain.accountability import RequestStock
from tribe_sync.domain.calendar import Quarter, WorkingDays
from tribe_sync.domain.counts import counted
from tribe_sync.domain.reminders import Stage, accountability_due, forecast_reminders_due, late_forecasts
from tribe_sync.jobs import keys
from tribe_sync.jobs.keys import ACCOUNTABILITY_PREFIX, FORECAST_PREFIX, LATE_PREFIX
from tribe_sync.jobs.plan import Plan, Step, dutch_date
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.jobs.tasks import Contacts, listing, task_change
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["AccountabilityReminders", "ForecastReminders"]


def _day(day: dt.date) -> str:
    return day.strftime("%d-%m-%Y")


def _stock_line(stock: RequestStock) -> str:
    delivered = _day(stock.request.delivery_date) if stock.request.delivery_date else "?"
    return (
        f"{stock.request.number} (geleverd {delivered}): ontvangen {stock.received}, "
        f"uitgegeven {stock.handed_out}, op voorraad {stock.in_stock}"
    )


def _quarter(quarter: Quarter) -> str:
    return f"Q{quarter.number} {quarter.year}"


class AccountabilityReminders:
    name = "accountability-reminders"
    description = "Each quarter: ask organisations with stock to report, follow up, then tell staff."
    parts = frozenset({"organisations", "contacts", "requests", "reports"})
    task_prefixes = frozenset({ACCOUNTABILITY_PREFIX})
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        programme = settings.programme
        plan = Plan(
            self.name, today, tuple(Step(stage.value) for stage in Stage), problems=list(snapshot.problems)
        )
        days = WorkingDays(programme.holidays, frozenset(programme.extra_holidays))
        first = days.first_of_quarter(Quarter.of(today))
        contacts = Contacts(snapshot)
        templates = {
            Stage.FIRST: settings.templates.accountability_first,
            Stage.FOLLOWUP: settings.templates.accountability_followup,
            Stage.STAFF: settings.templates.accountability_staff,
        }
        due_dates = {
            Stage.FIRST: first + dt.timedelta(days=programme.accountability_followup_days),
            Stage.FOLLOWUP: first + dt.timedelta(days=programme.accountability_escalation_days),
            Stage.STAFF: first + dt.timedelta(days=programme.accountability_escalation_days + 7),
        }
        for due in accountability_due(
            today,
            days,
            snapshot.requests,
            snapshot.reports,
            followup_days=programme.accountability_followup_days,
            escalation_days=programme.accountability_escalation_days,
        ):
            key = keys.accountability_reminder(due.quarter, due.stage, due.organisation_id)
            if key in snapshot.tasks:
                continue
            organisation = snapshot.organisations.get(due.organisation_id)
            contact = contacts.for_organisation(due.organisation_id)
            lines = [_stock_line(s) for s in due.stocks]
            staff = due.stage is Stage.STAFF
            plan.changes.append(
                task_change(
                    key=key,
                    step=Step(due.stage.value),
                    template=templates[due.stage],
                    values={
                        "organisation": organisation.name if organisation else due.organisation_id,
                        "contact_name": contact.name if contact else "",
                        "quarter": _quarter(due.quarter),
                        "requests": listing(lines),
                        "in_stock": due.in_stock,
                        "due_date": _day(due_dates[due.stage]),
                        "first_working_day": _day(first),
                    },
                    today=today,
                    due=due_dates[due.stage],
                    reason=f"{due.in_stock} op voorraad van "
                    + counted(len(due.stocks), "geleverde aanvraag", "geleverde aanvragen")
                    + (
                        "; geen verantwoording sinds het begin van het kwartaal"
                        if due.stage is not Stage.FIRST
                        else ""
                    ),
                    label=organisation.name if organisation else due.organisation_id,
                    snapshot=snapshot,
                    schema=schema,
                    organisation_id=due.organisation_id,
                    contact_id=None if staff or not contact else contact.id,
                    assignee_id=programme.staff_employee_id if staff else None,
                )
            )
        return plan


class ForecastReminders:
    name = "forecast-reminders"
    description = "Before each forecast deadline remind organisations without one; tell staff of late ones."
    parts = frozenset({"organisations", "contacts", "requests", "forecasts"})
    task_prefixes = frozenset({FORECAST_PREFIX, LATE_PREFIX})
    journal_prefixes: frozenset[str] = frozenset()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        programme = settings.programme
        plan = Plan(self.name, today, (Step.REMINDER, Step.LATE), problems=list(snapshot.problems))
        contacts = Contacts(snapshot)
        approved = [o.id for o in snapshot.organisations.values() if o.approved]
        coming, missing = forecast_reminders_due(
            today,
            programme.forecast_reminder_days,
            approved,
            snapshot.forecasts,
            settings.tenant.default_product,
        )
        for organisation_id in missing:
            key = keys.forecast_reminder(coming, organisation_id)
            if key in snapshot.tasks:
                continue
            organisation = snapshot.organisations[organisation_id]
            contact = contacts.for_organisation(organisation_id)
            plan.changes.append(
                task_change(
                    key=key,
                    step=Step.REMINDER,
                    template=settings.templates.forecast_reminder,
                    values={
                        "organisation": organisation.name,
                        "contact_name": contact.name if contact else "",
                        "quarter": _quarter(coming),
                        "deadline": _day(coming.forecast_deadline),
                    },
                    today=today,
                    due=coming.forecast_deadline,
                    reason=f"nog geen prognose voor {coming.label}; "
                    f"de deadline is {dutch_date(coming.forecast_deadline)}",
                    label=organisation.name,
                    snapshot=snapshot,
                    schema=schema,
                    organisation_id=organisation_id,
                    contact_id=contact.id if contact else None,
                )
            )
        quarter, late = late_forecasts(today, snapshot.forecasts)
        key = keys.late_forecasts_task(quarter)
        if late and key not in snapshot.tasks:
            names = {o.id: o.name for o in snapshot.organisations.values()}
            lines = [
                f"{names.get(f.organisation_id, f.organisation_id)}: {f.quantity} {f.product_code.lower()}, "
                f"ingediend {_day(f.submitted_on)}"
                for f in late
            ]
            plan.changes.append(
                task_change(
                    key=key,
                    step=Step.LATE,
                    template=settings.templates.forecast_late_staff,
                    values={
                        "quarter": _quarter(quarter),
                        "deadline": _day(quarter.forecast_deadline),
                        "count": len(late),
                        "forecasts": listing(lines),
                    },
                    today=today,
                    due=today + dt.timedelta(days=7),
                    reason=counted(len(late), "prognose", "prognoses")
                    + f" voor {quarter.label} na de deadline "
                    f"({dutch_date(quarter.forecast_deadline)}) ingediend",
                    label=quarter.label,
                    snapshot=snapshot,
                    schema=schema,
                    assignee_id=programme.staff_employee_id,
                )
            )
        return plan
