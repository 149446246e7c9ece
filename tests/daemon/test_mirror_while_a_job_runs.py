"""The read model has its own executor: a webhook's refresh does not wait for a job that is running.

The job here is the real audit, held open in its planning (after its snapshot, with its claim, the
leader's lease and its journal run all taken) until the test lets it go; the webhook goes through the
daemon's own verification, its stale mark and its scheduled refresh on the "mirror" executor.

What did make a refresh wait in practice was the CRM client's throttle during a job's reads (its
page fetches took every free place first): tests/client/test_throttle.py pins that places are given
first come, first served."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.daemon import Daemon
from tribe_sync.jobs.audit import Audit
from tribe_sync.jobs.close_months import CloseDeliveryMonths
from tribe_sync.jobs.plan import Plan
from tribe_sync.jobs.snapshot import Snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.sandbox.server import RunningSandbox, build_state, start

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

SECRET = "webhook-secret-of-tribe"
LIVENESS_S = 120  # only a bound on a hang: nothing here measures how long anything took


class HeldAudit(Audit):
    """The audit job, which stops in its planning until `release` is set (as a long audit runs on)."""

    def __init__(self) -> None:
        self.planning = threading.Event()
        self.release = threading.Event()

    def plan(self, snapshot: Snapshot, today: dt.date, settings: Settings, schema: TenantSchema) -> Plan:
        self.planning.set()
        self.release.wait(LIVENESS_S)
        return super().plan(snapshot, today, settings, schema)


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with start(build_state(scale="small", seed=9, anchor=dt.date(2026, 12, 1))) as running:
        yield running


def signed(payload: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload).encode()
    signature = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha512).digest()).decode()
    return body, {"X-Tribe-Signature": signature}


def test_a_webhook_refreshes_the_read_model_while_a_catch_up_job_is_still_running(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    settings = Settings(
        crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
        store={"url": f"sqlite:///{tmp_path / 'store.db'}"},  # type: ignore[arg-type]
        daemon={"lease_s": 30, "port": 0, "webhook_secret": SECRET, "webhook_min_interval_s": 0},  # type: ignore[arg-type]
        mirror={"webhook_debounce_s": 0},  # type: ignore[arg-type]
        programme={"outbox_dir": str(tmp_path / "outbox")},  # type: ignore[arg-type]
    )
    audit = HeldAudit()
    # The catch-up runs the audit first; the webhook's own run of close-delivery-months queues behind it.
    daemon = Daemon(Services(settings), jobs={"audit": audit, "close-delivery-months": CloseDeliveryMonths()})
    refreshed = threading.Event()
    mirror = daemon.services.mirror
    refresh = mirror.refresh

    def noted_refresh(*args: Any, **kwargs: Any) -> Any:
        done = refresh(*args, **kwargs)
        refreshed.set()
        return done

    mirror.refresh = noted_refresh  # type: ignore[method-assign]
    daemon.start(serve_http=False)  # its catch-up starts the audit at once (it never ran)
    try:
        assert audit.planning.wait(LIVENESS_S), "the catch-up started the audit"
        body, headers = signed(
            {
                "webhookId": "w-while-audit",
                "payload": [{"mutation": "updated", "entityType": "Activity.SalesOrder", "entityId": "x"}],
            }
        )
        status, answer = daemon.webhook(body, headers)
        assert (status, answer["triggered"]) == (202, ["close-delivery-months", "mirror"])
        assert refreshed.wait(LIVENESS_S), "the read model was refreshed while the audit still ran"
        assert not audit.release.is_set()
        assert [r["job"] for r in daemon.services.journal.runs("audit", limit=5)] == ["audit"]
        assert daemon.services.journal.runs("audit", limit=5)[0]["outcome"] == "running"
        assert not any(s.get("stale_since") for s in mirror.status())
    finally:
        audit.release.set()
        daemon.stop()
