"""The daemon's scheduling, leadership, catch-up, webhooks and health, with a fake clock."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import create_engine, func, select

from tests.databases import postgres_url
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.daemon import Daemon, verify_signature
from tribe_sync.errors import LockHeldError
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.journal import open_journal
from tribe_sync.store.ratelimit import SharedRateLimiter
from tribe_sync.store.tables import rate_calls

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

JOB = "close-delivery-months"
START = dt.datetime(2026, 12, 1, 6, 30, tzinfo=dt.UTC)
SECRET = "webhook-secret-of-tribe"


class Clock:
    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=9, anchor=START.date())) as running:
        yield running


def settings_for(sandbox: RunningSandbox, store_url: str, **daemon: Any) -> Settings:
    return Settings(
        crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
        store={"url": store_url},  # type: ignore[arg-type]
        schedule={"close_delivery_months": "0 * * * *"},  # type: ignore[arg-type]
        daemon={"lease_s": 30, "port": 0, "webhook_secret": SECRET, **daemon},  # type: ignore[arg-type]
    )


def runs_per_hour(url: str) -> Counter[str]:
    journal = open_journal(url)
    try:
        return Counter(r["started_at"].strftime("%H") for r in journal.runs(JOB, limit=500))
    finally:
        journal.close()


@pytest.mark.postgres
def test_two_replicas_run_each_period_once_and_the_standby_takes_over_when_the_leader_dies(
    sandbox: RunningSandbox,
) -> None:
    with postgres_url() as url:
        clock = Clock(START)
        a, b = (Daemon(Services(settings_for(sandbox, url), clock=clock)) for _ in range(2))
        alive = [a, b]
        took_over_at = None
        while clock.now < START + dt.timedelta(hours=6):
            for daemon in alive:
                daemon.heartbeat()
            if clock.now.minute in (0, 10):  # every replica's scheduler fires, and fires again late
                for daemon in alive:
                    daemon.fire(JOB)
            if clock.now == START + dt.timedelta(hours=3):
                leader = next(d for d in alive if d.is_leader)
                alive.remove(leader)  # killed: no release, no more heartbeats
            if took_over_at is None and len(alive) == 1 and alive[0].is_leader:
                took_over_at = clock.now
            clock.now += dt.timedelta(minutes=5)
        assert sum(d.is_leader for d in alive) == 1
        assert took_over_at is not None
        assert took_over_at - (START + dt.timedelta(hours=3)) <= dt.timedelta(seconds=30 + 300)
        per_hour = runs_per_hour(url)
        assert set(per_hour.values()) == {1}, per_hour
        assert len(per_hour) == 6
        for daemon in (a, b):
            daemon.services.close()


def test_a_run_missed_during_an_outage_is_caught_up_once(sandbox: RunningSandbox, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    clock = Clock(START + dt.timedelta(minutes=35))  # 07:05
    daemon = Daemon(Services(settings_for(sandbox, url), clock=clock))
    due_at_start = [job for job in daemon.triggers if daemon.is_due(job, clock.now)]
    assert JOB in due_at_start, "an empty journal: everything with a past scheduled time is due"
    assert [r.plan.job for r in daemon.run_due()] == due_at_start
    clock.now += dt.timedelta(hours=5)  # the daemon was down from 07:05 to 12:05
    caught_up = daemon.run_due()
    assert JOB in [r.plan.job for r in caught_up]
    assert daemon.run_due() == [], "once caught up, nothing is due until the next scheduled time"
    clock.now += dt.timedelta(hours=1)
    assert JOB in [r.plan.job for r in daemon.run_due()]
    daemon.services.close()


def test_a_second_daemon_on_the_same_sqlite_file_is_refused_with_a_clear_message(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'journal.db'}"
    first = Daemon(Services(settings_for(sandbox, url)))
    first.lock_store()
    with pytest.raises(LockHeldError, match=r"another tribe-sync daemon \(pid \d+\) is using .*PostgreSQL"):
        Daemon(Services(settings_for(sandbox, url))).lock_store()
    first.stop()
    Daemon(Services(settings_for(sandbox, url))).lock_store()  # free again once the first has stopped


def sign(body: bytes, secret: str = SECRET) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha512).digest()).decode()


def test_the_signature_is_the_base64_of_the_hmac_sha512_of_the_body() -> None:
    body = b'{"webhookId": "w", "payload": {}}'
    assert verify_signature(SECRET, body, sign(body))
    assert not verify_signature(SECRET, body + b" ", sign(body))
    assert not verify_signature("other", body, sign(body))


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b'{"webhookId": "w", "payload": []}', 401),
        ({"X-Tribe-Signature": "bm9wZQ=="}, b'{"webhookId": "w", "payload": []}', 401),
        ("signed", b"not json", 400),
        ("signed", b'{"webhookId": "w"}', 400),
        (
            "signed",
            b'{"webhookId": "w", "payload": [{"mutation": "updated", "entityType": "Activity.Task"}]}',
            202,
        ),
    ],
)
def test_unsigned_or_malformed_webhooks_are_refused_and_their_body_is_not_logged(
    sandbox: RunningSandbox,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
    headers: Any,
    body: bytes,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    daemon = Daemon(Services(settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")))
    triggered: list[str] = []
    daemon.trigger = lambda job, reason: triggered.append(job) or True  # type: ignore[method-assign]
    headers = {"X-Tribe-Signature": sign(body)} if headers == "signed" else headers
    assert daemon.webhook(body, headers)[0] == status
    assert triggered == []
    assert body.decode(errors="replace") not in caplog.text


def test_a_signed_webhook_for_a_new_request_closes_a_full_month_at_once(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    daemon = Daemon(Services(settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")))
    triggered: list[str] = []
    daemon.trigger = lambda job, reason: triggered.append(job) or True  # type: ignore[method-assign]
    body = json.dumps(
        {
            "webhookId": "w-1",
            "payload": [{"mutation": "created", "entityType": "Activity.SalesOrder", "entityId": "x"}],
        }
    ).encode()
    status, answer = daemon.webhook(body, {"X-Tribe-Signature": sign(body)})
    assert (status, answer["triggered"], triggered) == (202, [JOB], [JOB])


def test_a_signed_webhook_with_mutations_the_daemon_does_not_understand_warns_the_operator_without_content(
    sandbox: RunningSandbox, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    daemon = Daemon(Services(settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")))
    daemon.trigger = lambda job, reason: True  # type: ignore[method-assign]
    understood = [{"mutation": "updated", "entityType": "Activity.SalesOrder", "entityId": "r-1"}]
    odd = [
        {"mutation": "updated", "entityType": "Relation.Person", "entityId": "p-secret-id"},
        {"mutation": "archived", "entityType": "Activity.SalesOrder", "entityId": "r-2"},
    ]
    caplog.set_level(logging.INFO, logger="tribe_sync")

    def warnings(mutations: list[dict[str, str]], webhook_id: str) -> list[str]:
        caplog.clear()
        body = json.dumps({"webhookId": webhook_id, "payload": mutations}).encode()
        assert daemon.webhook(body, {"X-Tribe-Signature": sign(body)})[0] == 202
        return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]

    assert warnings(understood, "w-ok") == []
    [said] = warnings(understood + odd, "w-odd")
    assert "webhook w-odd: 2 mutation(s) not understood" in said
    assert "Relation.Person updated" in said
    assert "Activity.SalesOrder archived" in said
    assert "created/updated/deleted" in said
    assert "p-secret-id" not in said, "no record's ID or content"
    assert "r-2" not in said


def test_webhooks_are_refused_while_no_secret_is_configured(sandbox: RunningSandbox, tmp_path: Path) -> None:
    settings = settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}", webhook_secret=None)
    assert Daemon(Services(settings)).webhook(b"{}", {"X-Tribe-Signature": "x"})[0] == 404


def test_health_and_metrics_over_http(sandbox: RunningSandbox, tmp_path: Path) -> None:
    daemon = Daemon(Services(settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")))
    daemon.start()
    try:
        deadline = time.monotonic() + 20
        while JOB not in daemon.last and time.monotonic() < deadline:
            time.sleep(0.1)
        assert daemon._http is not None
        health = httpx.get(f"{daemon._http.url}/healthz")
        assert health.status_code == 200
        body = health.json()
        assert (body["status"], body["role"], body["store"]) == ("ok", "leader", "ok")
        assert body["jobs"][JOB]["last_success"]
        assert body["jobs"][JOB]["next_run"]
        metrics = httpx.get(f"{daemon._http.url}/metrics").text
        assert f'tribe_sync_runs_total{{job="{JOB}",outcome=' in metrics
        assert "tribe_sync_crm_calls_total" in metrics
        assert "tribe_sync_leader 1.0" in metrics
    finally:
        daemon.stop()


class WouldWait(Exception):
    """Raised by a limiter's sleep: the budget is spent, and the test counts instead of waiting."""


