"""The one executor: applies any plan (a job's, a staff command's, an approved one) and owns the
run's whole lifecycle: claim (renewed while it runs), run record, re-read before write, one outcome
per change, interruption, and the exit code.

- **Claim.** A run holds `job:<name>` (staff commands hold the claim of the job that writes what they
  change), renewed every third of its TTL. A run that loses it stops between two changes and is
  journalled as interrupted; a dead holder's claim (SIGKILL, power) is taken over at once.
- **Re-read before write.** Per stage (a step, or consecutive steps that share no record and no
  dependency, `_stages`), the current phases of the requests it moves (one read per 40)
  and the months it changes are read again; a task's `ImportId` is looked up in the CRM right before
  it is created. Something a person changed meanwhile is skipped and reported, never forced.
- **Dependencies.** A change runs only if every change it `depends_on` was applied or done already.
- **Side by side.** Up to `crm.max_in_flight` writes of a stage are in flight together
  (`tribe_sync.lanes`): a record's own changes stay in plan order, a change waits for those it
  depends on (an effect before the transition, the hand-off file before its statuses), and the
  journal takes one writer at a time. The report lists outcomes in plan order all the same.
- **Hand-offs.** Stage the file (synced), journal its rows, publish it (rename), journal them done.
  A rerun finishes what it finds: a journalled staged file is published, an unjournalled one removed.
- **Failures.** A failed write is an outcome (exit 1), the rest of the run goes on. Whatever a planner
  or the CRM raises beyond that ends the run as *failed*, journalled with its reason; it never escapes.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.counts import counted
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.problems import Problem, ProblemCode, problem
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.errors import (
    ConfigError,
    CRMError,
    HandoffError,
    InterruptedRun,
    LockHeldError,
    TribeSyncError,
)
from tribe_sync.failures import describe_failure
from tribe_sync.jobs import keys
from tribe_sync.jobs.failure_words import write_failure_nl
from tribe_sync.jobs.handoff import file_name
from tribe_sync.jobs.plan import (
    Change,
    CreateMonth,
    CreateTask,
    HandOff,
    MoveStatus,
    Outcome,
    Plan,
    RecordConfirmation,
    SetMonth,
    SetTask,
    Step,
    change_to_json,
)
from tribe_sync.jobs.ports import CRM, JournalPort, Outbox
from tribe_sync.jobs.reasons import reason_words
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.lanes import run_in_lanes
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["ChangeOutcome", "ClaimKeeper", "ClaimLost", "Executor", "Job", "Report", "RunOutcome"]

log = logging.getLogger("tribe_sync.executor")

_TASK_CHECK_CHUNK = 40  # ImportIds per look-up right before creating tasks
# Journal group commits: the changes carried out meanwhile are committed together once this many
# wait, once the oldest has waited this long, and at the end of every step.
_GROUP_SIZE = 64
_GROUP_WAIT_S = 0.5


class Job(Protocol):
    """A pure planner: reads nothing but its snapshot, the day and the settings."""

    @property
    def name(self) -> str: ...

    @property
    def description(self) -> str: ...

    @property
    def parts(self) -> Collection[str]:
        """What the snapshot must hold (see `snapshot.PARTS`)."""
        ...

    @property
    def task_prefixes(self) -> Collection[str]:
        """`ImportId` prefixes of our own tasks the plan must know about."""
        ...

    @property
    def journal_prefixes(self) -> Collection[str]:
        """Journal key prefixes the plan must know about (read into `Snapshot.journal_keys`)."""
        ...

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan: ...


# A run keeps this many of its problems and of its held decisions by name (its counts keep them all):
# a nightly audit at ten times our size finds a few thousand, which nobody reads one by one on a page.
NOTES_KEPT = 1000


class RunOutcome(StrEnum):
    """How a run ends in the journal (`runs.outcome`)."""

    OK = "ok"
    PROBLEMS = "problems"  # done; known bad records were reported
    FAILED = "failed"  # a change failed, or the run could not be done
    INTERRUPTED = "interrupted"


class ClaimLost(InterruptedRun):
    """Another process holds our claim now (ours expired unrenewed): stop before the next change."""


@dataclass(frozen=True)
class ChangeOutcome:
    change: Change
    status: Outcome
    detail: str = ""
    detail_nl: str = ""  # for staff: a failed write in plain Dutch, with what to do

    def as_json(self) -> dict[str, Any]:
        before, after = _before_after(self.change)
        return {
            **change_to_json(self.change),
            "reason_nl": reason_words(self.change.reason),
            "before": before,
            "after": after,
            "outcome": str(self.status),
            "detail": self.detail,
            "detail_nl": self.detail_nl,
        }


@dataclass
class Report:
    """What one run (or dry run) did: the plan, one outcome per change, every problem."""

    job: str
    today: dt.date
    dry_run: bool
    plan: Plan | None
    outcomes: list[ChangeOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    run_id: int | None = None
    error: str | None = None  # the run could not be done (or was stopped): why, for people
    interrupted: bool = False
    # The run failed because of a setting (a wrong `crm.token_url`, say): the operator's to fix, exit 2.
    config_error: bool = False

    @classmethod
    def planned(cls, plan: Plan) -> Report:
        outcomes = [ChangeOutcome(c, Outcome.PLANNED) for c in plan.changes]
        return cls(plan.job, plan.today, True, plan, outcomes, list(plan.problems))

    @property
    def held(self) -> list[Any]:
        return list(self.plan.held) if self.plan else []

    def count(self, status: Outcome) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    def summary(self) -> dict[str, int]:
        return {
            "changes": len(self.outcomes),
            **{str(s).replace("-", "_"): self.count(s) for s in Outcome},
            "problems": len(self.problems),
            "held": len(self.held),
        }

    def notes(self) -> dict[str, list[dict[str, str]]]:
        """What the run found and held back, by code and name, for its page and `runs show` (the
        journal keeps it). A problem's message is left out: it can quote a phone number or e-mail
        address; a held decision's is the planner's own words (numbers, a round), never a person's."""
        return {
            "problems": [{"code": p.code, "label": p.label or ""} for p in self.problems[:NOTES_KEPT]],
            "held": [
                {"code": n.code, "label": n.label, "step": str(n.step), "message": n.message}
                for n in self.held[:NOTES_KEPT]
            ],
        }

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.interrupted or self.count(Outcome.FAILED) > 0

    @property
    def outcome(self) -> RunOutcome:
        if self.interrupted:
            return RunOutcome.INTERRUPTED
        if self.failed:
            return RunOutcome.FAILED
        return RunOutcome.PROBLEMS if self.problems else RunOutcome.OK

    def exit_code(self, *, strict: bool = False) -> int:
        """0 done (known bad records are reported, not failures), 1 a change failed or the run could
        not be done, 2 it could not be done because of a setting; `strict` makes reported problems
        exit 1 too."""
        if self.config_error:
            return 2
        if self.failed:
            return 1
        return 1 if strict and self.problems else 0

    def as_json(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "job": self.job,
            "today": self.today.isoformat(),
            "dry_run": self.dry_run,
            "run_id": self.run_id,
            "changes": [o.as_json() for o in self.outcomes],
            "problems": [p.as_dict() for p in self.problems],
            "held": [n.as_dict() for n in self.held],
            "summary": self.summary(),
        }
        if self.error:
            document["error"] = self.error
            document["problems"].insert(
                0,
                {
                    "code": str(ProblemCode.RUN_FAILED),
                    "entity": "run",
                    "record_id": self.run_id,
                    "message": self.error,
                },
            )
        return document


