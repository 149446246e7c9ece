"""The sync daemon: runs every job on its schedule, as one of any number of replicas.

- Leadership: a lease row in the journal, renewed every third of `daemon.lease_s` on a thread of its
  own; only the leader runs jobs, and a standby takes over within one lease after the leader stops.
- Each job has a cron trigger (APScheduler 3.11; coalesced, one instance, generous misfire grace).
  A run fires only if the job has not finished a run since its latest scheduled time, so a missed
  run is caught up once at start, and two replicas firing for one period run it once. The job claim
  in `run_job` keeps two runs of one job from ever applying at the same time.
- An HTTP endpoint (loopback by default): `/healthz`, `/metrics`, and `POST /webhooks/tribe`, which
  checks a delivery as `tribe_sync.webhooks` describes (size first, then signature, envelope, replay) and,
  for a created or updated request, runs the month closing soon, at most once per
  `daemon.webhook_min_interval_s`.
- SIGTERM/SIGINT: the current run stops between two changes, the lease is released, the process exits.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tribe_sync.bootstrap import Services
from tribe_sync.errors import (
    LockHeldError,
    StoreError,
    StoreSchemaError,
    TribeSyncError,
)
from tribe_sync.http_server import ServerThread, refuse_unless_can_listen, serve_in_thread
from tribe_sync.jobs.executor import Job, Report
from tribe_sync.jobs.registry import JOBS
from tribe_sync.metrics import Metrics
from tribe_sync.plans.service import approval_jobs, park, plan_store
from tribe_sync.store.plans import PlanRow, Trigger
from tribe_sync.store.readmodel.refresh import MirrorSet
from tribe_sync.webhooks import (
    BodyTooLarge,
    ReplayGuard,
    declared_length,
    next_webhook_run,
    parse_envelope,
    read_capped,
    signature_bytes,
    verify_signature,
)

__all__ = ["LEADER", "Daemon", "verify_signature"]

log = logging.getLogger("tribe_sync.daemon")

LEADER = "leader"
WEBHOOK_JOBS = ("close-delivery-months",)  # what a new or changed request can make due at once
WEBHOOK_DELAY_S = 5  # a burst of webhooks becomes one run


def _trigger(reason: str) -> str:
    """What started a run, in the journal's words (`runs list`)."""
    return reason if reason in {t.value for t in Trigger} else Trigger.SCHEDULE.value


