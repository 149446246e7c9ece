"""`tribe-sync jobs plan|apply`, `tribe-sync plans …` and `tribe-sync runs …`: saved plans, their
approval, and the run history. Thin shims over `tribe_sync.plans.service` (which the console uses too).

Exit codes: 0 done, 1 a change failed, 2 usage (no such plan, four eyes, already decided), 3 a plan
was refused (stale, edited, expired or rejected): nothing was written.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import getpass
import json
from pathlib import Path
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.jobs import show
from tribe_sync.cli.options import parse_day, parse_job, parse_planning_day, parse_run_name
from tribe_sync.cli.output import emit_json, table
from tribe_sync.cli.wording import (
    actor_words,
    change_words,
    day_words,
    entity_words,
    held_reason_words,
    held_words,
    job_words,
    local_moment,
    outcome_words,
    plan_status_words,
    reason_words,
    run_notes,
    step_words,
    trigger_words,
)
from tribe_sync.console.labels import HELD, UNCAPPED, UNCAPPED_WHY, is_uncapped, job_label
from tribe_sync.console.plan_words import difference_lines, refused_words
from tribe_sync.errors import PlanError, PlanRefused
from tribe_sync.jobs.executor import Report
from tribe_sync.jobs.plan import problem_from_json
from tribe_sync.peoplefiles import write_private_file
from tribe_sync.plans import service
from tribe_sync.plans.document import PlanFormatError, created_at, read_document
from tribe_sync.store.plans import PlanRow, PlanStatus, Trigger

plans = typer.Typer(
    help="Saved plans waiting for approval: list, show, approve, reject.", no_args_is_help=True
)
runs = typer.Typer(help="The run history: every run, what started it, what it changed.", no_args_is_help=True)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]
Who = Annotated[
    str | None, typer.Option("--by", help="Who does this (kept with the plan); default: your login.")
]
Decider = Annotated[
    str | None,
    typer.Option(
        "--by",
        help="Who decides (kept with the plan); default: your login. Once the console has accounts, a "
        "user with role approver or admin (`tribe-sync users list`).",
    ),
]
AllowFuture = Annotated[bool, typer.Option("--allow-future", help="Apply a plan for a day after today.")]
PlanId = Annotated[int, typer.Argument(help="The plan's number (see `plans list`).")]
REFUSED = 3


def actor(by: str | None) -> str:
    return by or getpass.getuser()


# -- jobs plan / jobs apply --------------------------------------------------------------------


def jobs_plan(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The job, e.g. progress-statuses (see `jobs list`).")],
    today: Annotated[
        str | None, typer.Option(help="The day to plan as of (YYYY-MM-DD); default today.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Save the plan to this file (JSON).")] = None,
    submit: Annotated[bool, typer.Option("--submit", help="Store it for approval (`plans list`).")] = False,
    by: Who = None,
    as_json: Json = False,
) -> None:
    """Plan a job and show it; write nothing to the CRM. --out saves it, --submit stores it for approval."""
    job = parse_job(name)
    context = app_context(ctx)
    who = actor(by)
    with Services(context.settings) as services:
        planned = service.make_plan(job, services, parse_planning_day(today, services.today()), by=who)
        if out is not None:
            _save(out, planned.document)
        empty = not planned.plan.changes
        row = service.submit(services, planned, by=who)[0] if submit and not empty else None
    if submit and empty:
        context.err.print(
            "niets goed te keuren: het plan verandert niets, dus het is niet ingediend", highlight=False
        )
    if as_json:
        emit_json({**planned.document, "plan_id": row.id if row else None})
        return
    show(context, Report.planned(planned.plan))
    if out is not None:
        context.err.print(
            f"plan bewaard in {out}; voer het uit met `tribe-sync jobs apply {out}`", highlight=False
        )
    if submit and empty:
        context.err.print(
            "niets goed te keuren: het plan verandert niets, dus het is niet ingediend", highlight=False
        )
    if row is not None:
        context.err.print(
            f"plan {row.id} wacht op goedkeuring: `tribe-sync plans approve {row.id}` (door een ander)",
            highlight=False,
        )


def jobs_apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A plan saved by `jobs plan --out`.")],
    allow_future: AllowFuture = False,
    by: Who = None,
    as_json: Json = False,
) -> None:
    """Apply a saved plan exactly as it was, or nothing: exit 3 if the CRM moved on, the file was
    edited or the plan expired, showing per record what differs."""
    context = app_context(ctx)
    try:
        document = read_document(file.read_text(encoding="utf-8"))
    except OSError as exc:
        raise typer.BadParameter(f"cannot read {file}: {exc.strerror}", param_hint="FILE") from None
    except PlanFormatError as exc:
        raise typer.BadParameter(f"{file}: {exc}", param_hint="FILE") from None
    with Services(context.settings) as services:
        try:
            applied = service.apply_document(
                services, document, by=actor(by), trigger=Trigger.STAFF, allow_future=allow_future
            )
        except PlanRefused as refused:
            _refused(context, refused, document, as_json)
    _applied(context, applied, document, as_json, later=f"tribe-sync jobs apply {file} --allow-future")


# -- plans ... ---------------------------------------------------------------------------------


@plans.command("list")
def list_plans(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="Only plans in this status: " + ", ".join(PlanStatus) + ".")
    ] = None,
    as_json: Json = False,
) -> None:
    """Every stored plan, newest first: job, day, status, who submitted and who decided."""
    wanted = _status(status)
    context = app_context(ctx)
    with Services(context.settings) as services:
        rows = service.plan_store(services).rows(status=wanted)
        as_of = services.clock()
    if as_json:
        emit_json({"plans": [r.as_dict() for r in rows], "problems": [], "as_of": as_of.isoformat()})
        return
    tz = _zone(context)
    table(
        context,
        f"Plannen ({len(rows)})",
        ["nr", "taak", "dag", "status", "wijzigingen", "ingediend", "besloten", "toelichting"],
        [
            (
                r.id,
                job_words(r.job),
                day_words(r.today),
                plan_status_words(r.status.value),
                r.changes,
                f"{r.submitted_by}, {local_moment(r.submitted_at, tz)}",
                f"{r.decided_by}, {local_moment(r.decided_at, tz)}" if r.decided_at else "",
                r.note or "",
            )
            for r in rows
        ],
    )


@plans.command("show")
def show_plan(ctx: typer.Context, plan_id: PlanId, as_json: Json = False) -> None:
    """One plan: every change it would make, and its approval so far."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        row = service.plan_store(services).get(plan_id)
    if as_json:
        emit_json(row.as_dict(document=True))
        return
    document = row.document
    changes = [c for c in document.get("changes", []) if isinstance(c, dict)]
    table(
        context,
        f"Plan {row.id}: {job_words(row.job)} voor {day_words(row.today)} "
        f"({plan_status_words(row.status.value)}, {len(changes)} wijzigingen)",
        ["stap", "betreft", "wijziging", "waarom"],
        [
            (step_words(c.get("step")), c.get("label"), c.get("describe"), reason_words(c.get("reason")))
            for c in changes
        ],
    )
    notices = [n for n in document.get("held", []) if isinstance(n, dict)]
    # As `jobs run` and `runs show` list them: an organisation allocated without a cap was not held.
    uncapped = [n for n in notices if is_uncapped(str(n.get("code")), str(n.get("message", "")))]
    held = [n for n in notices if n not in uncapped]
    if held:
        table(
            context,
            f"{HELD} ({len(held)})",
            ["stap", "betreft", "reden", "toelichting"],
            [
                (
                    step_words(n.get("step")),
                    n.get("label"),
                    held_reason_words(str(n.get("code"))),
                    held_words(str(n.get("code")), str(n.get("message", ""))),
                )
                for n in held
            ],
        )
    if uncapped:
        table(
            context,
            f"{UNCAPPED} ({len(uncapped)})",
            ["organisatie", "toelichting"],
            [(n.get("label"), UNCAPPED_WHY) for n in uncapped],
        )
    found = [problem_from_json(p) for p in document.get("problems", []) if isinstance(p, dict)]
    if found:
        table(
            context,
            f"Problemen ({len(found)})",
            ["betreft", "wat is er mis", "code"],
            [(p.label or entity_words(p.entity), p.message_nl, p.code) for p in found],
        )
    _decision(context, row)


