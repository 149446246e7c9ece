"""The reminder jobs against a live sandbox, run every day of a quarter."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from tests.jobs.conftest import NOW, Env, make_env
from tribe_sync.bootstrap import Services
from tribe_sync.jobs.plan import CreateTask
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox import tenant as t

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

REMINDERS = JOBS["accountability-reminders"]
QUARTER_START, QUARTER_END = dt.date(2027, 1, 1), dt.date(2027, 3, 31)


def our_tasks(env: Env, prefix: str) -> list[dict[str, Any]]:
    return [
        r
        for r in env.sandbox.state.store.all("Activity_Task")
        if str(r.get("ImportId", "")).startswith(prefix)
    ]


def report(env: Env, org: str, on: dt.date) -> None:
    """The organisation reports one laptop handed out on one of its delivered requests."""
    store = env.sandbox.state.store
    closed = next(p["ID"] for p in store.all("Datastore_Phase_ActivitySalesOrder") if p["Code"] == "GESLOTEN")
    request = next(
        r for r in store.all("Activity_SalesOrder") if r["Relationship"] == org and r["Phase"] == closed
    )
    store.create(
        t.REPORT,
        {t.A_REQUEST: {"ID": request["ID"]}, t.A_HANDED_OUT: 1},
        dt.datetime.combine(on, dt.time(9), dt.UTC),
    )


def test_tasks_carry_the_organisation_the_contact_and_for_staff_the_assignee(tmp_path: Path) -> None:
    for env in make_env(tmp_path, seed=8):
        employee = env.sandbox.state.store.all("Relationship_Person_Employee")[0]["ID"]
        settings = env.services.settings.model_copy(
            update={
                "programme": env.services.settings.programme.model_copy(
                    update={"staff_employee_id": employee}
                )
            }
        )
        services = Services(settings, clock=lambda: NOW)
        services.executor().run_job(REMINDERS, dt.date(2027, 2, 1))
        services.close()
        first = our_tasks(env, "reminder/accountability/2027-Q1/first/")[0]
        staff = our_tasks(env, "reminder/accountability/2027-Q1/staff/")[0]
        assert first["Relationship"]
        assert first["Contact"]
        assert first.get("Assignee") is None
        assert staff["Assignee"] == employee
        assert "op voorraad" in first["Description"]
        assert first["Subject"].startswith("Verantwoording Q1 2027")


def test_the_audit_reports_a_problem_to_staff_once_and_a_new_one_the_next_night(env: Env) -> None:
    audit = JOBS["audit"]
    first = env.services.executor().run_job(audit, dt.date(2026, 12, 2))
    assert first.problems
    assert [c.key.split("/")[1] for c in (o.change for o in first.outcomes)] == ["audit"]
    assert env.fresh_services().executor().run_job(audit, dt.date(2026, 12, 3)).outcomes == []
    store = env.sandbox.state.store
    victim = store.all("Activity_SalesOrder")[5]
    store.update("Activity_SalesOrder", victim["ID"], {t.R_EMAIL: "niet-geldig"}, NOW)
    third = env.fresh_services().executor().run_job(audit, dt.date(2026, 12, 4))
    (task,) = [o.change for o in third.outcomes]
    assert isinstance(task, CreateTask)
    assert "1 nieuwe bevinding" in task.subject
    assert "invalid_email" in task.body