class ClaimKeeper:
    """Holds one claim for a run: takes it (or a dead holder's), renews it every third of its TTL
    (between changes, and on a thread while a long read or write is under way), and notices loss."""

    def __init__(
        self,
        journal: JournalPort,
        name: str,
        holder: str,
        clock: Callable[[], dt.datetime],
        ttl: dt.timedelta,
        is_dead: Callable[[str], bool],
        *,
        background: bool = True,
    ) -> None:
        self.journal, self.name, self.holder, self.clock, self.ttl = journal, name, holder, clock, ttl
        self.is_dead = is_dead
        self.lost: str | None = None
        self._renewed: dt.datetime | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._background = background

    def acquire(self) -> None:
        """Take the claim; raises LockHeldError if a live process holds it."""
        now = self.clock()
        try:
            self.journal.claim(self.name, self.holder, now, self.ttl)
        except LockHeldError as held:
            dead = held.holder
            if not (
                dead
                and self.is_dead(dead)
                and self.journal.take_over(self.name, dead, self.holder, now, self.ttl)
            ):
                raise
        self._renewed = now
        if self._background:
            self._thread = threading.Thread(target=self._keep, name=f"claim {self.name}", daemon=True)
            self._thread.start()

    def _keep(self) -> None:
        interval = max(self.ttl.total_seconds() / 3, 0.05)
        while not self._stop.wait(interval):
            self.renew()

    def renew(self) -> None:
        with self._lock:
            if self.lost is not None:
                return
            now = self.clock()
            try:
                self.journal.claim(self.name, self.holder, now, self.ttl)
            except LockHeldError as exc:
                self.lost = str(exc)
            except TribeSyncError as exc:  # the store is away for a moment: the next renewal tries again
                log.warning("%s: could not renew the claim: %s", self.name, exc)
            else:
                self._renewed = now

    def check(self) -> None:
        """Between two changes: renew if a third of the TTL passed; stop the run if the claim is gone."""
        renewed = self._renewed
        if renewed is None or self.clock() - renewed >= self.ttl / 3:
            self.renew()
        if self.lost is not None:
            raise ClaimLost(f"the run lost its claim {self.name}: {self.lost}")

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self.lost is None:
            self.journal.release(self.name, self.holder)


