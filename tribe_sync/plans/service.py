"""Saved plans, approvals and applying exactly what was approved: plain functions for the CLI, the
daemon and the console alike.

`make_plan` reads the CRM and plans (writing nothing); `apply_document` re-reads, re-plans as of the
plan's day and applies through the one executor only if the fresh plan's changes equal the saved
ones; otherwise it raises `PlanRefused` with the difference per record. `approve`, `reject` and
`apply_approved` move a stored plan through its statuses; `park` is what the daemon does for a job
under approval.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from string import Template
from typing import Any

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.errors import ConfigError, LockHeldError, PlanError, PlanRefused
from tribe_sync.jobs.executor import Job, Report
from tribe_sync.jobs.plan import Change, Plan, SetTask, Step, plan_from_json, plan_to_json
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.jobs.tasks import task_change
from tribe_sync.plans.document import (
    Difference,
    build_document,
    changes_digest,
    compare,
    created_at,
)
from tribe_sync.plans.records import record_digest
from tribe_sync.plans.status_words import plan_status_words
from tribe_sync.store.plans import PlanRow, PlanSource, PlanStatus, PlanStore, Trigger
from tribe_sync.store.users import Role, UserStore

__all__ = [
    "APPROVAL_TASK_PREFIX",
    "Applied",
    "Parked",
    "Planned",
    "apply_approved",
    "apply_document",
    "approval_jobs",
    "approve",
    "check",
    "close_waiting_task",
    "decider",
    "make_plan",
    "park",
    "plan_store",
    "reject",
    "submit",
]

log = logging.getLogger("tribe_sync.plans")

APPROVAL_TASK_PREFIX = "approval/"
NOTICE_JOB = "approval-notice"  # the journal's name for runs that only create the waiting task


@dataclass
class Planned:
    """A fresh plan: the document to save or compare, and the typed plan and snapshot to apply."""

    job: Job
    document: dict[str, Any]
    plan: Plan
    snapshot: Snapshot

    @property
    def digest(self) -> str:
        return changes_digest(self.document["changes"])


@dataclass
class Applied:
    """What applying a plan came to: a run's report, or nothing written (and why)."""

    report: Report | None
    plan_id: int | None = None
    already: bool = False  # applied before: nothing written
    only_checked: bool = False  # a later day without --allow-future: checked, not applied
    skipped_keys: tuple[str, ...] = ()  # done by an earlier, interrupted apply of this plan

    def exit_code(self, *, strict: bool = False) -> int:
        return self.report.exit_code(strict=strict) if self.report is not None else 0


@dataclass
class Parked:
    """One tick of a job under approval."""

    applied: list[Applied] = field(default_factory=list)
    refused: list[PlanRefused] = field(default_factory=list)
    pending: PlanRow | None = None
    new: bool = False
    report: Report | None = None  # an empty plan runs at once: nothing to approve


def plan_store(services: Services) -> PlanStore:
    return PlanStore(services.journal.engine)


def approval_jobs(settings: Settings) -> frozenset[str]:
    """`approval.jobs`, checked against the job names."""
    unknown = sorted(set(settings.approval.jobs) - set(JOBS))
    if unknown:
        raise ConfigError(
            f"approval.jobs: unknown job(s) {', '.join(unknown)}; the jobs are: {', '.join(JOBS)}"
        )
    return frozenset(settings.approval.jobs)


def job_named(name: str) -> Job:
    job = JOBS.get(name)
    if job is None:
        raise PlanError(
            f"the plan is for job {name!r}, which does not exist; the jobs are: {', '.join(JOBS)}"
        )
    return job


# -- planning and checking ---------------------------------------------------------------------


def make_plan(job: Job, services: Services, today: dt.date, *, by: str | None = None) -> Planned:
    """Read the CRM and plan as of `today`; write nothing anywhere."""
    snapshot, plan = services.executor(dry_run=True).read_and_plan(job, today, digest=True)
    document = build_document(
        job=job.name,
        today=today,
        created_at=services.clock(),
        settings=shaping_settings(services.settings),
        plan=plan_json(plan),
        records=record_digest(snapshot),
        created_by=by,
    )
    return Planned(job, document, plan, snapshot)