@plans.command("approve")
def approve(
    ctx: typer.Context,
    plan_id: PlanId,
    by: Decider = None,
    note: Annotated[str | None, typer.Option(help="Why, or anything to remember.")] = None,
    apply: Annotated[bool, typer.Option("--apply", help="Apply it at once (re-checked first).")] = False,
    allow_future: Annotated[
        bool, typer.Option("--allow-future", help="With --apply: apply a plan for a day after today too.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Approve a pending plan (four eyes: not the one who submitted it); --apply applies it now."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        try:
            row = service.approve(services, plan_id, by=actor(by), note=note)
        except PlanRefused as refused:  # too old to approve: expired
            _refused(context, refused, service.plan_store(services).get(plan_id).document, as_json)
        if not apply:
            if as_json:
                emit_json(row.as_dict())
            else:
                context.err.print(
                    f"plan {row.id} goedgekeurd door {row.decided_by}; het wordt uitgevoerd bij de volgende "
                    f"run van {job_label(row.job)}, of nu met `tribe-sync plans apply {row.id}`",
                    highlight=False,
                )
            return
        try:
            applied = service.apply_approved(services, plan_id, allow_future=allow_future)
        except PlanRefused as refused:
            _refused(context, refused, row.document, as_json)
    _applied(context, applied, row.document, as_json, later=_apply_later(plan_id))


@plans.command("apply")
def apply_plan(
    ctx: typer.Context,
    plan_id: PlanId,
    allow_future: AllowFuture = False,
    as_json: Json = False,
) -> None:
    """Apply an approved plan now, re-checked as `jobs apply` does."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        row = service.plan_store(services).get(plan_id)
        try:
            applied = service.apply_approved(
                services, plan_id, trigger=Trigger.APPROVED_PLAN, allow_future=allow_future
            )
        except PlanRefused as refused:
            _refused(context, refused, row.document, as_json)
    _applied(context, applied, row.document, as_json, later=_apply_later(plan_id))


@plans.command("reject")
def reject(
    ctx: typer.Context,
    plan_id: PlanId,
    reason: Annotated[str, typer.Option(help="Why it must not be applied.")],
    by: Decider = None,
    as_json: Json = False,
) -> None:
    """Reject a pending or approved plan; it will never be applied."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        row = service.reject(services, plan_id, by=actor(by), reason=reason)
    if as_json:
        emit_json(row.as_dict())
    else:
        context.err.print(f"plan {row.id} afgewezen door {row.decided_by}: {row.note}", highlight=False)


# -- runs ... ----------------------------------------------------------------------------------


@runs.command("list")
def list_runs(
    ctx: typer.Context,
    job: Annotated[str | None, typer.Option(help="Only this job's runs.")] = None,
    since: Annotated[
        str | None, typer.Option(help="Only runs started on or after this day (YYYY-MM-DD).")
    ] = None,
    limit: Annotated[int, typer.Option(min=1, help="At most this many, newest first.")] = 100,
    as_json: Json = False,
) -> None:
    """The latest runs: job, day, what started it, outcome and counts."""
    job = parse_run_name(job)
    context = app_context(ctx)
    with Services(context.settings) as services:
        start = _since(since, services)
        found = services.journal.runs(job, limit, since=start)
        as_of = services.clock()
    if as_json:
        emit_json({"runs": [_run_json(r) for r in found], "problems": [], "as_of": as_of.isoformat()})
        return
    tz = _zone(context)
    table(
        context,
        f"Runs ({len(found)})",
        ["nr", "taak", "dag", "gestart door", "uitkomst", "begonnen", "wijzigingen", "problemen", "plan"],
        [
            (
                r["id"],
                job_words(r["job"]),
                day_words(r["today"]),
                trigger_words(r["trigger"]),
                outcome_words(r["outcome"]),
                local_moment(r["started_at"], tz),
                _count(r["counts"], "changes"),
                _count(r["counts"], "problems"),
                r["plan_id"] or "",
            )
            for r in found
        ],
    )


@runs.command("show")
def show_run(
    ctx: typer.Context,
    run_id: Annotated[int, typer.Argument(help="The run's number.")],
    as_json: Json = False,
) -> None:
    """One run: what started it, its outcome, every change it made, and who approved its plan."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        run = services.journal.run(run_id)
        if run is None:
            raise PlanError(f"er is geen run {run_id}; `tribe-sync runs list` toont ze")
        trail = services.journal.audit_trail(run_id=run_id)
        row = service.plan_store(services).get(run["plan_id"]) if run["plan_id"] else None
    document = {
        **_run_json(run),
        "changes": [
            {
                "key": a["key"],
                "label": a.get("label"),
                "entity_set": a["entity_set"],
                "target_id": a["target_id"],
                "before": a["before"],
                "after": a["after"],
                "reason": a["reason"],
                "reason_nl": reason_words(a["reason"]),
                "actor": a["actor"],
                "at": a["at"].isoformat() if a["at"] else None,
            }
            for a in trail
        ],
        "plan": row.as_dict() if row else None,
        # What the run found and held back, by code and name; null for a run from before revision 0009.
        "notes": run.get("notes"),
    }
    if as_json:
        emit_json(document)
        return
    table(
        context,
        f"Run {run['id']}: {job_words(run['job'])} voor {day_words(run['today'])} "
        f"({outcome_words(run['outcome'])}, {trigger_words(run['trigger'])})",
        ["betreft", "wijziging", "waarom", "door"],
        [
            (
                c["label"] or "",
                change_words(c["before"], c["after"], c["entity_set"]),
                c["reason_nl"],
                actor_words(c["actor"]),
            )
            for c in document["changes"]
        ],
    )
    if run.get("error"):
        context.err.print(f"error: {run['error']}", highlight=False)
    _notes(context, run.get("notes"))
    if row is not None:
        _decision(context, row)


def _notes(context: AppContext, notes: Any) -> None:
    """A run's problems and held requests by name, in Dutch (see console.pages.run_notes)."""
    shown = run_notes(notes)
    if not shown["notes_kept"]:
        return
    if shown["problems"]:
        table(
            context,
            "Problemen",
            ["betreft", "probleem"],
            [(p["label"], p["title"]) for p in shown["problems"]],
        )
    if shown["held"]:
        held = [(h["label"], h["why"]) for h in shown["held"]]
        table(context, HELD, ["betreft", "waarom"], held)
    if shown["uncapped"]:
        table(context, UNCAPPED, ["organisatie"], [(u["label"],) for u in shown["uncapped"]])


# -- helpers -----------------------------------------------------------------------------------


def _zone(context: AppContext) -> ZoneInfo:
    """The programme's time zone: staff read local times."""
    return ZoneInfo(context.settings.programme.timezone)


def _save(path: Path, document: dict[str, Any]) -> None:
    """A plan holds task texts with contact names: it is written like every other file for people."""
    try:
        write_private_file(path, json.dumps(document, ensure_ascii=False, indent=2) + "\n")
    except OSError as exc:
        raise typer.BadParameter(f"cannot write {path}: {exc.strerror}", param_hint="--out") from None


# Why a plan was refused, in a word: the plan's status it now has (verouderd, verlopen, afgewezen);
# an edited file is no status of a stored plan.
_REFUSED_WHY = {"edited": "gewijzigd"}


def _refused(context: AppContext, refused: PlanRefused, document: dict[str, Any], as_json: bool) -> NoReturn:
    """A plan refused (stale, edited, expired, rejected): in Dutch, as the console says it, with what
    moved in Tribe per record (exit 3). `--json` keeps `message` and `difference` (the operator's
    English) and has the same in Dutch beside them."""
    message, lines = _refused_words(context, refused, document)
    if as_json:
        emit_json(
            {
                "job": document.get("job"),
                "today": document.get("today"),
                "refused": refused.why,
                "message": str(refused),
                "difference": list(refused.lines),
                "message_nl": message,
                "difference_nl": lines,
                "changes": [],
            }
        )
    else:
        word = _REFUSED_WHY.get(refused.why) or plan_status_words(refused.why)
        context.err.print(Text.assemble((f"geweigerd ({word}): ", "red"), message))
        for line in lines:
            context.err.print(f"  {line}", highlight=False, markup=False)
    raise typer.Exit(REFUSED)


def _refused_words(
    context: AppContext, refused: PlanRefused, document: dict[str, Any]
) -> tuple[str, list[str]]:
    """The refusal's sentence and what moved, in Dutch (the console's words, `console.plan_words`).
    A rejected plan is said as the plans' service says it: who rejected it, and why."""
    if refused.why == "rejected":
        return str(refused), []
    job = str(document.get("job") or "")
    said = refused_words(refused.why, max_age_hours=context.settings.approval.max_age_hours)
    if refused.why == "expired":
        with contextlib.suppress(KeyError, ValueError):
            said += f" Het is gemaakt op {local_moment(created_at(document), _zone(context))}."
    lines = difference_lines(refused.difference, _zone(context)) if refused.difference is not None else []
    return (
        f"{job_words(job)} voor {day_words(document.get('today'))}: {said} "
        f"Maak een nieuw plan met `tribe-sync jobs plan {job}`.",
        lines,
    )


def _apply_later(plan_id: int) -> str:
    """The command that applies an approved plan for a later day (approving it again cannot)."""
    return f"tribe-sync plans apply {plan_id} --allow-future"


def _applied(
    context: AppContext, applied: service.Applied, document: dict[str, Any], as_json: bool, *, later: str
) -> None:
    """The report of what was applied, or why nothing was: applied before, or a plan for a later day
    that was only checked (`later` is the command that applies it)."""
    if applied.report is not None:
        if as_json:
            emit_json(
                {**applied.report.as_json(), "plan_id": applied.plan_id, "run_id": applied.report.run_id}
            )
        else:
            show(context, applied.report)
        raise typer.Exit(applied.exit_code())
    message = (
        f"plan {applied.plan_id} is al eerder uitgevoerd; er is niets geschreven"
        if applied.already
        else f"het plan is voor {day_words(document.get('today'))}, na vandaag: gecontroleerd, nog actueel, "
        f"niet uitgevoerd; voer het uit met `{later}`"
    )
    if as_json:
        emit_json(
            {
                "job": document.get("job"),
                "today": document.get("today"),
                "dry_run": True,
                "plan_id": applied.plan_id,
                "already_applied": applied.already,
                "changes": [],
                "message": message,
            }
        )
    else:
        context.err.print(message, highlight=False)


def _decision(context: AppContext, row: PlanRow) -> None:
    tz = _zone(context)
    line = f"ingediend door {row.submitted_by} op {local_moment(row.submitted_at, tz)}"
    if row.decided_by:
        verb = "afgewezen" if row.status is PlanStatus.REJECTED else "goedgekeurd"
        line += f"; {verb} door {row.decided_by} op {local_moment(row.decided_at, tz)}"
    if row.note:
        line += f" ({row.note})"
    if row.run_id:
        line += f"; uitgevoerd in run {row.run_id}"
    context.err.print(line, highlight=False)


def _status(value: str | None) -> PlanStatus | None:
    if value is None:
        return None
    try:
        return PlanStatus(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is geen stand van een plan; kies uit {', '.join(PlanStatus)}", param_hint="--status"
        ) from None


def _since(value: str | None, services: Services) -> dt.datetime | None:
    if value is None:
        return None
    day = parse_day(value, services.today(), "--since")
    return dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)


def _run_json(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": run["id"],
        "job": run["job"],
        "today": run["today"].isoformat(),
        "trigger": run["trigger"],
        "outcome": run["outcome"],
        "started_at": run["started_at"].isoformat() if run["started_at"] else None,
        "finished_at": run["finished_at"].isoformat() if run["finished_at"] else None,
        "counts": run["counts"],
        "error": run["error"],
        "plan_id": run["plan_id"],
    }


def _count(counts: Any, name: str) -> int | str:
    return counts.get(name, "") if isinstance(counts, dict) else ""
