"""Saved plans against a live sandbox: applied exactly as seen, or refused naming the record that moved."""

from __future__ import annotations

import copy
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from argon2 import PasswordHasher

from tests.jobs.conftest import NOW, TODAY, Env, make_env
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.errors import PlanError, PlanRefused
from tribe_sync.jobs.plan import SetTask, Step, plan_from_json
from tribe_sync.jobs.registry import JOBS
from tribe_sync.plans import service
from tribe_sync.plans.document import changes_digest, checksum, read_document
from tribe_sync.sandbox.tenant import (
    F_ORGANISATION,
    F_QUANTITY,
    F_QUARTER,
    F_YEAR,
    FORECAST,
    M_CAPACITY,
    M_CLOSED_BY,
    M_CLOSED_REASON,
    MONTH,
)
from tribe_sync.store.plans import PlanSource, PlanStatus, Trigger
from tribe_sync.store.users import Role, UserStore

pytestmark = pytest.mark.sandbox

PROGRESS = JOBS["progress-statuses"]
CLOSING = JOBS["close-delivery-months"]
LATER = NOW + dt.timedelta(hours=1)
REQUESTS = "Activity_SalesOrder"
PHASES = "Datastore_Phase_ActivitySalesOrder"


@pytest.fixture
def env(tmp_path: Path) -> Iterator[Env]:
    yield from make_env(tmp_path)


# -- a person (or the portal) changes the CRM --------------------------------------------------


def request(env: Env, number: str) -> dict[str, Any]:
    (found,) = [r for r in env.sandbox.state.store.all(REQUESTS) if r.get("Number") == number]
    return found


def phase_id(env: Env, code: str) -> str:
    (found,) = [p["ID"] for p in env.sandbox.state.store.all(PHASES) if p["Code"] == code]
    return str(found)


def month(env: Env, code: str) -> dict[str, Any]:
    (found,) = [m for m in env.sandbox.state.store.all(MONTH) if m.get("Code") == code]
    return found


def person_moves(env: Env, number: str, code: str) -> None:
    record = request(env, number)
    env.sandbox.state.store.update(REQUESTS, record["ID"], {"Phase": {"ID": phase_id(env, code)}}, LATER)


def new_request_like(env: Env, number: str, new_number: str, organisation: str | None) -> None:
    """A request sent in through the portal after the plan was made (for an organisation without cap)."""
    record = copy.deepcopy(request(env, number))
    record.update(ID=str(uuid.uuid4()), Number=new_number, _Name=new_number)
    record["Relationship"] = organisation or record["Relationship"]
    record["CreationDate"] = record["LastMutationDate"] = "2026-12-01T07:30:00Z"
    env.sandbox.state.store.insert_many(REQUESTS, [record])


def first_change(planned: service.Planned, step: str) -> Any:
    return next(c for c in planned.plan.changes if c.step == step)


def saved(planned: service.Planned) -> dict[str, Any]:
    """Through a file's round trip, as `jobs plan --out` then `jobs apply` would see it."""
    return read_document(json.dumps(planned.document, indent=2))


def refusal(env: Env, document: dict[str, Any]) -> PlanRefused:
    writes = len(env.writes())
    with pytest.raises(PlanRefused) as refused:
        service.apply_document(env.services, document, by="anna")
    assert len(env.writes()) == writes, "a refused plan writes nothing to the CRM"
    return refused.value


# -- applying exactly what was planned ---------------------------------------------------------


def test_a_plan_applied_unchanged_ends_where_a_plain_run_ends(env: Env, tmp_path: Path) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    assert env.writes() == [], "planning writes nothing"
    applied = service.apply_document(env.services, saved(planned), by="bram")
    assert applied.report is not None
    assert applied.report.summary()["applied"] == len(planned.plan.changes) > 0
    assert env.fresh_services().executor().run_job(PROGRESS, TODAY).outcomes == [], "nothing left to do"
    first = env.services.journal.runs(PROGRESS.name)[-1]
    assert (first["trigger"], first["plan_id"]) == ("staff", applied.plan_id)


def test_applying_a_plan_a_second_time_writes_nothing(env: Env) -> None:
    document = saved(service.make_plan(PROGRESS, env.services, TODAY, by="anna"))
    service.apply_document(env.services, document, by="bram")
    writes = len(env.writes())
    again = service.apply_document(env.fresh_services(), document, by="bram")
    assert again.already
    assert again.report is None
    assert len(env.writes()) == writes