def shaping_settings(settings: Settings) -> dict[str, Any]:
    """The settings a plan depends on: the programme's decisions and the task texts."""
    return {
        "programme": settings.programme.model_dump(mode="json"),
        "templates": settings.templates.model_dump(mode="json"),
    }


def check(
    services: Services, document: Mapping[str, Any], *, done: frozenset[str] = frozenset()
) -> tuple[Planned, Difference]:
    """Re-read and re-plan as of the plan's day; the difference says why the saved plan is stale.
    `done`: change keys an earlier, interrupted apply of this very plan carried out already."""
    job = job_named(str(document["job"]))
    fresh = make_plan(job, services, dt.date.fromisoformat(str(document["today"])))
    saved, now = dict(document), dict(fresh.document)
    if done:  # part of this very plan, carried out already: the executor converges on them
        saved["changes"] = _without(document["changes"], done)
        now["changes"] = _without(fresh.document["changes"], done)
    difference = compare(saved, now)
    if done:  # the filtered copy no longer matches its checksum; the original's decides
        difference = dataclasses.replace(difference, edited=compare(document, document).edited)
    return fresh, difference


def _stored_approval(services: Services, job: Job, today: dt.date, digest: str) -> PlanRow | None:
    """A file whose plan was submitted is applied only as approved; a job under approval only ever so."""
    same = [r for r in plan_store(services).open_for(job.name, today) if r.digest == digest]
    approved = [r for r in same if r.status is PlanStatus.APPROVED]
    if approved:
        return approved[0]
    if same:
        raise PlanError(
            f"dit plan is plan {same[0].id}, dat op goedkeuring wacht: eerst "
            f"`tribe-sync plans approve {same[0].id}` (door een ander)"
        )
    if job.name in approval_jobs(services.settings):
        raise PlanError(
            f"{job.name} is under approval (approval.jobs): submit the plan with `tribe-sync jobs plan "
            f"{job.name} --submit` and have it approved"
        )
    return None


def _without(changes: Any, keys: frozenset[str]) -> list[Any]:
    return [c for c in changes if not (isinstance(c, dict) and c.get("key") in keys)]


def _expired(services: Services, document: Mapping[str, Any]) -> bool:
    age = services.clock() - created_at(document)
    return age > dt.timedelta(hours=services.settings.approval.max_age_hours)


def apply_document(
    services: Services,
    document: Mapping[str, Any],
    *,
    by: str,
    trigger: Trigger = Trigger.STAFF,
    row: PlanRow | None = None,
    allow_future: bool = False,
) -> Applied:
    """Apply a saved plan exactly as it was, or nothing: refused (PlanRefused) when expired, edited
    or stale. A plan applied before writes nothing."""
    store = plan_store(services)
    job = job_named(str(document["job"]))
    today = dt.date.fromisoformat(str(document["today"]))
    digest = changes_digest(document["changes"])
    if row is None:
        # Applied before: this very plan, by its own checksum. Another plan with the same changes (made
        # later, by someone else) is not waved through as done: it is checked like any other.
        before = [
            r
            for r in store.rows(status=PlanStatus.APPLIED, job=job.name)
            if r.digest == digest
            and r.today == today
            and r.document.get("checksum") == document.get("checksum")
        ]
        if before:
            return Applied(None, before[0].id, already=True)
        row = _stored_approval(services, job, today, digest)
    elif row.status is PlanStatus.APPLIED:
        return Applied(None, row.id, already=True)
    if _expired(services, document):
        if row is not None:
            store.move(
                row.id, (PlanStatus.PENDING, PlanStatus.APPROVED), PlanStatus.EXPIRED, at=services.clock()
            )
        hours = services.settings.approval.max_age_hours
        raise PlanRefused(
            f"the plan was made {created_at(document):%Y-%m-%d %H:%M} UTC, more than {hours:g} hours ago "
            "(approval.max_age_hours); make a new one with `tribe-sync jobs plan`",
            why="expired",
        )
    done = frozenset(services.journal.keys_of_plan(row.id)) if row is not None else frozenset()
    _, difference = check(services, document, done=done)
    if difference.edited or difference.stale:
        why = "edited" if difference.edited else "stale"
        if row is not None:
            store.move(
                row.id, (PlanStatus.PENDING, PlanStatus.APPROVED), PlanStatus.STALE, at=services.clock()
            )
        raise PlanRefused(
            f"plan for {job.name} on {today} refused, nothing written: "
            + (
                "the file was edited after it was made"
                if why == "edited"
                else "the CRM has moved on since it was made"
            ),
            why=why,
            lines=tuple(difference.lines()),
            difference=difference,
        )
    if today > services.today() and not allow_future:
        return Applied(None, row.id if row else None, only_checked=True)
    if row is None:
        row, _ = store.submit(
            document,
            digest,
            by=str(document.get("created_by") or by),
            source=PlanSource.STAFF,
            at=services.clock(),
        )
        store.move(
            row.id,
            (PlanStatus.PENDING,),
            PlanStatus.APPROVED,
            at=services.clock(),
            by=by,
            note="applied from a file",
        )
    # What was saved (and approved) is what is applied: it equals the fresh plan, or was refused above.
    report = services.executor().apply(
        plan_from_json(document),
        actor=f"staff:{by}",
        trigger=trigger.value,
        plan_id=row.id,
    )
    if report.run_id is not None:
        store.move(
            row.id, (PlanStatus.APPROVED,), PlanStatus.APPLIED, at=services.clock(), run_id=report.run_id
        )
        close_waiting_task(
            services, store.get(row.id), actor=f"staff:{by}", why=f"toegepast in run {report.run_id}"
        )
    return Applied(report, row.id, skipped_keys=tuple(sorted(done)))