class Daemon:
    def __init__(self, services: Services, jobs: Mapping[str, Job] = JOBS) -> None:
        self.services = services
        self.jobs = jobs
        self.settings = services.settings
        self.tz = ZoneInfo(self.settings.programme.timezone)
        self.triggers = {
            name: CronTrigger.from_crontab(self.settings.schedule.cron(name), timezone=self.tz)
            for name in jobs
        }
        self.role = "starting"
        self.store_error: str | None = None
        self.last: dict[str, dict[str, Any]] = {}
        self.waiting: dict[str, PlanRow] = {}  # a job under approval: its plan that waits (--once says so)
        self.metrics = Metrics(lambda: services.__dict__.get("client"))
        self._run_lock = threading.Lock()
        self._scheduler: BackgroundScheduler | None = None
        self._http: ServerThread | None = None
        self._console: ServerThread | None = None
        self._file_lock: int | None = None
        self._replays = ReplayGuard(self.settings.daemon.webhook_replay_window_s)
        self._webhook_run_at: dict[str, dt.datetime] = {}
        self.approval_jobs = approval_jobs(self.settings)

    # -- leadership and due runs ---------------------------------------------------------------

    @property
    def is_leader(self) -> bool:
        return self.role == LEADER

    def heartbeat(self) -> bool:
        """Take or renew the leader's lease; a standby keeps trying. True while we lead."""
        lease = dt.timedelta(seconds=self.settings.daemon.lease_s)
        try:
            self.services.journal.claim(LEADER, self.services.holder, self.services.clock(), lease)
            role = LEADER
            self.store_error = None
        except LockHeldError:
            role = "standby"
            self.store_error = None
        except StoreSchemaError:
            raise  # a store at another schema revision needs an operator, not a retry
        except StoreError as exc:
            role, self.store_error = "standby", str(exc)
        if role != self.role:
            log.info("role: %s (%s)", role, self.services.holder)
        self.role = role
        self.metrics.leader.set(1 if self.is_leader else 0)
        return self.is_leader

    def previous_fire(self, job: str, now: dt.datetime) -> dt.datetime | None:
        """The latest time at or before `now` the job's schedule wanted a run (within a week)."""
        trigger = self.triggers[job]
        moment: dt.datetime | None = trigger.get_next_fire_time(None, now - dt.timedelta(days=8))
        latest = None
        while moment is not None and moment <= now:
            latest = moment
            moment = trigger.get_next_fire_time(moment, moment + dt.timedelta(seconds=1))
        return latest

    def is_due(self, job: str, now: dt.datetime) -> bool:
        wanted = self.previous_fire(job, now)
        if wanted is None:
            return False
        last = self.services.journal.last_success(job)
        return last is None or last < wanted

    def fire(self, job: str, *, force: bool = False, reason: str = "schedule") -> Report | None:
        """Run `job` if this daemon leads and the job is due (or `force`d, e.g. by a webhook)."""
        if not self.heartbeat():
            return None
        try:
            if not force and not self.is_due(job, self.services.clock()):
                return None
        except StoreError as exc:
            log.error("%s: cannot read the journal: %s", job, exc)
            return None
        with self._run_lock:
            if self.services.stopping.is_set():
                return None
            started = time.monotonic()
            log.info("%s: starting (%s)", job, reason)
            try:
                if job in self.approval_jobs:
                    parked = self._under_approval(job, reason, started)
                    if parked is None:
                        return None
                    report = parked
                else:
                    report = self.services.executor().run_job(
                        self.jobs[job], self.services.today(), trigger=_trigger(reason)
                    )
            except LockHeldError as exc:
                log.info("%s: not started: %s", job, exc)
                return None
            except TribeSyncError as exc:  # the run could not even be recorded (the store is away)
                log.error("%s: failed: %s", job, exc)
                self._finished(job, "failed", started, str(exc))
                return None
            seconds = time.monotonic() - started
            self.metrics.record(job, report, seconds)
            summary = report.summary()
            self.last[job] = {
                "at": self.services.clock().isoformat(),
                "outcome": report.outcome,
                "seconds": round(seconds, 1),
                **summary,
            }
            if report.error:
                self.last[job]["error"] = report.error
            log.log(
                logging.ERROR if report.failed and not report.interrupted else logging.INFO,
                "%s: %s in %.1f s: %s%s",
                job,
                report.outcome,
                seconds,
                ", ".join(f"{k} {v}" for k, v in summary.items() if v),
                f" ({report.error})" if report.error else "",
            )
            return report

    def _under_approval(self, job: str, reason: str, started: float) -> Report | None:
        """Apply what was approved, else park the fresh plan as pending; a report only if a run
        applied something (or an empty plan ran). Planning that fails is a failed tick, not a crash."""
        try:
            tick = park(
                self.services, self.jobs[job], self.services.today(), trigger=Trigger(_trigger(reason))
            )
        except LockHeldError:
            raise
        except Exception as exc:
            log.error("%s: could not plan for approval: %s", job, exc)
            self._finished(job, "failed", started, f"could not plan for approval: {exc}")
            return None
        for refused in tick.refused:
            log.warning("%s: an approved plan was refused (%s): %s", job, refused.why, refused)
        self.waiting.pop(job, None)
        if tick.pending is not None:
            self.waiting[job] = tick.pending
            log.info(
                "%s: plan %d waits for approval (%s)",
                job,
                tick.pending.id,
                "new" if tick.new else "unchanged",
            )
        self._plan_metrics()
        reports = [a.report for a in tick.applied if a.report is not None]
        return reports[0] if reports else tick.report

    def _plan_metrics(self) -> None:
        try:
            count, age = plan_store(self.services).pending_summary(self.services.clock())
        except StoreError:
            return
        self.metrics.plans_pending.set(count)
        self.metrics.oldest_pending.set(age)

    def _finished(self, job: str, outcome: str, started: float, error: str | None = None) -> None:
        """A tick that ended without a run's report (`daemon --once` says so from `last`)."""
        seconds = time.monotonic() - started
        self.metrics.failed(job, outcome, seconds)
        self.last[job] = {
            "at": self.services.clock().isoformat(),
            "outcome": outcome,
            "seconds": round(seconds, 1),
            **({"error": error} if error else {}),
        }

    def run_due(self) -> list[Report]:
        """Every job that is due, once (the start-up catch-up, and `daemon --once`)."""
        return [report for job in self.jobs if (report := self.fire(job, reason="catch-up")) is not None]

    # -- the single-instance lock for SQLite ---------------------------------------------------

    def lock_store(self) -> None:
        """With SQLite only one daemon may use the file: refuse a second one, saying so."""
        url = self.settings.store.url
        if not url.startswith("sqlite:///") or url == "sqlite:///:memory:":
            return
        path = Path(url.removeprefix("sqlite:///")).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(f"{path}.daemon.lock", os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            owner = os.read(handle, 64).decode(errors="replace").strip() or "another process"
            os.close(handle)
            raise LockHeldError(
                f"another tribe-sync daemon ({owner}) is using {path}; with SQLite only one daemon may run. "
                "For several replicas use PostgreSQL (store.url)."
            ) from None
        os.ftruncate(handle, 0)
        os.write(handle, f"pid {os.getpid()}".encode())
        self._file_lock = handle

    # -- running as a service ------------------------------------------------------------------

    def start(self, *, serve_http: bool = True) -> None:
        daemon = self.settings.daemon
        if serve_http:
            # Before anything runs: a taken port is an operator's setting, said in one line.
            refuse_unless_can_listen(daemon.host, daemon.port, self.settings, "daemon")
        self.lock_store()
        self.services.journal  # noqa: B018 - open (and create) the store before the first tick
        scheduler = BackgroundScheduler(
            timezone=self.tz,
            executors={
                "default": ThreadPoolExecutor(1),
                "heartbeat": ThreadPoolExecutor(1),
                "mirror": ThreadPoolExecutor(1),  # read-model refreshes never wait behind a job
            },
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": daemon.misfire_grace_s},
        )
        for name, trigger in self.triggers.items():
            scheduler.add_job(self._fire_scheduled, trigger, args=[name], id=name, name=name)
        scheduler.add_job(
            self.heartbeat,
            "interval",
            seconds=max(1.0, daemon.lease_s / 3),
            id="heartbeat",
            executor="heartbeat",
            next_run_time=dt.datetime.now(self.tz),
        )
        scheduler.add_job(self._catch_up, "date", id="catch-up", run_date=dt.datetime.now(self.tz))
        mirror = self.settings.mirror
        for mode, cron in (("full", mirror.full_refresh), ("delta", mirror.delta_refresh)):
            scheduler.add_job(
                self.refresh_mirror,
                CronTrigger.from_crontab(cron, timezone=self.tz),
                kwargs={"full": mode == "full"},
                id=f"mirror:{mode}",
                executor="mirror",
            )
        if serve_http:
            self._http = serve_in_thread(self.app(), daemon.host, daemon.port, name="tribe-sync-http")
            log.info("health, metrics and webhooks on %s", self._http.url)
            console = self.settings.console
            if console.enabled:
                from tribe_sync.console.app import create_app  # noqa: PLC0415 - only when enabled

                self._console = serve_in_thread(
                    create_app(self.services, warm=True),
                    console.host,
                    console.port,
                    name="tribe-sync-console",
                )
                log.info("staff console on %s", self._console.url)
        scheduler.start()
        self._scheduler = scheduler

    def _fire_scheduled(self, job: str) -> None:
        try:
            self.fire(job)
        except Exception:  # never let one job end the catch-up or the scheduler's thread
            log.exception("%s: the daemon could not run it", job)

    def _catch_up(self) -> None:
        for job in self.jobs:
            self._fire_scheduled(job)

    def stop(self) -> None:
        """Stop cleanly: the current run ends between two changes; the lease and locks are released."""
        self.services.stopping.set()
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=True)
            self._scheduler = None
        if self._http is not None:
            self._http.stop()
            self._http = None
        if self._console is not None:
            self._console.stop()
            self._console = None
        try:
            self.services.journal.release(LEADER, self.services.holder)
        except StoreError as exc:
            log.warning("could not release the lease: %s", exc)
        if self._file_lock is not None:
            os.close(self._file_lock)
            self._file_lock = None
        self.services.close()
        log.info("stopped")

    def run_forever(self) -> None:
        stop = threading.Event()

        def on_signal(signum: int, _frame: object) -> None:
            log.info("%s: stopping after the current change", signal.Signals(signum).name)
            self.services.stopping.set()
            stop.set()

        # Put back on the way out: whoever called us (a test, an embedding process) gets its own back.
        previous = {signum: signal.signal(signum, on_signal) for signum in (signal.SIGTERM, signal.SIGINT)}
        try:
            self.start()
            # With a timeout: a signal the kernel hands to another thread (uvicorn's, the scheduler's)
            # only runs its Python handler once the main thread runs bytecode again, and an endless
            # wait never does.
            while not stop.wait(timeout=0.5):
                pass
            self.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    # -- HTTP ----------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            successes = {job: self.services.journal.last_success(job) for job in self.jobs}
            store = "ok"
        except StoreError as exc:
            successes, store = {}, f"unreachable: {exc}"
        scheduler = self._scheduler
        jobs = {}
        for job in self.jobs:
            scheduled = scheduler.get_job(job) if scheduler else None
            next_run = scheduled.next_run_time if scheduled else None
            last_success = successes.get(job)
            jobs[job] = {
                "last_success": last_success.isoformat() if last_success else None,
                "last_run": self.last.get(job),
                "next_run": next_run.isoformat() if next_run else None,
            }
        failing = sorted(job for job, last in self.last.items() if last.get("outcome") == "failed")
        healthy = store == "ok" and not failing
        body = {
            "status": "ok" if healthy else "degraded",
            "role": self.role,
            "holder": self.services.holder,
            "store": store,
            "failing": failing,
            "jobs": jobs,
        }
        return (200 if healthy else 503), body

    def trigger(self, job: str, reason: str) -> bool:
        """Run `job` soon, once for a burst of triggers; False if this daemon cannot run jobs now."""
        scheduler = self._scheduler
        if scheduler is None or not self.is_leader:
            return False
        if scheduler.get_job(f"webhook:{job}") is None:
            run_at = next_webhook_run(
                dt.datetime.now(self.tz),
                self._webhook_run_at.get(job),
                dt.timedelta(seconds=WEBHOOK_DELAY_S),
                dt.timedelta(seconds=self.settings.daemon.webhook_min_interval_s),
            )
            self._webhook_run_at[job] = run_at
            scheduler.add_job(
                self.fire,
                "date",
                args=[job],
                kwargs={"force": True, "reason": reason},
                id=f"webhook:{job}",
                run_date=run_at,
            )
        return True

    # -- the read model --------------------------------------------------------------------------

    def refresh_mirror(self, *, full: bool = False) -> None:
        """Refresh the read model (the leader does; the others read what it keeps)."""
        if not self.is_leader:
            return
        try:
            done = self.services.mirror.refresh(full=full)
            log.info(
                "read model: %s refresh, %d record(s) read",
                "full" if full else "delta",
                sum(r.read for r in done),
            )
        except Exception:  # the read model is a convenience: never let it stop the daemon
            log.exception("read model: the %s refresh failed", "full" if full else "delta")

    def mirror_changed(self, sets: set[MirrorSet]) -> bool:
        """A verified webhook said these sets changed: mark them stale (every reader then refreshes
        them first) and refresh them by delta once the burst is over. False if this daemon cannot."""
        if not sets:
            return False
        try:
            self.services.mirror.mark_stale(sets, self.services.clock())
        except StoreError as exc:
            log.warning("read model: cannot mark %s stale: %s", sorted(sets), exc)
        scheduler = self._scheduler
        if scheduler is None or not self.is_leader:
            return False
        if scheduler.get_job("mirror:webhook") is None:
            run_at = next_webhook_run(  # debounced, and rate-limited like the jobs webhooks start
                dt.datetime.now(self.tz),
                self._webhook_run_at.get("mirror"),
                dt.timedelta(seconds=self.settings.mirror.webhook_debounce_s),
                dt.timedelta(seconds=self.settings.daemon.webhook_min_interval_s),
            )
            self._webhook_run_at["mirror"] = run_at
            scheduler.add_job(
                self.refresh_mirror, "date", id="mirror:webhook", executor="mirror", run_date=run_at
            )
        return True

    def app(self) -> Starlette:
        async def healthz(_request: Request) -> Response:
            status, body = self.health()
            return JSONResponse(body, status_code=status)

        async def metrics(_request: Request) -> Response:
            self._plan_metrics()
            return Response(self.metrics.text(), media_type="text/plain; version=0.0.4")

        async def webhook(request: Request) -> Response:
            try:
                length = declared_length(request.headers.get("content-length"))
            except ValueError:
                return JSONResponse({"error": "bad Content-Length"}, 400, {"Connection": "close"})
            signature = request.headers.get(self.settings.daemon.webhook_signature_header)
            status, answer = self.webhook_precheck(length, signature)
            if status is None:
                try:
                    body = await read_capped(request.stream(), self.settings.daemon.webhook_max_bytes)
                except BodyTooLarge:
                    log.warning("webhook refused: body over %d bytes", self.settings.daemon.webhook_max_bytes)
                    status, answer = 413, {"error": "body too large"}
                else:
                    status, answer = self.webhook(body, request.headers)
            # After a refusal the rest of the body is not read: the connection is closed instead.
            headers = {"Connection": "close"} if status >= 400 else None
            return JSONResponse(answer, status_code=status, headers=headers)

        return Starlette(
            routes=[
                Route("/healthz", healthz),
                Route("/metrics", metrics),
                Route("/webhooks/tribe", webhook, methods=["POST"]),
            ]
        )

    def webhook_precheck(
        self, length: int | None, signature: str | None
    ) -> tuple[int | None, dict[str, Any]]:
        """What can be refused before a byte of the body is read: (None, {}) when reading may start."""
        daemon = self.settings.daemon
        if daemon.webhook_secret is None:
            return 404, {"error": "webhooks are not configured (daemon.webhook_secret)"}
        if length is not None and length > daemon.webhook_max_bytes:
            log.warning("webhook refused: %d bytes declared, at most %d", length, daemon.webhook_max_bytes)
            return 413, {"error": f"body too large (at most {daemon.webhook_max_bytes} bytes)"}
        if not signature:
            log.warning("webhook refused: no %s header", daemon.webhook_signature_header)
            return 401, {"error": f"missing {daemon.webhook_signature_header}"}
        if signature_bytes(signature) is None:
            log.warning("webhook refused: %s is not a Base64 SHA-512 digest", daemon.webhook_signature_header)
            return 401, {"error": "bad signature"}
        return None, {}

    def webhook(self, body: bytes, headers: Any) -> tuple[int, dict[str, Any]]:
        """Check and act on one webhook delivery. Its body is never logged (it may hold personal data)."""
        daemon = self.settings.daemon
        signature = headers.get(daemon.webhook_signature_header)
        status, answer = self.webhook_precheck(len(body), signature)
        if status is not None:
            return status, answer
        assert daemon.webhook_secret is not None  # else the precheck answered 404
        assert signature  # else the precheck answered 401
        if not verify_signature(daemon.webhook_secret.get_secret_value(), body, signature):
            log.warning("webhook refused: bad signature (%d bytes)", len(body))
            return 401, {"error": "bad signature"}
        try:
            envelope = parse_envelope(body)
            mutations = _mutations(envelope["payload"])
        except (ValueError, KeyError, TypeError):
            log.warning("webhook refused: not a Tribe webhook envelope (%d bytes)", len(body))
            return 400, {"error": 'expected {"webhookId": ..., "payload": ...}'}
        if not self._replays.first_time(body):
            log.info(
                "webhook %s: already accepted; a replay, nothing done", _printable(envelope.get("webhookId"))
            )
            return 200, {"accepted": 0, "duplicate": True, "triggered": []}
        request_type = self.settings.tenant.sets.request
        relevant = [
            m
            for m in mutations
            if m.get("action") in ("created", "updated")
            and str(m.get("type", "")).replace(".", "_") == request_type
        ]
        _warn_not_understood(envelope.get("webhookId"), mutations, self.settings)
        triggered = [job for job in WEBHOOK_JOBS if relevant and self.trigger(job, "webhook")]
        if self.mirror_changed(mirror_sets_of(mutations, self.settings)):
            triggered.append("mirror")
        log.info(
            "webhook %s: %d mutation(s), %d of requests; triggered %s",
            _printable(envelope.get("webhookId")),
            len(mutations),
            len(relevant),
            triggered or "nothing",
        )
        return 202, {"accepted": len(mutations), "triggered": triggered}


