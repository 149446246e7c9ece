"""The console's pages and actions, each behind `Console.page` or `Console.action`."""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

from apscheduler.triggers.cron import CronTrigger

from tribe_sync.cli.wording import run_counts, run_notes
from tribe_sync.console.app import Console, Ctx, Page
from tribe_sync.console.audit_words import KIND_LABELS, TRIGGER_LABELS, actor_words, change_words, count_rows
from tribe_sync.console.labels import JOB_LABELS, job_label, outcome
from tribe_sync.console.paging import Pager
from tribe_sync.console.plans_pages import PLAN_STATUS, register_plans
from tribe_sync.console.processor_pages import register_processor
from tribe_sync.console.readmodel_pages import overview_facts, register_read_model
from tribe_sync.errors import PlanError
from tribe_sync.jobs.reasons import reason_words
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans.service import plan_store
from tribe_sync.store.crmcalls import CallLog, minute_of
from tribe_sync.store.plans import PlanSource, PlanStatus
from tribe_sync.store.users import Role

__all__ = ["register"]

RUNS_SHOWN = 200


# Tribe allows about 16 calls a second; a setting far above it (the demo's sandbox) is no budget.
NO_REAL_LIMIT_PER_S = 1000.0


def register(console: Console) -> None:
    register_processor(console)
    register_read_model(console)
    register_plans(console)
    journal = console.services.journal
    plans = plan_store(console.services)

    def run_row(row: dict[str, Any]) -> dict[str, Any]:
        label, tone = outcome(str(row["outcome"]))
        counts = row.get("counts") or {}
        return {
            **row,
            "job_label": job_label(str(row["job"])),
            "outcome_label": label,
            "tone": tone,
            "changes": counts.get("changes", counts.get("applied", 0)),
            "problems": counts.get("problems", 0),
            "counts": counts,
        }

    triggers = {
        name: CronTrigger.from_crontab(console.settings.schedule.cron(name), timezone=console.tz)
        for name in JOBS
    }

    def crm_budget() -> dict[str, Any]:
        """CRM calls in the last 60 minutes (every process on the store, and this one's calls not
        written yet) against the hour's budget."""
        now = console.services.clock()
        used = CallLog(journal.engine).last_hour(now)
        calls, refused = used.calls, used.rate_limited
        if "crm_calls" in console.services.__dict__:  # counted here, written within seconds
            since = minute_of(now) - dt.timedelta(minutes=59)
            for minute, counts in console.services.crm_calls.pending().items():
                if minute >= since:
                    calls, refused = calls + counts.calls, refused + counts.rate_limited
        per_s = console.settings.crm.max_requests_per_s
        budget = int(per_s * 3600) if per_s <= NO_REAL_LIMIT_PER_S else 0
        return {
            "calls": calls,
            "rate_limited": refused,
            "budget": budget,
            "per_s": per_s,
            "percent": round(100 * calls / budget, 1) if budget else 0.0,
        }

    @console.page("/")
    def overview(ctx: Ctx) -> Page:
        runs = [run_row(r) for r in journal.runs(limit=10)]
        last_per_job: dict[str, dict[str, Any]] = {}
        for row in (run_row(r) for r in journal.runs(limit=RUNS_SHOWN)):
            last_per_job.setdefault(row["job"], row)
        now = console.services.clock().astimezone(console.tz)
        next_runs = {name: trigger.get_next_fire_time(None, now) for name, trigger in triggers.items()}
        return Page(
            "overview.html",
            "Overzicht",
            {
                **overview_facts(console),
                "crm_budget": crm_budget(),
                "waiting_plans": [
                    {
                        "id": r.id,
                        "job_label": job_label(r.job),
                        "today": r.today,
                        "submitted_at": r.submitted_at,
                    }
                    for r in plans.summaries(status=PlanStatus.PENDING, limit=10)
                ],
                "runs": runs,
                "last_per_job": [
                    {**(last_per_job.get(job) or {"job_label": job_label(job)}), "next_run": next_runs[job]}
                    for job in JOBS
                ],
            },
        )

    @console.page("/runs")
    def runs(ctx: Ctx) -> Page:
        job = ctx.query.get("taak") or None
        wanted = ctx.query.get("uitkomst") or None
        pager = Pager.of("/runs", ctx.query, journal.run_count(job, outcome=wanted))
        found = journal.runs(job, limit=pager.size, outcome=wanted, offset=pager.start)
        rows = [run_row(r) for r in found]
        return Page(
            "runs_table.html" if ctx.htmx else "runs.html",
            "Runs",
            {
                "runs": rows,
                "jobs": [(code, label) for code, label in JOB_LABELS.items()],
                "job": job or "",
                "wanted": wanted or "",
                "pager": pager,
            },
        )

    @console.page("/runs/{run_id:int}")
    def run(ctx: Ctx) -> Page:
        run_id = int(ctx.request.path_params["run_id"])
        row = journal.get_run(run_id)
        if row is None:
            return Page("not_found.html", "Niet gevonden", status=404)
        pager = Pager.of(f"/runs/{run_id}", ctx.query, journal.audit_count(run_id=run_id))
        entries = [
            {
                "kind": KIND_LABELS.get(str(entry.get("entity_set")), "Wijziging"),
                "label": entry.get("label") or "",
                "what": change_words(
                    str(entry.get("entity_set") or ""), entry.get("before"), entry.get("after")
                ),
                "reason": reason_words(entry.get("reason")),
                "actor": actor_words(str(entry.get("actor") or "")),
                "at": entry.get("at"),
            }
            for entry in journal.audit_trail(run_id=run_id, limit=pager.size, offset=pager.start)
        ]
        plan = None
        if row.get("plan_id") is not None:
            with contextlib.suppress(PlanError):
                found = plans.shown(int(row["plan_id"]), document=False)
                plan = {
                    "id": found.id,
                    "status_label": PLAN_STATUS.get(found.status, (found.status.value, ""))[0],
                    "submitted_by": "de planner (daemon)"
                    if found.source is PlanSource.DAEMON
                    else found.submitted_by,
                    "submitted_at": found.submitted_at,
                    "decided_by": found.decided_by,
                    "decided_at": found.decided_at,
                    "note": found.note,
                }
        people = sorted(  # the staff member behind a staff run (its first line says who)
            actor_words(str(entry["actor"]))
            for entry in journal.audit_trail(run_id=run_id, limit=1)
            if not str(entry["actor"]).startswith("job:")
        )
        trigger = str(row.get("trigger") or "")
        return Page(
            "run.html",
            f"Run {run_id}",
            {
                "run": run_row(row),
                "counts": count_rows(run_counts(row.get("counts") or {}, row.get("notes"))),
                "trigger": TRIGGER_LABELS.get(trigger, trigger),
                "plan": plan,
                "people": people,
                "entries": entries,
                "pager": pager,
                **run_notes(row.get("notes")),
            },
        )

    @console.action("/uitloggen", Role.VIEWER, back="/")
    def logout(ctx: Ctx) -> Page:
        ctx.session.user = None
        return Page(redirect="/login")