@dataclass
class Executor:
    """Applies plans through the CRM and journal protocols; see the module docstring."""

    crm: CRM
    journal: JournalPort | None  # None only for dry runs on an installation with no journal yet
    outbox: Outbox
    settings: Settings
    schema: TenantSchema
    clock: Callable[[], dt.datetime]
    holder: str
    is_dead: Callable[[str], bool] = lambda _holder: False
    stopping: Callable[[], bool] = lambda: False
    background_renewal: bool = True
    # Told after a run that wrote to the CRM (the read model marks what it holds of it stale, so that
    # the next list or page shows the new state); a failure here never fails the run.
    on_written: Callable[[], None] = lambda: None

    # -- entry points --------------------------------------------------------------------------

    def run_job(
        self,
        job: Job,
        today: dt.date,
        *,
        dry_run: bool = False,
        actor: str | None = None,
        progress: Callable[[int], None] | None = None,
        on_plan: Callable[[Plan], None] | None = None,
        trigger: str | None = None,
    ) -> Report:
        """Plan from a fresh snapshot and, unless `dry_run`, apply, all under the job's claim. A dry
        run writes nothing anywhere. Raises only LockHeldError (a live run holds the claim).
        `trigger` (schedule, catch-up, webhook, staff) is journalled with the run."""
        if dry_run:
            try:
                plan = self.plan(job, today)
            except ConfigError:
                raise
            except Exception as exc:  # a failed dry run, never a crash
                report = Report(job.name, today, True, None)
                report.error, report.config_error = self._failure(exc)
                return report
            if on_plan is not None:
                on_plan(plan)
            return Report.planned(plan)

        def make_plan() -> Plan:
            plan = self.plan(job, today)
            if on_plan is not None:
                on_plan(plan)
            return plan

        return self._run(
            job.name, today, f"job:{job.name}", make_plan, actor or f"job:{job.name}", progress, trigger
        )

    def apply(
        self,
        plan: Plan,
        *,
        actor: str,
        claim: str | None = None,
        run_name: str | None = None,
        progress: Callable[[int], None] | None = None,
        trigger: str | None = None,
        plan_id: int | None = None,
    ) -> Report:
        """Apply a plan made elsewhere (a staff command's, an approved one) under `claim` (default: the
        claim of `plan.job`). Raises only LockHeldError (a live run holds the claim). `plan_id`: the
        stored plan this run applies (`runs show` names who submitted and approved it)."""
        return self._run(
            run_name or plan.job,
            plan.today,
            claim or f"job:{plan.job}",
            lambda: plan,
            actor,
            progress,
            trigger,
            plan_id,
        )

    def read_and_plan(self, job: Job, today: dt.date, *, digest: bool = False) -> tuple[Snapshot, Plan]:
        """A fresh snapshot and the job's plan from it; writes nothing (a saved plan keeps both, and
        asks for the snapshot's `digest` of the records read)."""
        snapshot = self.crm.snapshot(job.parts, job.task_prefixes, digest=digest)
        for prefix in job.journal_prefixes:
            snapshot.journal_keys |= set(self.journal.keys_with_prefix(prefix)) if self.journal else set()
        return snapshot, job.plan(snapshot, today, self.settings, self.schema)

    # -- the lifecycle -------------------------------------------------------------------------

    def _journal(self) -> JournalPort:
        if self.journal is None:
            raise TribeSyncError("this run needs the journal, and there is none")
        return self.journal

    def plan(self, job: Job, today: dt.date) -> Plan:
        """The job's plan from a fresh snapshot, writing nothing (what a dry run shows, and what
        `jobs apply` compares a saved plan with)."""
        return self.read_and_plan(job, today)[1]

    def _check_outbox(self) -> None:
        """Before anything is written: a plan with a hand-off needs a writable outbox."""
        why = self.outbox.unwritable()
        if why is not None:
            key = "programme.outbox_dir"
            raise ConfigError(
                f"cannot write hand-off files to the outbox ({why}); nothing was written. Check {key} "
                f"(set by {self.settings.origin(key)}): a folder this process can write to"
            )

    def _failure(self, exc: BaseException) -> tuple[str, bool]:
        """Why a run failed, for people, and whether a setting is the cause. A CRM failure that the
        edge calls a configuration error (nothing answers at `crm.token_url`, a token endpoint that is
        none) is said here as there: naming the key and where it was set, so the run exits 2."""
        if isinstance(exc, CRMError):
            failure = describe_failure(exc, self.settings)
            if failure.exit_code == 2:
                return failure.message, True
        return _reason(exc), False

    def _run(
        self,
        name: str,
        today: dt.date,
        claim: str,
        make_plan: Callable[[], Plan],
        actor: str,
        progress: Callable[[int], None] | None,
        trigger: str | None = None,
        plan_id: int | None = None,
    ) -> Report:
        journal = self._journal()
        ttl = dt.timedelta(seconds=self.settings.daemon.job_claim_ttl_s)
        keeper = ClaimKeeper(
            journal, claim, self.holder, self.clock, ttl, self.is_dead, background=self.background_renewal
        )
        keeper.acquire()
        try:
            run_id = journal.start_run(
                name, today, self.clock(), holder=self.holder, trigger=trigger, plan_id=plan_id
            )
            report = Report(name, today, False, None, run_id=run_id)
            try:
                report.plan = make_plan()
                report.problems = list(report.plan.problems)
                log.info(
                    "%s: planned %d change(s), %d problem(s), %d held back",
                    name,
                    len(report.plan.changes),
                    len(report.problems),
                    len(report.held),
                )
                if any(isinstance(c, HandOff) for c in report.plan.changes):
                    self._check_outbox()
                _Apply(self, journal, report, run_id, actor, keeper, progress or (lambda _n: None)).run()
            except InterruptedRun as exc:
                report.interrupted, report.error = True, str(exc)
            except ConfigError as exc:  # settings that cannot work: the operator's to fix (exit 2)
                journal.finish_run(run_id, self.clock(), RunOutcome.FAILED, report.summary(), error=str(exc))
                raise
            except Exception as exc:  # whatever a planner or the CRM raises: a failed run, never a crash
                report.error, report.config_error = self._failure(exc)
                log.error("%s: the run failed: %s", name, report.error)
                log.debug("%s: the run failed", name, exc_info=True)
            journal.finish_run(
                run_id,
                self.clock(),
                report.outcome,
                report.summary(),
                error=report.error,
                notes=report.notes(),
            )
            if any(o.status is Outcome.APPLIED for o in report.outcomes):
                try:
                    self.on_written()
                except Exception:  # the run is done; the read model catches up by its age
                    log.warning("%s: the read model could not be told of this run's writes", name)
            return report
        finally:
            keeper.release()