# What a mutation's action may be (Tribe's "EntityCreated" etc. are normalised to these).
KNOWN_ACTIONS = ("created", "updated", "deleted")


def _warn_not_understood(webhook_id: Any, mutations: list[dict[str, Any]], settings: Any) -> None:
    """Warn the operator about mutations of an entity type or action we do not know: a webhook
    subscribed to more than we use, or a body in another form (docs/operating.md shows ours). Only
    the type and action are logged, never a record's content."""
    known = _sets_by_type(settings)
    ignored = [
        m
        for m in mutations
        if str(m.get("type", "")).replace(".", "_") not in known or m.get("action") not in KNOWN_ACTIONS
    ]
    if ignored:
        kinds = sorted(
            {
                (_printable(m.get("type") or "(none)"), _printable(m.get("action") or "(none)"))
                for m in ignored
            }
        )
        log.warning(
            "webhook %s: %d mutation(s) not understood, ignored (entity type, action): %s; understood are "
            "actions %s on entity types %s (written with . or _)",
            _printable(webhook_id),
            len(ignored),
            ", ".join(f"{t} {a}" for t, a in kinds[:10]),
            "/".join(KNOWN_ACTIONS),
            ", ".join(sorted(known)),
        )


def mirror_sets_of(mutations: list[dict[str, Any]], settings: Any) -> set[MirrorSet]:
    """The read-model sets that Tribe's mutations touch. A product line belongs to its request."""
    by_type = _sets_by_type(settings)
    return {
        found
        for m in mutations
        if (found := by_type.get(str(m.get("type", "")).replace(".", "_"))) is not None
    }