# -- approvals ---------------------------------------------------------------------------------


def submit(
    services: Services, planned: Planned, *, by: str, source: PlanSource = PlanSource.STAFF
) -> tuple[PlanRow, bool]:
    """Store a fresh plan as pending; an identical open plan for the job and day is returned instead."""
    return plan_store(services).submit(
        planned.document, planned.digest, by=by, source=source, at=services.clock()
    )


def decider(services: Services, by: str, *, verb: str) -> str:
    """Who may make a staff decision (approve or reject a plan, close or reopen a month): once the
    console has accounts, only an account with role approver or admin, by its own name; before there
    are any, whoever is named (there is no one to check against). A free-text name would let anyone at
    the shell, or a viewer, decide in another's name. `verb` says what was asked ("een plan goed te
    keuren"), in the Dutch staff read.
    On the CLI the name is recorded, not authenticated: the operator's shell is trusted."""
    name = by.strip().lower()
    accounts = UserStore(services.journal, services.clock)
    if not accounts.all_users():
        return by.strip()
    user = accounts.get(name)
    hint = (
        f"om {verb} is --by NAAM nodig van een gebruiker van de console met de rol beslisser (approver) "
        "of beheerder (admin) (`tribe-sync users list` toont ze); er is niets veranderd"
    )
    if user is None:
        raise PlanError(f"{by.strip() or '(geen naam)'} is geen gebruiker van de console: {hint}")
    if not user.role.allows(Role.APPROVER):
        raise PlanError(f"{user.name} is {user.role.label} ({user.role.value}): {hint}")
    return user.name


def approve(services: Services, plan_id: int, *, by: str, note: str | None = None) -> PlanRow:
    """A person says yes. Four eyes: not the one who submitted it (for staff-submitted plans)."""
    by = decider(services, by, verb="een plan goed te keuren")
    store = plan_store(services)
    row = store.get(plan_id)
    if row.status is not PlanStatus.PENDING:
        raise PlanError(
            f"plan {plan_id} heeft de status “{plan_status_words(row.status)}”; alleen een plan dat wacht "
            "op goedkeuring kan worden goedgekeurd"
        )
    if (
        services.settings.approval.four_eyes
        and row.source is PlanSource.STAFF
        and by.strip().lower() == row.submitted_by.strip().lower()
    ):
        raise PlanError(
            f"plan {plan_id} is ingediend door {by}; met approval.four_eyes moet iemand anders het goedkeuren"
        )
    if _expired(services, row.document):
        store.move(plan_id, (PlanStatus.PENDING,), PlanStatus.EXPIRED, at=services.clock())
        hours = services.settings.approval.max_age_hours
        raise PlanRefused(
            f"plan {plan_id} is ouder dan {hours:g} uur (approval.max_age_hours) en daarom verlopen; "
            "er is niets goedgekeurd",
            why="expired",
        )
    if not store.move(
        plan_id, (PlanStatus.PENDING,), PlanStatus.APPROVED, at=services.clock(), by=by, note=note
    ):
        raise PlanError(f"over plan {plan_id} heeft intussen iemand anders beslist; er is niets veranderd")
    return store.get(plan_id)