@dataclass
class _Apply:
    """One application of one plan: the outcomes so far and what was re-read for the current step."""

    ex: Executor
    journal: JournalPort
    report: Report
    run_id: int
    actor: str
    keeper: ClaimKeeper
    progress: Callable[[int], None]
    phases: dict[str, RequestStatus | None] = field(default_factory=dict)
    months: dict[Month, DeliveryMonth] = field(default_factory=dict)
    tasks_checked: dict[str, bool] = field(default_factory=dict)
    done: dict[str, Outcome] = field(default_factory=dict)
    _lock: threading.RLock = field(default_factory=threading.RLock)
    _local: threading.local = field(default_factory=threading.local)
    _held: dict[int, list[ChangeOutcome | Problem]] = field(default_factory=dict)
    by_key: dict[str, Change] = field(default_factory=dict)
    states: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # this step's task keys
    _lines: list[dict[str, Any]] = field(default_factory=list)  # journal lines not committed yet
    _first_line_at: float = 0.0
    _lines_lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> None:
        plan = self.report.plan
        assert plan is not None
        self.by_key = {c.key: c for c in plan.changes}
        order = list(dict.fromkeys([*plan.steps, *(c.step for c in plan.changes)]))
        try:
            for stage in _stages(plan, order):
                self.stage(stage)
        except InterruptedRun:
            reached = {id(o.change) for o in self.report.outcomes}
            self.report.outcomes += [
                ChangeOutcome(c, Outcome.NOT_REACHED) for c in plan.changes if id(c) not in reached
            ]
            raise

    def checkpoint(self) -> None:
        if self.ex.stopping():
            raise InterruptedRun("stopped on request between two changes")
        self.keeper.check()

    def stage(self, steps: list[tuple[Step, list[Change]]]) -> None:
        """One stage's changes (one step's, or consecutive steps' that share nothing, see `_stages`),
        up to `crm.max_in_flight` writes in flight: a record's own changes in plan order (one lane per
        record), and a change only once those it `depends_on` have ended. Outcomes and problems are
        reported in plan order whatever order the writes end in."""
        self.checkpoint()
        changes = [change for _step, part in steps for change in part]
        ids = [c.request_id for c in changes if isinstance(c, MoveStatus | RecordConfirmation)]
        ids += [row.request_id for c in changes if isinstance(c, HandOff) for row in c.rows]
        pending_tasks = [c.key for c in changes if isinstance(c, CreateTask)]
        width = self.ex.settings.crm.max_in_flight
        self.reread(
            ids,
            months=any(isinstance(c, CreateMonth | SetMonth) for c in changes),
            # Writes overlap below, so every task of the step is looked up first (the same reads).
            tasks=pending_tasks if width > 1 else [],
            width=width,
        )
        self.states = self.journal.states_of(pending_tasks) if pending_tasks else {}
        position = {id(change): n for n, change in enumerate(changes)}

        def one(change: Change) -> None:
            self._local.position = position[id(change)]
            try:
                waiting = [k for k in change.depends_on if self.done.get(k) not in _SUCCEEDED]
                if waiting:
                    first = self.by_key.get(waiting[0])
                    what = f"{first.label} ({first.describe()})" if first else "a change not in this plan"
                    self.outcome(change, Outcome.SKIPPED, f"waits for {what}, which did not succeed")
                else:
                    if isinstance(change, CreateTask) and change.key not in self.tasks_checked:
                        self.check_tasks(pending_tasks[pending_tasks.index(change.key) :])
                    self.apply(change)
                self.progress(1)
            finally:
                self._local.position = None

        try:
            run_in_lanes(
                changes,
                _lane,
                one,
                width=width,
                stop=self.stop_reason,
                key_of=lambda change: change.key,
                waits_for=lambda change: change.depends_on,
            )
        except Exception:
            # Stopped or failed between changes: what was carried out is journalled all the same. (A
            # kill, or a BaseException that stands for one in tests, loses the group: the CRM holds
            # the effects, and the rerun finds them there, as it would after a crash between a write
            # and its journal line.)
            self.commit_lines()
            raise
        else:
            self.commit_lines()
        finally:
            self.flush()
        # -v: one line per step, what it did in counts (never a name or an address: labels only at -vv).
        for step, part in steps:
            counts = Counter(str(self.done[c.key]) for c in part if c.key in self.done)
            log.info(
                "%s: step %s: %d change(s): %s",
                self.report.job,
                step,
                len(part),
                ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none ended",
            )

    def reread(self, ids: list[str], *, months: bool, tasks: list[str], width: int) -> None:
        """What the step's writes depend on, read again right before them: the requests' phases,
        the months, which tasks exist. Independent reads, so side by side (each its own lane)."""
        reads: list[Callable[[], None]] = []
        if ids:
            reads.append(lambda: setattr(self, "phases", self.ex.crm.current_phases(ids)))
        else:
            self.phases = {}
        if months:
            reads.append(lambda: setattr(self, "months", self.ex.crm.current_months()))

        def look_up_tasks() -> None:
            existing = self.ex.crm.existing_tasks(tasks)
            self.tasks_checked.update({k: k in existing for k in tasks})

        if tasks:
            reads.append(look_up_tasks)
        run_in_lanes(reads, id, lambda read: read(), width=min(width, len(reads)))

    def stop_reason(self) -> InterruptedRun | None:
        try:
            with self._lock:  # renewing the claim writes to the journal, as the writers do
                self.checkpoint()
        except InterruptedRun as reason:
            return reason
        return None

    def check_tasks(self, upcoming: list[str]) -> None:
        chunk = [k for k in upcoming if k not in self.tasks_checked][:_TASK_CHECK_CHUNK]
        existing = self.ex.crm.existing_tasks(chunk)
        self.tasks_checked.update({k: k in existing for k in chunk})

    def outcome(self, change: Change, status: Outcome, detail: str = "", detail_nl: str = "") -> None:
        self.done[change.key] = status
        # -vv: one line per change, named as staff find it (an order number, a month, an organisation
        # or processor); not its description or detail, which may quote a contact's words.
        log.debug("%s: %s %s %s: %s", self.report.job, change.step, change.kind, change.label, status)
        self.report_later(ChangeOutcome(change, status, detail, detail_nl))

    def problem(self, found: Problem) -> None:
        self.report_later(found)

    def report_later(self, entry: ChangeOutcome | Problem) -> None:
        """Kept per change while a step's writes are under way, so the report follows the plan."""
        position = getattr(self._local, "position", None)
        if position is None:
            self._add(entry)
            return
        with self._lock:
            self._held.setdefault(position, []).append(entry)

    def flush(self) -> None:
        with self._lock:
            held, self._held = self._held, {}
        for position in sorted(held):
            for entry in held[position]:
                self._add(entry)

    def _add(self, entry: ChangeOutcome | Problem) -> None:
        if isinstance(entry, ChangeOutcome):
            self.report.outcomes.append(entry)
        else:
            self.report.problems.append(entry)

    def apply(self, change: Change) -> None:
        try:
            if isinstance(change, MoveStatus):
                self.move(change)
            elif isinstance(change, RecordConfirmation):
                self.confirm(change)
            elif isinstance(change, SetMonth):
                self.set_month(change)
            elif isinstance(change, CreateMonth):
                self.create_month(change)
            elif isinstance(change, CreateTask):
                self.create_task(change)
            elif isinstance(change, SetTask):
                self.set_task(change)
            else:
                with self._lock:  # the outbox and the journal's hand-off keys: one file at a time
                    self.hand_off(change)
        except CRMError as exc:
            said = write_failure_nl(exc, f"{change.label} ({change.describe()})")
            self.problem(
                problem(
                    ProblemCode.WRITE_FAILED,
                    change.kind,
                    _target(change),
                    detail=str(exc),
                    detail_nl=said,
                    key=change.key,
                    record=change.label,
                )
            )
            self.outcome(change, Outcome.FAILED, str(exc), said)

    # -- per kind ------------------------------------------------------------------------------

    def changed_meanwhile(self, change: MoveStatus | RecordConfirmation, now: RequestStatus | None) -> None:
        shown = now.label if now is not None else "een onbekende status"
        found = problem(
            ProblemCode.STATUS_CHANGED_MEANWHILE,
            "request",
            change.request_id,
            detail=shown,
            order_number=change.label,
        )
        self.problem(found)
        self.outcome(change, Outcome.SKIPPED, found.message)

    def move(self, change: MoveStatus) -> None:
        now = self.phases.get(change.request_id)
        if now is change.to_status:
            self.record(change, note="already in the target status")
            self.outcome(change, Outcome.DONE_ALREADY, "already in the target status")
            return
        if now is not change.from_status:
            self.changed_meanwhile(change, now)
            return
        self.ex.crm.update(change)
        self.phases[change.request_id] = change.to_status
        self.record(change)
        self.outcome(change, Outcome.APPLIED)

    def confirm(self, change: RecordConfirmation) -> None:
        now = self.phases.get(change.request_id)
        if now not in change.ACCEPTED:
            self.changed_meanwhile(change, now)
            return
        self.ex.crm.update(change)
        self.record(change)
        self.outcome(change, Outcome.APPLIED)

    def set_month(self, change: SetMonth) -> None:
        current = self.months.get(change.month)
        if current is None:
            found = problem(
                ProblemCode.UNKNOWN_REFERENCE,
                "delivery_month",
                change.month_id,
                field="month",
                detail=change.label,
            )
            self.problem(found)
            self.outcome(change, Outcome.SKIPPED, found.message)
            return
        if current.is_open == change.open and (not change.open or current.closed_by is change.closed_by):
            self.outcome(change, Outcome.DONE_ALREADY, "already so")
            return
        if (current.is_open, current.closed_by) != (change.was_open, change.was_closed_by):
            who = "medewerker" if current.closed_by == "staff" else current.closed_by or "onbekend"
            state = "open" if current.is_open else "gesloten"
            found = problem(
                ProblemCode.MONTH_CHANGED_MEANWHILE,
                "delivery_month",
                change.month_id,
                detail=f"{state} (door {who})",
                month=change.label,
            )
            self.problem(found)
            self.outcome(change, Outcome.SKIPPED, found.message)
            return
        self.ex.crm.update(change)
        self.record(change)
        self.outcome(change, Outcome.APPLIED)

    def create_month(self, change: CreateMonth) -> None:
        if change.month in self.months:
            self.outcome(change, Outcome.DONE_ALREADY, "the month exists")
            return
        record_id = self.ex.crm.create(change)
        self.record(change, target_id=record_id)
        self.outcome(change, Outcome.APPLIED)

    def create_task(self, change: CreateTask) -> None:
        state = self.states.get(change.key)
        if state is not None and state[0] == "done":
            self.outcome(change, Outcome.DONE_ALREADY, "created by an earlier run")
            return
        if self.tasks_checked.get(change.key):
            self.record(change, note="the task exists in the CRM")
            self.outcome(change, Outcome.DONE_ALREADY, "the task exists in the CRM")
            return
        record_id = self.ex.crm.create(change)
        self.tasks_checked[change.key] = True
        self.record(change, target_id=record_id)
        self.outcome(change, Outcome.APPLIED)

    def set_task(self, change: SetTask) -> None:
        """Re-read the task by its `ImportId` right before the write: gone, or already so, is no write."""
        done = self.ex.crm.task_done(change.import_id)
        if done is None:
            self.outcome(change, Outcome.SKIPPED, "de taak staat niet (meer) in Tribe")
            return
        if done == change.done:
            self.record(change, note="already so")
            self.outcome(change, Outcome.DONE_ALREADY, "already so")
            return
        self.ex.crm.update(change)
        self.record(change)
        self.outcome(change, Outcome.APPLIED)

    def hand_off(self, change: HandOff) -> None:
        """Stage, journal, publish, journal: the processor never sees a file the journal does not hold,
        and no request is in two files. What an interrupted hand-off left is finished first."""
        outbox = self.ex.outbox
        staged_by_journal: set[str] = set()
        fresh, finished = [], 0
        states = self.journal.states_of([keys.handoff_row(row.request_id) for row in change.rows])
        for row in change.rows:
            key = keys.handoff_row(row.request_id)
            state = states.get(key)
            if state is not None and state[0] == "pending" and state[1]:
                name = state[1]
                staged_by_journal.add(name)
                if not outbox.published(name) and outbox.staged(name):
                    outbox.publish(name)
                if outbox.published(name):
                    self.journal.mark(self.run_id, key, self.ex.clock(), detail=name)
                    finished += 1
                    continue
                self.journal.forget(key)
                state = None
            if state is not None:  # done: in an earlier file
                finished += 1
                continue
            if self.phases.get(row.request_id) is RequestStatus.PROCESSING:
                fresh.append(row)
        pending = {
            d
            for _, (s, d) in self.journal.keys_with_prefix(keys.HANDOFF_PREFIX).items()
            if s == "pending" and d
        }
        for leftover in outbox.staged_names():
            if leftover not in pending:
                outbox.discard(leftover)  # staged but never journalled: the processor never saw it
        if not fresh:
            status = Outcome.DONE_ALREADY if finished else Outcome.SKIPPED
            self.outcome(change, status, "handed off earlier" if finished else "no request is waiting")
            return
        name = file_name(change.processor_name, self.report.today, self.run_id)
        row_keys = [keys.handoff_row(r.request_id) for r in fresh]
        try:
            outbox.stage(name, [r.as_row() for r in fresh])
            self.journal.mark_many(self.run_id, row_keys, self.ex.clock(), state="pending", detail=name)
            outbox.publish(name)
        except HandoffError as exc:
            outbox.discard(name)
            for key in row_keys:
                self.journal.forget(key)
            said = write_failure_nl(exc, f"het bestand voor {change.label}")
            self.problem(
                problem(
                    ProblemCode.WRITE_FAILED,
                    "handoff",
                    change.processor_id,
                    detail=str(exc),
                    detail_nl=said,
                    record=change.label,
                )
            )
            self.outcome(change, Outcome.FAILED, str(exc), said)
            return
        self.journal.mark_many(self.run_id, row_keys, self.ex.clock(), detail=name)
        self.record(change, note=f"{counted(len(fresh), 'regel', 'regels')} in {name}")
        self.outcome(change, Outcome.APPLIED, name)

    # -- the journal ---------------------------------------------------------------------------

    def record(self, change: Change, *, target_id: str | None = None, note: str = "") -> None:
        """Journal the change key and its audit line (who, what, before, after, why), in a group.

        The line waits for the group's commit (`commit_lines`: at `_GROUP_SIZE` lines, after
        `_GROUP_WAIT_S`, at the step's end). Until then a crash loses it, which is safe: the effect is
        in the CRM, the rerun's re-read finds it (a status already moved, a task by its `ImportId`)
        and journals it then. Hand-off rows never wait: their intent is committed before the file."""
        marks = list(change.marks) if isinstance(change, CreateTask) else []
        before, after = _before_after(change)
        line = {
            "keys": [change.key, *marks],
            "entity_set": change.kind,
            "target_id": target_id or _target(change),
            "before": before,
            "after": after,
            "reason": f"{change.reason} ({note})" if note else change.reason,
            "actor": self.actor,
            "at": self.ex.clock(),
            "label": change.label,
        }
        with self._lines_lock:
            if not self._lines:
                self._first_line_at = time.monotonic()
            self._lines.append(line)
            due = len(self._lines) >= _GROUP_SIZE or time.monotonic() - self._first_line_at >= _GROUP_WAIT_S
        if due:
            self.commit_lines()

    def commit_lines(self) -> None:
        """Commit the journal lines waiting, in one transaction, in the order they were carried out."""
        with self._lock:  # one writer at a time: the journal is one connection (SQLite) or one pool
            with self._lines_lock:
                lines, self._lines = self._lines, []
            if lines:
                self.journal.record_many(self.run_id, lines)