def _sets_by_type(settings: Any) -> dict[str, MirrorSet]:
    """Each entity type (as the tenant names it, `Activity_SalesOrder`) and the set it belongs to."""
    sets = settings.tenant.sets
    return {
        sets.request: MirrorSet.REQUESTS,
        "ProductLine": MirrorSet.REQUESTS,
        sets.customer: MirrorSet.ORGANISATIONS,
        sets.organisation: MirrorSet.ORGANISATIONS,
        sets.delivery_month: MirrorSet.MONTHS,
        sets.forecast: MirrorSet.FORECASTS,
        sets.accountability: MirrorSet.REPORTS,
        sets.task: MirrorSet.TASKS,
    }


def _printable(value: Any) -> str:
    """A sender-chosen ID, made safe for a log line: short, no control characters."""
    text = str(value)[:80]
    return "".join(c if c.isprintable() else "?" for c in text)


def _mutations(payload: Any) -> list[dict[str, Any]]:
    """Tribe's mutations in a normal form: {"action", "type", "id"}; accepts one or a list."""
    items = payload if isinstance(payload, list) else [payload]
    found = []
    for item in items:
        if not isinstance(item, dict):
            raise TypeError("a mutation is an object")
        action = str(item.get("mutation") or item.get("action") or item.get("event") or "").lower()
        entity_type = item.get("entityType") or item.get("type") or item.get("_Type") or ""
        found.append(
            {
                "action": action.removeprefix("entity").strip("_"),
                "type": entity_type,
                "id": item.get("entityId") or item.get("id") or item.get("ID"),
            }
        )
    return found