def test_another_plan_with_the_same_changes_is_checked_not_taken_for_one_applied_before(env: Env) -> None:
    document = saved(service.make_plan(PROGRESS, env.services, TODAY, by="anna"))
    service.apply_document(env.services, document, by="bram")
    other = {**document, "created_by": "carla"}
    other["checksum"] = checksum(other)
    assert changes_digest(other["changes"]) == changes_digest(document["changes"])
    with pytest.raises(PlanRefused) as refused:
        service.apply_document(env.fresh_services(), other, by="bram")
    assert refused.value.why == "stale", "checked against the CRM, which has moved on"


# -- stale plans of every kind, refused with the right record named ----------------------------


def test_a_request_a_person_moved_meanwhile_refuses_the_plan_naming_it(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    allocated = first_change(planned, "allocation").label
    person_moves(env, allocated, "GESLOTEN")
    refused = refusal(env, saved(planned))
    assert refused.why == "stale"
    assert any(
        line.startswith(f"{allocated} (allocation): no longer planned; because request {allocated} changed")
        for line in refused.lines
    ), refused.lines


def test_a_new_request_refuses_the_plan_naming_the_new_request(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    uncapped = next(n.record_id for n in planned.plan.held if n.code == "no_forecast")
    new_request_like(env, first_change(planned, "allocation").label, "AD2026-09999", organisation=uncapped)
    refused = refusal(env, saved(planned))
    assert any("AD2026-09999" in line and "newly planned" in line for line in refused.lines), refused.lines
    assert "  request AD2026-09999 is new" in refused.lines


def test_a_superseded_forecast_refuses_the_plan_naming_the_forecast(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    forecasts = env.sandbox.state.store.all(FORECAST)

    def this_quarter(organisation_id: str) -> list[dict[str, Any]]:
        return [
            f
            for f in forecasts
            if f[F_ORGANISATION] == organisation_id and (f[F_YEAR], f[F_QUARTER]) == (2026, 4)
        ]

    requests = {r.id: r for r in planned.snapshot.requests}
    change = next(
        c
        for c in planned.plan.changes
        if c.step == "allocation" and this_quarter(requests[c.request_id].organisation_id)
    )
    newest = max(
        this_quarter(requests[change.request_id].organisation_id), key=lambda f: str(f["CreationDate"])
    )
    moment = dt.datetime.fromisoformat(str(newest["CreationDate"]).replace("Z", "+00:00"))
    stamp = (moment + dt.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    superseding = {**copy.deepcopy(newest), "ID": str(uuid.uuid4()), F_QUANTITY: 0}
    superseding["CreationDate"] = superseding["LastMutationDate"] = stamp
    env.sandbox.state.store.insert_many(FORECAST, [superseding])
    refused = refusal(env, saved(planned))
    assert any(line.startswith("  forecast of ") and line.endswith("is new") for line in refused.lines), (
        refused.lines
    )
    assert any(line.startswith(f"{change.label} (allocation): no longer planned") for line in refused.lines)


def test_a_lower_capacity_refuses_the_plan_naming_the_month(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    december = month(env, "2026-12")
    env.sandbox.state.store.update(MONTH, december["ID"], {M_CAPACITY: 0}, LATER)
    refused = refusal(env, saved(planned))
    assert any("no longer planned" in line for line in refused.lines)
    assert any(line.startswith("  delivery month 2026-12 changed") for line in refused.lines), refused.lines


def test_a_month_staff_closed_meanwhile_refuses_the_closing_plan_naming_the_month(env: Env) -> None:
    day = dt.date(2026, 12, 22)
    planned = service.make_plan(CLOSING, env.services, day, by="anna")
    assert any(c.key == "month/close/2027-01" for c in planned.plan.changes)
    january = month(env, "2027-01")
    env.sandbox.state.store.update(
        MONTH, january["ID"], {"IsActive": False, M_CLOSED_BY: "staff", M_CLOSED_REASON: "vol"}, LATER
    )
    refused = refusal(env, saved(planned))
    assert any(line.startswith("januari 2027 (") and "no longer planned" in line for line in refused.lines)
    assert any("delivery month 2027-01 changed" in line for line in refused.lines), refused.lines


def test_a_changed_setting_refuses_the_plan_naming_the_setting(env: Env) -> None:
    planned = service.make_plan(CLOSING, env.services, TODAY, by="anna")
    settings = env.services.settings
    moved = Settings(
        **{**settings.model_dump(), "programme": {**settings.programme.model_dump(), "default_capacity": 7}}
    )
    with Services(moved, clock=lambda: NOW) as other, pytest.raises(PlanRefused) as refused:
        service.apply_document(other, saved(planned), by="anna")
    assert "setting programme.default_capacity was 500, is now 7" in refused.value.lines


def test_an_edited_plan_file_is_refused_as_edited(env: Env) -> None:
    document = saved(service.make_plan(PROGRESS, env.services, TODAY, by="anna"))
    document["changes"] = document["changes"][:1]
    refused = refusal(env, document)
    assert refused.why == "edited"
    assert refused.lines[0].startswith("the plan file was edited")


def test_a_plan_older_than_max_age_is_refused_as_expired(env: Env) -> None:
    document = saved(service.make_plan(PROGRESS, env.services, TODAY, by="anna"))
    later = NOW + dt.timedelta(hours=env.services.settings.approval.max_age_hours + 1)
    with (
        Services(env.services.settings, clock=lambda: later) as services,
        pytest.raises(PlanRefused) as refused,
    ):
        service.apply_document(services, document, by="anna")
    assert refused.value.why == "expired"
    assert env.writes() == []


def test_a_plan_for_a_later_day_is_only_checked_without_allow_future(env: Env) -> None:
    document = saved(service.make_plan(CLOSING, env.services, TODAY + dt.timedelta(days=1), by="anna"))
    checked = service.apply_document(env.services, document, by="anna")
    assert checked.only_checked
    assert env.writes() == []


# -- approvals ---------------------------------------------------------------------------------


def test_four_eyes_the_submitter_cannot_approve_their_own_plan(env: Env) -> None:
    row, _ = service.submit(
        env.services, service.make_plan(PROGRESS, env.services, TODAY, by="anna"), by="anna"
    )
    with pytest.raises(PlanError, match="moet iemand anders het goedkeuren"):
        service.approve(env.services, row.id, by="anna")
    approved = service.approve(env.services, row.id, by="bram", note="gecontroleerd")
    assert (approved.status, approved.decided_by, approved.note) == (
        PlanStatus.APPROVED,
        "bram",
        "gecontroleerd",
    )


def test_without_four_eyes_the_submitter_may_approve(env: Env, tmp_path: Path) -> None:
    settings = env.services.settings
    alone = Settings(**{**settings.model_dump(), "approval": {"four_eyes": False}})
    with Services(alone, clock=lambda: NOW) as services:
        row, _ = service.submit(services, service.make_plan(CLOSING, services, TODAY), by="anna")
        assert service.approve(services, row.id, by="anna").status is PlanStatus.APPROVED


def with_accounts(env: Env) -> None:
    accounts = UserStore(
        env.services.journal, env.services.clock, PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )
    for name, role in (("anna", Role.APPROVER), ("bram", Role.ADMIN), ("vera", Role.VIEWER)):
        accounts.add(name, role, "lang genoeg wachtwoord")


@pytest.mark.parametrize(
    ("by", "why"),
    [
        ("root", "root is geen gebruiker van de console"),
        ("vera", "vera is lezer"),
        ("", "is geen gebruiker van de console"),
    ],
)
def test_with_console_accounts_only_an_approver_may_approve_or_reject(env: Env, by: str, why: str) -> None:
    with_accounts(env)
    row, _ = service.submit(env.services, service.make_plan(CLOSING, env.services, TODAY), by="anna")
    with pytest.raises(PlanError, match=why) as refused:
        service.approve(env.services, row.id, by=by)
    assert "de rol beslisser (approver) of beheerder (admin)" in str(refused.value)
    with pytest.raises(PlanError, match=why):
        service.reject(env.services, row.id, by=by, reason="nee")
    still = service.plan_store(env.services).get(row.id)
    assert (still.status, still.decided_by) == (PlanStatus.PENDING, None)


def test_with_console_accounts_four_eyes_is_not_fooled_by_capitals(env: Env) -> None:
    with_accounts(env)
    row, _ = service.submit(env.services, service.make_plan(CLOSING, env.services, TODAY), by="anna")
    with pytest.raises(PlanError, match="moet iemand anders het goedkeuren"):
        service.approve(env.services, row.id, by=" Anna ")
    assert service.approve(env.services, row.id, by="Bram").decided_by == "bram"


def test_an_approved_plan_is_applied_and_the_run_says_who_submitted_and_who_approved(env: Env) -> None:
    row, _ = service.submit(
        env.services, service.make_plan(PROGRESS, env.services, TODAY, by="anna"), by="anna"
    )
    service.approve(env.services, row.id, by="bram")
    applied = service.apply_approved(env.services, row.id)
    assert applied.report is not None
    done = service.plan_store(env.services).get(row.id)
    assert (done.status, done.submitted_by, done.decided_by, done.run_id) == (
        PlanStatus.APPLIED,
        "anna",
        "bram",
        applied.report.run_id,
    )
    run = env.services.journal.run(done.run_id or 0)
    assert run is not None
    assert (run["trigger"], run["plan_id"]) == ("approved-plan", row.id)
    assert {a["actor"] for a in env.services.journal.audit_trail(run_id=done.run_id)} == {"staff:bram"}


def test_a_rejected_plan_is_never_applied(env: Env) -> None:
    row, _ = service.submit(env.services, service.make_plan(PROGRESS, env.services, TODAY), by="anna")
    service.reject(env.services, row.id, by="bram", reason="eerst de prognoses nakijken")
    with pytest.raises(PlanError) as not_pending:
        service.approve(env.services, row.id, by="carla")
    assert str(not_pending.value) == (
        f"plan {row.id} heeft de status “afgewezen”; alleen een plan dat wacht op goedkeuring kan worden "
        "goedgekeurd"
    ), "staff read the plan's status in their words (console.labels.PLAN_STATUSES), in Dutch"
    with pytest.raises(PlanRefused, match="afgewezen door bram: eerst de prognoses nakijken"):
        service.apply_approved(env.services, row.id)
    with pytest.raises(PlanError, match="heeft de status “afgewezen”; alleen een plan dat wacht op"):
        service.reject(env.services, row.id, by="bram", reason="nog eens")
    assert env.writes() == []


def test_an_approved_plan_gone_stale_is_marked_stale_and_writes_nothing(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    row, _ = service.submit(env.services, planned, by="anna")
    service.approve(env.services, row.id, by="bram")
    person_moves(env, first_change(planned, "allocation").label, "GESLOTEN")
    with pytest.raises(PlanRefused):
        service.apply_approved(env.services, row.id)
    assert service.plan_store(env.services).get(row.id).status is PlanStatus.STALE
    assert env.writes() == []


# -- the daemon under approval -----------------------------------------------------------------


def approval_env(env: Env) -> Services:
    settings = env.services.settings
    under = Settings(**{**settings.model_dump(), "approval": {"jobs": ("progress-statuses",)}})
    env.services.close()
    env.services = Services(under, clock=lambda: NOW)
    return env.services


def test_the_daemon_parks_the_plan_with_one_staff_task_and_writes_nothing_else(env: Env) -> None:
    services = approval_env(env)
    tick = service.park(services, PROGRESS, TODAY)
    assert tick.new
    assert tick.pending is not None
    assert tick.pending.status is PlanStatus.PENDING
    assert tick.pending.source is PlanSource.DAEMON
    (post,) = env.writes()
    assert post.startswith("POST"), post
    assert "Activity_Task" in post
    (task,) = [
        t
        for t in env.sandbox.state.store.all("Activity_Task")
        if str(t.get("ImportId", "")).startswith("approval/")
    ]
    assert task["Subject"] == "Toekenning december 2026 wacht op goedkeuring"
    assert task["ImportId"] == "approval/progress-statuses/2026-12-01"

    again = service.park(env.fresh_services(), PROGRESS, TODAY)
    assert not again.new
    assert again.pending is not None
    assert again.pending.id == tick.pending.id
    assert len(env.writes()) == 1, "an identical re-plan neither duplicates the plan nor the task"
    assert len(service.plan_store(env.services).rows()) == 1


def approval_task_phase(env: Env) -> str | None:
    """The phase code of the one "… wacht op goedkeuring" task in Tribe."""
    store = env.sandbox.state.store
    names = {p["ID"]: p["Code"] for p in store.all("Datastore_Phase_ActivityTask")}
    (task,) = [t for t in store.all("Activity_Task") if str(t.get("ImportId", "")).startswith("approval/")]
    phase = task.get("Phase")
    return names.get(phase["ID"] if isinstance(phase, dict) else phase)


def test_the_waiting_task_of_a_job_that_reads_no_task_phases_is_created_open_too(env: Env) -> None:
    settings = env.services.settings
    under = Settings(**{**settings.model_dump(), "approval": {"jobs": ("close-delivery-months",)}})
    env.services.close()
    env.services = Services(under, clock=lambda: NOW)
    assert service.park(env.services, CLOSING, TODAY).pending is not None
    assert approval_task_phase(env) == "OPEN"


def test_the_waiting_task_is_done_once_the_parked_plan_is_applied(env: Env) -> None:
    services = approval_env(env)
    parked = service.park(services, PROGRESS, TODAY).pending
    assert parked is not None
    assert approval_task_phase(env) == "OPEN"
    service.approve(services, parked.id, by="bram")
    applied = service.park(env.fresh_services(), PROGRESS, TODAY).applied
    assert [a.plan_id for a in applied if a.report is not None] == [parked.id]
    assert approval_task_phase(env) == "DONE"
    done_key = f"approval/progress-statuses/2026-12-01/done/{parked.id}"
    assert env.services.journal.state_of(done_key) is not None, "journalled by the executor, as any change"


def test_the_waiting_task_is_done_once_the_parked_plan_is_rejected_and_open_again_for_a_new_one(
    env: Env,
) -> None:
    services = approval_env(env)
    parked = service.park(services, PROGRESS, TODAY).pending
    assert parked is not None
    service.reject(services, parked.id, by="bram", reason="eerst de prognoses")
    assert approval_task_phase(env) == "DONE"

    again = service.park(env.fresh_services(), PROGRESS, TODAY)
    assert again.new
    assert again.pending is not None
    assert again.pending.id != parked.id
    assert approval_task_phase(env) == "OPEN", "the new plan waits: its task is open again"
    tasks = [
        t
        for t in env.sandbox.state.store.all("Activity_Task")
        if t.get("ImportId", "").startswith("approval/")
    ]
    assert len(tasks) == 1, "one task per job and day, reopened rather than duplicated"


def end_state(env: Env) -> tuple[dict[str, str], set[str], list[str]]:
    """Phases by order number, our tasks by key, hand-off rows: what a run leaves behind."""
    store = env.sandbox.state.store
    names = {p["ID"]: p["Code"] for p in store.all(PHASES)}
    phases = {str(r["Number"]): names.get(r["Phase"], "?") for r in store.all(REQUESTS)}
    tasks = {str(t.get("ImportId")) for t in store.all("Activity_Task") if t.get("ImportId")}
    rows = sorted(
        line
        for path in (env.outbox.glob("*.csv") if env.outbox.exists() else [])
        for line in path.read_text(encoding="utf-8").splitlines()[1:]
    )
    return phases, {t for t in tasks if not t.startswith(service.APPROVAL_TASK_PREFIX)}, rows


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Env]:
    """The same tenant, run the ordinary way (no approval)."""
    (tmp_path / "twin").mkdir()
    yield from make_env(tmp_path / "twin")


def test_the_daemon_applies_after_approval_ending_where_an_unapproved_run_ends(env: Env, twin: Env) -> None:
    services = approval_env(env)
    tick = service.park(services, PROGRESS, TODAY)
    assert tick.pending is not None
    service.approve(services, tick.pending.id, by="bram")
    after = service.park(env.fresh_services(), PROGRESS, TODAY, trigger=Trigger.SCHEDULE)
    (done,) = after.applied
    assert done.report is not None
    assert done.report.summary()["failed"] == 0
    assert service.plan_store(env.services).get(tick.pending.id).status is PlanStatus.APPLIED

    twin.services.executor().run_job(PROGRESS, TODAY)
    assert end_state(env) == end_state(twin)


def test_a_crash_between_approval_and_apply_converges_on_the_next_tick(
    env: Env, twin: Env, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tribe_sync.jobs import executor as executor_module  # noqa: PLC0415 - the kill point

    services = approval_env(env)
    tick = service.park(services, PROGRESS, TODAY)
    assert tick.pending is not None
    service.approve(services, tick.pending.id, by="bram")

    real_move = executor_module._Apply.move

    def killed(self: Any, change: Any) -> None:
        if change.step == "hand-off":
            raise KeyboardInterrupt(
                "killed after the allocation and the hand-off file, before its status moves"
            )
        real_move(self, change)

    monkeypatch.setattr(executor_module._Apply, "move", killed)
    with pytest.raises(KeyboardInterrupt):
        service.park(env.fresh_services(), PROGRESS, TODAY)
    monkeypatch.undo()
    assert service.plan_store(env.services).get(tick.pending.id).status is PlanStatus.APPROVED

    after = service.park(env.fresh_services(), PROGRESS, TODAY)
    assert [a.plan_id for a in after.applied] == [tick.pending.id], after.refused
    assert service.plan_store(env.services).get(tick.pending.id).status is PlanStatus.APPLIED
    twin.services.executor().run_job(PROGRESS, TODAY)
    assert end_state(env) == end_state(twin)


def test_a_parked_plan_gone_stale_is_replaced_by_a_fresh_pending_one(env: Env) -> None:
    services = approval_env(env)
    first = service.park(services, PROGRESS, TODAY).pending
    assert first is not None
    person_moves(
        env, first_change(service.make_plan(PROGRESS, services, TODAY), "allocation").label, "GESLOTEN"
    )
    second = service.park(env.fresh_services(), PROGRESS, TODAY).pending
    assert second is not None
    assert second.id != first.id
    store = service.plan_store(env.services)
    replaced = store.get(first.id)
    assert (replaced.status, replaced.replaced_by) == (PlanStatus.STALE, second.id)
    assert store.pending_summary(NOW)[0] == 1


def test_the_plan_file_round_trips_for_every_change_kind(env: Env) -> None:
    kinds: set[str] = set()
    for job, day in (
        (PROGRESS, TODAY),
        (CLOSING, dt.date(2026, 12, 22)),
        (JOBS["accountability-reminders"], TODAY),
        (JOBS["forecast-reminders"], TODAY),
        (JOBS["audit"], TODAY),
    ):
        planned = service.make_plan(job, env.services, day, by="anna")
        document = saved(planned)
        assert document == planned.document
        assert changes_digest(document["changes"]) == planned.digest
        _, difference = service.check(env.services, document)
        assert not difference.stale, difference.lines()
        assert not difference.edited
        kinds |= {str(c["kind"]) for c in document["changes"]}
        assert plan_from_json(document).changes == planned.plan.changes, "typed, lossless"
        assert [c["key"] for c in document["changes"]] == [c.key for c in planned.plan.changes]
    assert kinds == {"move_status", "create_month", "set_month", "create_task", "hand_off"}


def test_a_file_of_a_plan_waiting_for_approval_is_not_applied_around_it(env: Env) -> None:
    planned = service.make_plan(PROGRESS, env.services, TODAY, by="anna")
    row, _ = service.submit(env.services, planned, by="anna")
    with pytest.raises(PlanError, match=f"plan {row.id}, dat op goedkeuring wacht"):
        service.apply_document(env.services, saved(planned), by="anna")
    service.approve(env.services, row.id, by="bram")
    applied = service.apply_document(env.services, saved(planned), by="anna")
    assert applied.plan_id == row.id
    assert service.plan_store(env.services).get(row.id).status is PlanStatus.APPLIED


def test_a_job_under_approval_is_never_applied_from_an_unapproved_file(env: Env) -> None:
    services = approval_env(env)
    with pytest.raises(PlanError, match="under approval"):
        service.apply_document(services, saved(service.make_plan(PROGRESS, services, TODAY)), by="anna")
    assert env.writes() == []


def test_marking_the_waiting_task_done_and_open_again_reads_the_task_phases_once(env: Env) -> None:
    """A few records only a tenant administrator changes: not a read per task marked done or open."""
    services = approval_env(env)
    parked = service.park(services, PROGRESS, TODAY).pending
    assert parked is not None
    (task,) = [
        t
        for t in env.sandbox.state.store.all("Activity_Task")
        if str(t.get("ImportId", "")).startswith("approval/")
    ]
    before = len(env.sandbox.state.calls("GET", "/v1/odata/Datastore_Phase_ActivityTask"))
    for done in (True, False, True):
        services.crm.update(
            SetTask(
                key=f"test/{done}",
                step=Step.APPROVAL,
                reason="test",
                label="plan",
                import_id=str(task["ImportId"]),
                subject="test",
                done=done,
            )
        )
    assert approval_task_phase(env) == "DONE"
    assert len(env.sandbox.state.calls("GET", "/v1/odata/Datastore_Phase_ActivityTask")) - before <= 1