_SUCCEEDED = (Outcome.APPLIED, Outcome.DONE_ALREADY)


def _stages(plan: Plan, order: list[Step]) -> list[list[tuple[Step, list[Change]]]]:
    """The plan's steps in order, a step joining the stage before it when none of its changes touches
    a record that stage touches or depends on one of that stage's changes.

    A stage is re-read once and its writes overlap: at Tribe's latency every stage costs a re-read
    and a round of writes, and steps that share nothing need no order between them (close-delivery-
    months creates the months ahead and closes others; nothing of one is read or written by the
    other). What must follow something else still does: a record's changes in two steps, a hand-off
    and its requests' statuses, a change and what it `depends_on` each start a stage of their own."""
    stages: list[list[tuple[Step, list[Change]]]] = []
    touched: set[tuple[str, object]] = set()
    keys: set[str] = set()
    for step in order:
        changes = plan.in_step(step)
        if not changes:
            continue
        records = {record for change in changes for record in _records(change)}
        needs = {key for change in changes for key in change.depends_on}
        if stages and not records & touched and not needs & keys:
            stages[-1].append((step, changes))
        else:
            stages.append([(step, changes)])
            touched, keys = set(), set()
        touched |= records
        keys |= {change.key for change in changes}
    return stages


def _records(change: Change) -> set[tuple[str, object]]:
    """What a change writes or has re-read: its own record, and a hand-off's requests."""
    records = {_lane(change)}
    if isinstance(change, HandOff):
        records |= {("request", row.request_id) for row in change.rows}
    return records