@pytest.mark.postgres
def test_replicas_share_one_rate_budget_through_postgresql() -> None:
    """Two replicas draw from one window of 4 calls. Counted, not timed: each replica's limiter raises
    instead of sleeping once the shared budget is spent, so exactly 4 calls get through in all, however
    the threads are scheduled, and every other attempt was told to wait."""
    with postgres_url() as url:
        open_journal(url).close()  # create the tables
        engine = create_engine(url)
        granted: Counter[str] = Counter()
        waits: list[float] = []
        lock = threading.Lock()
        start_together = threading.Barrier(2)

        def refuse(pause: float) -> None:
            with lock:
                waits.append(pause)
            raise WouldWait

        def replica(name: str) -> None:
            limiter = SharedRateLimiter(engine, max_calls=4, window_s=3600.0, sleep=refuse)
            start_together.wait()
            for _ in range(5):
                try:
                    limiter.acquire()
                except WouldWait:
                    continue
                with lock:
                    granted[name] += 1

        threads = [threading.Thread(target=replica, args=(name,)) for name in ("a", "b")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with engine.connect() as connection:
            rows = connection.execute(select(func.count()).select_from(rate_calls)).scalar_one()
        engine.dispose()
        assert sum(granted.values()) == 4 == rows, granted
        assert len(waits) == 10 - 4
        assert all(0 < pause <= 3600 for pause in waits)


def test_the_daemon_serves_the_console_apart_from_the_webhooks_when_enabled(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    base = settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")
    settings = base.model_copy(
        update={"console": base.console.model_copy(update={"enabled": True, "port": 0})}
    )
    daemon = Daemon(Services(settings))
    daemon.start()
    try:
        assert daemon._http is not None
        assert daemon._console is not None
        assert daemon._console.port != daemon._http.port
        login = httpx.get(f"{daemon._console.url}/login")
        assert login.status_code == 200
        assert 'name="username"' in login.text
        assert httpx.get(f"{daemon._console.url}/runs").status_code == 303
        assert httpx.get(f"{daemon._http.url}/login").status_code == 404, "not on the webhooks' port"
    finally:
        daemon.stop()
    assert daemon._console is None


def test_a_signed_webhook_marks_the_read_model_stale_and_refreshes_it_once_after_the_burst(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    daemon = Daemon(Services(settings_for(sandbox, f"sqlite:///{tmp_path / 'j.db'}")))
    daemon.trigger = lambda job, reason: True  # type: ignore[method-assign]
    daemon._scheduler = BackgroundScheduler(timezone=daemon.tz)  # not started: jobs stay pending
    assert daemon.heartbeat()
    daemon.refresh_mirror(full=True)
    for n in range(3):  # a burst of distinct deliveries (the same one again would be a replay)
        body = json.dumps(
            {
                "webhookId": f"w-2-{n}",
                "payload": [
                    {"mutation": "updated", "entityType": "Activity.SalesOrder", "entityId": "x"},
                    {"mutation": "updated", "entityType": "ProductLine", "entityId": "y"},
                ],
            }
        ).encode()
        status, answer = daemon.webhook(body, {"X-Tribe-Signature": sign(body)})
        assert (status, "mirror" in answer["triggered"]) == (202, True)
    assert [j.id for j in daemon._scheduler.get_jobs() if j.id.startswith("mirror:")] == ["mirror:webhook"]
    stale = {s["name"] for s in daemon.services.mirror.status() if s.get("stale_since")}
    assert stale == {"requests"}
    daemon.refresh_mirror()
    assert not any(s.get("stale_since") for s in daemon.services.mirror.status())
    daemon.services.close()