def reject(services: Services, plan_id: int, *, by: str, reason: str) -> PlanRow:
    """A person says no: an approver, like approving (`decider`); the one who submitted it may."""
    by = decider(services, by, verb="een plan af te wijzen")
    store = plan_store(services)
    row = store.get(plan_id)
    if row.status not in (PlanStatus.PENDING, PlanStatus.APPROVED):
        raise PlanError(
            f"plan {plan_id} heeft de status “{plan_status_words(row.status)}”; alleen een plan dat wacht "
            "op goedkeuring of dat is goedgekeurd, kan worden afgewezen"
        )
    if not store.move(
        plan_id,
        (PlanStatus.PENDING, PlanStatus.APPROVED),
        PlanStatus.REJECTED,
        at=services.clock(),
        by=by,
        note=reason,
    ):
        raise PlanError(
            f"over plan {plan_id} is intussen beslist, of het is uitgevoerd; er is niets veranderd"
        )
    rejected = store.get(plan_id)
    close_waiting_task(services, rejected, actor=f"staff:{by}", why=f"afgewezen door {by}")
    return rejected


def apply_approved(
    services: Services, plan_id: int, *, trigger: Trigger = Trigger.APPROVED_PLAN, allow_future: bool = False
) -> Applied:
    """Apply an approved plan, re-checked as `jobs apply` does (stale or expired: refused and marked)."""
    row = plan_store(services).get(plan_id)
    if row.status is PlanStatus.APPLIED:
        return Applied(None, row.id, already=True)
    if row.status is PlanStatus.REJECTED:
        raise PlanRefused(f"plan {plan_id} is afgewezen door {row.decided_by}: {row.note}", why="rejected")
    if row.status is not PlanStatus.APPROVED:
        raise PlanError(
            f"plan {plan_id} heeft de status “{plan_status_words(row.status)}”; alleen een goedgekeurd "
            f"plan wordt uitgevoerd (`tribe-sync plans approve {plan_id}`, door een ander)"
        )
    return apply_document(
        services, row.document, by=row.decided_by or "?", trigger=trigger, row=row, allow_future=allow_future
    )


# -- the daemon under approval -----------------------------------------------------------------


def park(services: Services, job: Job, today: dt.date, *, trigger: Trigger = Trigger.SCHEDULE) -> Parked:
    """One tick of a job under approval: apply what was approved (re-checked; a stale plan is marked
    and replaced), else park the fresh plan as pending with one staff task, writing nothing else."""
    store = plan_store(services)
    tick = Parked()
    replaced: list[int] = []
    for row in store.open_for(job.name):
        if row.status is PlanStatus.APPROVED:
            try:
                tick.applied.append(apply_approved(services, row.id))
            except PlanRefused as refused:
                tick.refused.append(refused)
                replaced.append(row.id)
    if any(a.report is not None for a in tick.applied):
        return tick  # the next tick looks again, from what this one wrote
    fresh = make_plan(job, services, today, by="daemon")
    open_rows = store.open_for(job.name)
    if not fresh.plan.changes:
        for row in open_rows:  # nothing left to do: whatever waits is moot
            if store.move(row.id, (PlanStatus.PENDING,), PlanStatus.STALE, at=services.clock()):
                close_waiting_task(services, store.get(row.id), actor="daemon", why="niets meer te doen")
        tick.report = services.executor().apply(fresh.plan, actor=f"job:{job.name}", trigger=trigger.value)
        return tick
    row, tick.new = submit(services, fresh, by="daemon", source=PlanSource.DAEMON)
    tick.pending = row
    for other in open_rows:
        if other.id != row.id and other.status is PlanStatus.PENDING:
            store.move(
                other.id, (PlanStatus.PENDING,), PlanStatus.STALE, at=services.clock(), replaced_by=row.id
            )
    for stale_id in replaced:
        store.move(
            stale_id,
            (PlanStatus.STALE, PlanStatus.EXPIRED),
            PlanStatus.STALE,
            at=services.clock(),
            replaced_by=row.id,
        )
    if row.status is PlanStatus.PENDING and (tick.new or services.journal.state_of(_task_key(row)) is None):
        _notify(services, job, fresh, row, reopen=tick.new)
    return tick


