"""The demo: a sandbox on a free port, the client and the mappers at work against it, a summary.

Leaves nothing behind: the sandbox runs on a thread of this process and stops with it, and no file
is written outside a temporary directory.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import Settings
from tribe_sync.domain.accountability import OrganisationStock, stock_per_organisation, stock_per_request
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.domain.validation import validate_request
from tribe_sync.jobs.snapshot import Snapshot, load_snapshot
from tribe_sync.mappers.schema import TenantSchema
from tribe_sync.sandbox.server import RunningSandbox, build_state, start

__all__ = ["DemoResult", "run_demo", "sandbox_settings"]


@dataclass
class DemoResult:
    today: dt.date
    snapshot: Snapshot
    per_status: Counter[RequestStatus]
    per_month: dict[Month, tuple[int, int, int | None, bool]]  # requests, devices, capacity, open
    stock: list[OrganisationStock]
    problems: list[Problem]
    calls: int


def sandbox_settings(settings: Settings, sandbox: RunningSandbox) -> Settings:
    """The given settings, pointed at a running sandbox."""
    crm = settings.crm.model_copy(
        update={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token", "client_id": "sandbox"}
    )
    crm = crm.model_copy(update={"client_secret": crm.client_secret.__class__("sandbox")})
    return settings.model_copy(update={"crm": crm})


def run_demo(settings: Settings, *, today: dt.date, scale: str = "realistic", seed: int = 1) -> DemoResult:
    with start(build_state(scale=scale, seed=seed, anchor=today)) as sandbox:
        local = sandbox_settings(settings, sandbox)
        schema = TenantSchema.from_settings(local)
        with TribeClient.from_settings(local.crm) as client:
            snapshot = load_snapshot(client, schema)
            calls = client.calls
    catalogue = snapshot.catalogue(schema.tenant.adult_age_groups)
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
        today, snapshot, Counter(r.status for r in snapshot.requests), per_month, stock, problems, calls
    )
