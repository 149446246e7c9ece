"""The demo: a private sandbox, every job run day by day over a simulated period, and a summary.

The processor's part is played too: two working days after a hand-off it sends a confirmation file,
which goes through the same import as `tribe-sync processor import`, with a delivery date a week on.
Nothing is left behind: the sandbox runs on a thread of this process, and the journal and hand-off
files live in a temporary folder.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import SecretStr

from tribe_sync.bootstrap import Services, utc_now
from tribe_sync.config import UNLIMITED_REQUESTS_PER_S, Settings
from tribe_sync.domain.accountability import OrganisationStock, stock_per_organisation, stock_per_request
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.confirmations import ConfirmationLine, ParsedFile, check_confirmations
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.domain.validation import validate_request
from tribe_sync.jobs.plan import Outcome, Step
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.snapshot import PARTS, Snapshot
from tribe_sync.jobs.staff import PROGRESS_JOB, confirmation_plan
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.clock import record_clock_offset
from tribe_sync.store.crmcalls import CallLog
from tribe_sync.store.journal import open_journal

__all__ = ["DayDone", "DayLog", "DemoResult", "run_demo", "sandbox_settings"]

# The private sandbox is ours and on loopback: Tribe's budget means nothing to it, so the demo does not
# spend its time waiting for one (UNLIMITED_REQUESTS_PER_S). Calls still go through the client's
# throttle and limiter as usual.


@dataclass
class DayLog:
    day: dt.date
    job: str
    applied: Counter[str]  # per step
    held: int
    problems: int


@dataclass(frozen=True)
class DayDone:
    """Progress: one simulated day is over (weekends included, with nothing to do)."""

    day: dt.date
    number: int  # 1-based
    of: int
    changes: int
    calls: int  # CRM calls that day


@dataclass
class DemoResult:
    start: dt.date
    end: dt.date
    days: list[DayLog]
    snapshot: Snapshot
    per_status: Counter[RequestStatus]
    per_month: dict[Month, tuple[int, int, int | None, bool]]  # requests, devices, capacity, open
    stock: list[OrganisationStock]
    problems: list[Problem]
    handoff_files: int
    calls: int
    before: Counter[RequestStatus] = field(default_factory=Counter)


def sandbox_settings(settings: Settings, sandbox: RunningSandbox, workdir: Path) -> Settings:
    """The given settings, pointed at a running sandbox and a private journal and outbox."""
    crm = settings.crm.model_copy(
        update={
            "api_url": sandbox.url,
            "token_url": f"{sandbox.url}/oauth2/token",
            "client_id": "sandbox",
            "client_secret": SecretStr("sandbox"),
            "max_requests_per_s": UNLIMITED_REQUESTS_PER_S,
        }
    )
    store = settings.store.model_copy(update={"url": f"sqlite:///{workdir / 'journal.db'}"})
    programme = settings.programme.model_copy(update={"outbox_dir": str(workdir / "outbox")})
    return settings.model_copy(update={"crm": crm, "store": store, "programme": programme})


def run_demo(
    settings: Settings,
    *,
    start_day: dt.date,
    days: int = 21,
    scale: str = "small",
    seed: int = 1,
    on_day: Callable[[DayLog], None] = lambda _log: None,
    on_progress: Callable[[DayDone], None] = lambda _done: None,
    then: Callable[[DemoResult, Settings, Callable[[], dt.datetime]], None] | None = None,
) -> DemoResult:
    """Simulate the period; `then`, if given, gets the result while the sandbox and the demo's store
    still exist (with their settings and a clock that goes on from the last simulated day, recorded in
    the store: see store.clock), so that `demo --console` can show them."""
    with (
        tempfile.TemporaryDirectory(prefix="tribe-sync-demo-", dir=_memory_folder()) as folder,
        start(build_state(scale=scale, seed=seed, anchor=start_day)) as sandbox,
    ):
        workdir = Path(folder)
        local = sandbox_settings(settings, sandbox, workdir)
        clock_day = [start_day]

        def clock() -> dt.datetime:
            return dt.datetime.combine(clock_day[0], dt.time(7, 0), dt.UTC)

        # CRM calls are counted on the real clock: they are made now, within minutes, not over the
        # simulated weeks (whose old days the store's call counts would drop as older than a day).
        with Services(local, clock=clock, calls_clock=utc_now) as services:
            before = Counter(r.status for r in services.crm.snapshot({"requests"}).requests)
            logs: list[DayLog] = []
            handed_off: dict[str, dt.date] = {}
            for offset in range(days):
                today = start_day + dt.timedelta(days=offset)
                clock_day[0] = today
                sandbox.state.fixed_now = clock()
                calls_before, changes = services.client.calls, 0
                if today.weekday() < 5:
                    _processor_confirms(services, today, handed_off)
                    for job in JOBS.values():
                        report = services.executor().run_job(job, today)
                        applied = Counter(
                            str(o.change.step) for o in report.outcomes if o.status is Outcome.APPLIED
                        )
                        for outcome in report.outcomes:
                            moved = (
                                outcome.change.step is Step.HAND_OFF and outcome.change.kind == "move_status"
                            )
                            if moved and outcome.status is Outcome.APPLIED:
                                handed_off[outcome.change.label] = today
                        log = DayLog(today, job.name, applied, len(report.held), len(report.problems))
                        logs.append(log)
                        changes += applied.total()
                        on_day(log)
                on_progress(DayDone(today, offset + 1, days, changes, services.client.calls - calls_before))
            snapshot = services.crm.snapshot(PARTS)
            calls = services.client.calls
            files = len(list((workdir / "outbox").glob("*.csv"))) if (workdir / "outbox").exists() else 0
        result = _summarise(
            start_day, start_day + dt.timedelta(days=days - 1), logs, snapshot, local, calls, files, before
        )
        if then is not None:
            # From here on the demo's clock goes on from the last simulated day; it is kept with the
            # demo's store, so the console and the command line pointed at that store read it too.
            ahead = clock() - utc_now()
            journal = open_journal(local.store.url)
            try:
                record_clock_offset(journal.engine, ahead)
                CallLog(journal.engine).shift(ahead)  # the demo's calls, onto the clock that goes on
            finally:
                journal.close()
            # Tribe's clock goes on too, or what is written from now on would carry the last simulated
            # morning as its LastMutationDate, behind the read model's delta cursor, and never be seen.
            sandbox.state.fixed_now, sandbox.state.ahead = None, ahead
            then(result, local, lambda: utc_now() + ahead)
    return result


def _memory_folder() -> str | None:
    """A folder in memory where the system has one: the demo's journal is thrown away at the end, so
    waiting for the disk on each of its commits (most of the demo's time otherwise) buys nothing."""
    shm = Path("/dev/shm")
    return str(shm) if shm.is_dir() and os.access(shm, os.W_OK) else None


def _processor_confirms(services: Services, today: dt.date, handed_off: dict[str, dt.date]) -> None:
    """Two working days after a hand-off the processor confirms, promising delivery a week later."""
    due = [number for number, day in handed_off.items() if _working_days_between(day, today) >= 2]
    if not due:
        return
    lines = tuple(
        ConfirmationLine(i + 2, number, today, today + dt.timedelta(days=7)) for i, number in enumerate(due)
    )
    checked = check_confirmations(
        ParsedFile("utf-8", ";", lines), services.crm.requests_by_number(due), today=today
    )
    plan = confirmation_plan(checked, today, "demo-verwerker.csv")
    if plan.changes:
        services.executor().apply(
            plan, actor="processor-import:demo", claim=f"job:{PROGRESS_JOB}", trigger="staff"
        )
    for number in due:
        handed_off.pop(number)


def _working_days_between(start: dt.date, end: dt.date) -> int:
    return sum(1 for n in range(1, (end - start).days + 1) if (start + dt.timedelta(days=n)).weekday() < 5)


def _summarise(
    start_day: dt.date,
    end: dt.date,
    logs: list[DayLog],
    snapshot: Snapshot,
    settings: Settings,
    calls: int,
    files: int,
    before: Counter[RequestStatus],
) -> DemoResult:
    catalogue = snapshot.catalogue(settings.tenant.adult_age_groups)
    problems = list(snapshot.problems)
    for request in snapshot.requests:
        problems += validate_request(request, catalogue)
    stocks, stock_problems = stock_per_request(snapshot.requests, snapshot.reports)
    problems += stock_problems
    per_month: dict[Month, tuple[int, int, int | None, bool]] = {}
    for month, record in sorted(snapshot.months.items()):
        mine = [r for r in snapshot.requests if r.month == month]
        per_month[month] = (len(mine), sum(r.quantity for r in mine), record.capacity, record.is_open)
    stock = sorted(stock_per_organisation(stocks.values()).values(), key=lambda s: -s.in_stock)
    return DemoResult(
        start_day,
        end,
        logs,
        snapshot,
        Counter(r.status for r in snapshot.requests),
        per_month,
        stock,
        problems,
        files,
        calls,
        before,
    )