def _lane(change: Change) -> tuple[str, object]:
    """Changes to one record share a lane (kept in plan order); other lanes run side by side."""
    if isinstance(change, MoveStatus | RecordConfirmation):
        return ("request", change.request_id)
    if isinstance(change, CreateMonth | SetMonth):
        return ("month", change.month)
    if isinstance(change, HandOff):
        return ("hand-off", "")
    if isinstance(change, SetTask):
        return ("task", change.import_id)
    return ("task", change.key)


def _target(change: Change) -> str | None:
    if isinstance(change, MoveStatus | RecordConfirmation):
        return change.request_id
    if isinstance(change, SetMonth):
        return change.month_id
    if isinstance(change, HandOff):
        return change.processor_id
    return None


def _before_after(change: Change) -> tuple[dict[str, object], dict[str, object]]:
    """What the audit trail keeps of a change: small, plain and free of personal data."""
    if isinstance(change, MoveStatus):
        after: dict[str, object] = {"status": change.to_status.name}
        if change.month is not None:
            after["month"] = change.month.code
        return {"status": change.from_status.name}, after
    if isinstance(change, SetMonth):
        return (
            {"open": change.was_open, "closed_by": change.was_closed_by},
            {
                "open": change.open,
                "closed_by": change.closed_by.value if change.closed_by else None,
                "reason": change.closed_reason,
            },
        )
    if isinstance(change, RecordConfirmation):
        return (
            {"confirmed_on": _iso(change.was_confirmed_on), "delivery_date": _iso(change.was_delivery_date)},
            {"confirmed_on": _iso(change.confirmed_on), "delivery_date": _iso(change.delivery_date)},
        )
    if isinstance(change, CreateMonth):
        return {}, {
            "month": change.month.code,
            "capacity": change.capacity,
            "closed": bool(change.closed_reason),
        }
    if isinstance(change, CreateTask):
        return {}, {"task": change.subject, "due": change.due.isoformat()}
    if isinstance(change, SetTask):
        return {"task": change.subject, "done": not change.done}, {
            "task": change.subject,
            "done": change.done,
        }
    return {"status": "PROCESSING"}, {"processor": change.processor_name, "rows": len(change.rows)}


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _reason(exc: BaseException) -> str:
    """An error as people read it: our own errors say it well; anything else is named, not dumped."""
    if isinstance(exc, TribeSyncError):
        return str(exc)
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"unexpected error ({type(exc).__name__}{': ' + text if text else ''})"