def waiting_subject_what(job: str, today: dt.date) -> str:
    """What the staff task calls the plan: `Toekenning januari 2027` for the monthly allocation."""
    if job == "progress-statuses":
        return f"Toekenning {Month.of(today).label}"
    return f"Plan {job} van {today:%d-%m-%Y}"


def _task_key(row: PlanRow) -> str:
    return f"{APPROVAL_TASK_PREFIX}{row.job}/{row.today.isoformat()}"


def _notify(services: Services, job: Job, fresh: Planned, row: PlanRow, *, reopen: bool) -> None:
    """One staff task per job and day (stable `ImportId`), created through the executor; a new plan
    for a day whose task was marked done (an earlier plan applied or rejected) opens it again."""
    today = row.today
    change = task_change(
        key=_task_key(row),
        step=Step.APPROVAL,
        template=services.settings.templates.approval_waiting,
        values={
            "what": waiting_subject_what(job.name, today),
            "job": job.name,
            "date": today.strftime("%d-%m-%Y"),
            "plan_id": row.id,
            "count": row.changes,
        },
        today=services.today(),
        due=services.today(),
        reason=f"plan {row.id} wacht op goedkeuring",
        label=f"plan {row.id}",
        snapshot=fresh.snapshot,
        schema=services.schema,
        assignee_id=services.settings.programme.staff_employee_id,
    )
    changes: list[Change] = [change]
    if reopen:
        changes.append(_set_task(row, change.subject, done=False, why=f"plan {row.id} wacht op goedkeuring"))
    notice = Plan(NOTICE_JOB, today, (Step.APPROVAL,), changes=changes)
    services.executor().apply(notice, actor="daemon", trigger=Trigger.SCHEDULE.value)


def close_waiting_task(services: Services, row: PlanRow, *, actor: str, why: str) -> None:
    """Mark the task "… wacht op goedkeuring" for the plan's job and day done, through the executor,
    once nothing for that job and day waits any more (the plan was applied, rejected or is moot). Only
    a day the daemon parked a plan for has such a task; a live run holding the notice's claim leaves
    it open (logged), as a task left open is only a reminder too many."""
    key = _task_key(row)
    if services.journal.state_of(key) is None:
        return  # no task was ever made for this job and day
    if plan_store(services).open_for(row.job, row.today):
        return  # another plan for the day still waits: the task is about it too
    subject = Template(services.settings.templates.approval_waiting.subject).safe_substitute(
        what=waiting_subject_what(row.job, row.today), job=row.job, plan_id=row.id
    )
    notice = Plan(
        NOTICE_JOB, row.today, (Step.APPROVAL,), changes=[_set_task(row, subject, done=True, why=why)]
    )
    try:
        services.executor().apply(notice, actor=actor, trigger=Trigger.STAFF.value)
    except LockHeldError as exc:
        log.warning("the task for plan %d stays open: %s", row.id, exc)


def _set_task(row: PlanRow, subject: str, *, done: bool, why: str) -> SetTask:
    """The change that marks the job and day's approval task done (or open): one key per plan."""
    task = _task_key(row)
    return SetTask(
        key=f"{task}/{'done' if done else 'open'}/{row.id}",
        step=Step.APPROVAL,
        reason=f"plan {row.id}: {why}",
        label=f"plan {row.id}",
        import_id=task,
        subject=subject,
        done=done,
    )


# -- the plan as JSON ---------------------------------------------------------------------------


def plan_json(plan: Plan) -> dict[str, Any]:
    """The executor's own JSON of the plan (lossless), with the summary people read."""
    return {**plan_to_json(plan), "summary": Report.planned(plan).summary()}
