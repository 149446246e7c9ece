"""`tribe-sync demo`: every job at work against a private sandbox, with no configuration."""

from __future__ import annotations

import datetime as dt
import secrets
import shlex
from collections import Counter
from collections.abc import Callable
from typing import Annotated

import typer
import uvicorn

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_day
from tribe_sync.cli.output import emit_json, table
from tribe_sync.cli.wording import STOCK_COLUMNS, day_words, dutch_date, entity_words, step_words
from tribe_sync.config import Settings
from tribe_sync.console.app import create_app
from tribe_sync.console.labels import job_label
from tribe_sync.demo import DayDone, DayLog, DemoResult, run_demo
from tribe_sync.domain.counts import counted
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.http_server import quiet_when_answered, refuse_unless_can_listen
from tribe_sync.sandbox.generator import SCALES
from tribe_sync.store.users import Role, UserStore


def demo(
    ctx: typer.Context,
    today: Annotated[
        str | None, typer.Option(help="First day of the simulation (YYYY-MM-DD); default today.")
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=400, help="How many days to simulate.")] = 21,
    scale: Annotated[str, typer.Option(help="Sandbox data size: small, realistic or large.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the sandbox data.")] = 1,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON document.")] = False,
    console: Annotated[
        bool,
        typer.Option(
            "--console",
            help="Afterwards keep the sandbox and serve the staff console on its data, with a one-time "
            "admin password (Ctrl+C ends it).",
        ),
    ] = False,
) -> None:
    """Start a sandbox CRM on a free port and run every job on each working day of a period."""
    context = app_context(ctx)
    if scale not in SCALES:
        raise typer.BadParameter(f"choose one of {', '.join(SCALES)}", param_hint="--scale")
    start_day = parse_day(today, dt.date.today())
    if console:  # said now, not after a minute of simulation
        refuse_unless_can_listen(
            context.settings.console.host, context.settings.console.port, context.settings, "console"
        )
    context.err.print(
        f"Een sandbox-CRM ({scale}); elke taak op elke werkdag vanaf {dutch_date(start_day)}, {days} dagen"
    )

    def progress(log: DayLog) -> None:
        if not as_json and log.applied.total():
            steps = ", ".join(f"{step_words(step)} {n}" for step, n in log.applied.items())
            context.err.print(f"  {_short_day(log.day)}  {job_label(log.job):<30} {steps}", highlight=False)

    def day_done(done: DayDone) -> None:
        if not as_json:
            what = (
                "weekend"
                if done.day.weekday() >= 5
                else f"{counted(done.changes, 'wijziging', 'wijzigingen')}, "
                f"{counted(done.calls, 'aanroep', 'aanroepen')} naar Tribe"
            )
            context.err.print(
                f"[dim]dag {done.number:>2}/{done.of}  {_short_day(done.day)}  {what}[/dim]", highlight=False
            )

    def serve(result: DemoResult, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
        _print(context, result, as_json)
        serve_demo_console(context, settings, clock)

    result = run_demo(
        context.settings,
        start_day=start_day,
        days=days,
        scale=scale,
        seed=seed,
        on_day=progress,
        on_progress=day_done,
        then=serve if console else None,
    )
    if not console:
        _print(context, result, as_json)
        if not as_json:
            context.err.print(
                "Dit in de console bekijken: `tribe-sync demo --console` (of `make demo-console`); "
                "dat toont het adres en een eenmalig beheerderswachtwoord."
            )


def serve_demo_console(context: AppContext, settings: Settings, clock: Callable[[], dt.datetime]) -> None:
    """The console on the demo's sandbox and store, with a fresh admin account whose password is shown
    once; it lives as long as the demo's temporary store."""
    password = secrets.token_urlsafe(12)
    with Services(settings, clock=clock) as services:
        UserStore(services.journal, services.clock).add("beheer", Role.ADMIN, password)
        app = create_app(services, warm=True)
        host, port = settings.console.host, settings.console.port
        refuse_unless_can_listen(host, port, settings, "console")  # taken while the demo ran
        context.err.print(
            f"\nDe console: http://{host}:{port}/\n  gebruiker: beheer\n  wachtwoord (alleen nu getoond): "
            f"{password}\n\n{cli_on_demo_data(settings)}\nCtrl+C stopt de console en de sandbox van de demo.",
            highlight=False,
        )
        uvicorn.run(quiet_when_answered(app), host=host, port=port, log_level="warning")


def cli_on_demo_data(settings: Settings) -> str:
    """How to point the command line, in another terminal, at the demo's sandbox and store."""
    env = {
        "TRIBE_SYNC_CRM__API_URL": settings.crm.api_url,
        "TRIBE_SYNC_CRM__TOKEN_URL": settings.crm.token_url,
        "TRIBE_SYNC_CRM__CLIENT_ID": settings.crm.client_id,
        "TRIBE_SYNC_CRM__CLIENT_SECRET": settings.crm.client_secret.get_secret_value(),
        "TRIBE_SYNC_STORE__URL": settings.store.url,
        "TRIBE_SYNC_PROGRAMME__OUTBOX_DIR": settings.programme.outbox_dir,
    }
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return (
        "De opdrachtregel op dezelfde gegevens, in een andere terminal (zolang dit loopt):\n"
        f"  export {exports}\n"
        "  tribe-sync requests list --status WAITING   # of: plans list, runs list, months list\n"
        "  printf '%s\\n' \"$PASSWORD\" | tribe-sync users add anna --role approver --password-stdin"
    )


def _print(context: AppContext, result: DemoResult, as_json: bool) -> None:
    applied: Counter[str] = Counter()
    for log in result.days:
        for step, n in log.applied.items():
            applied[f"{log.job}: {step}"] += n
    if as_json:
        emit_json(
            {
                "start": result.start.isoformat(),
                "end": result.end.isoformat(),
                "applied": dict(applied),
                "requests_per_status": {s.name: result.per_status.get(s, 0) for s in RequestStatus},
                "requests_per_status_before": {s.name: result.before.get(s, 0) for s in RequestStatus},
                "months": {
                    m.code: {"requests": n, "devices": d, "capacity": c, "open": o}
                    for m, (n, d, c, o) in result.per_month.items()
                },
                "handoff_files": result.handoff_files,
                "problems": [p.as_dict() for p in result.problems],
                "crm_calls": result.calls,
            }
        )
        return
    table(
        context,
        f"Wat de taken deden, {dutch_date(result.start)} tot en met {dutch_date(result.end)}",
        ["taak", "stap", "doorgevoerd"],
        [
            (job_label(job), step_words(step), n)
            for (job, step), n in sorted(
                ((tuple(key.split(": ", 1)), n) for key, n in applied.items()), key=lambda item: item[0]
            )
        ],
    )
    table(
        context,
        "Aanvragen per status",
        ["status", "voor", "na"],
        [(s.label, result.before.get(s, 0), result.per_status.get(s, 0)) for s in RequestStatus],
    )
    table(
        context,
        "Leveringsmaanden",
        ["maand", "aanvragen", "laptops", "capaciteit", "open"],
        [
            (m.label, n, d, c if c is not None else "geen limiet", "ja" if o else "nee")
            for m, (n, d, c, o) in result.per_month.items()
        ],
    )
    names = {o.id: o.name for o in result.snapshot.organisations.values()}
    table(
        context,
        "Voorraad per organisatie (top 10)",
        list(STOCK_COLUMNS.values()),
        [
            (
                names.get(s.organisation_id, s.organisation_id),
                s.received,
                s.handed_out,
                s.in_stock,
                day_words(s.oldest_undistributed_delivery),
                day_words(s.last_report_on),
            )
            for s in result.stock[:10]
        ],
    )
    counts = Counter(p.code for p in result.problems)
    table(
        context,
        f"Problemen in de gegevens ({len(result.problems)})",
        ["probleem", "records", "voorbeeld"],
        [(code, n, _example(result, code)) for code, n in counts.most_common()],
    )
    context.err.print(
        f"{counted(result.handoff_files, 'overdrachtsbestand', 'overdrachtsbestanden')} geschreven; "
        f"{counted(result.calls, 'aanroep', 'aanroepen')} naar Tribe."
    )


DAYS = ("ma", "di", "wo", "do", "vr", "za", "zo")


def _short_day(day: dt.date) -> str:
    """`ma 7 dec`: a day of the simulation, short and Dutch."""
    return f"{DAYS[day.weekday()]} {day.day:>2} {dutch_date(day).split()[1][:3]}"


def _example(result: DemoResult, code: str) -> str:
    """One problem of a kind as staff find it: the record's name in Tribe and what is wrong, in Dutch."""
    found = next(p for p in result.problems if p.code == code)
    return f"{found.label or entity_words(found.entity)}: {found.message_nl}"
