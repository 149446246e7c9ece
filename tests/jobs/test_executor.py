"""The one executor on the in-memory CRM: outcomes, re-reads, dependencies, hand-offs, failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import NOW, BrokenJob, Crash, InMemoryCRM, make_executor, memory_journal, tenant_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.errors import HandoffError, LockHeldError, PermissionDeniedError
from tribe_sync.jobs.executor import Executor, Report
from tribe_sync.jobs.handoff import read_handoff_file
from tribe_sync.jobs.plan import CreateTask, HandOff, MoveStatus, Outcome, Plan, SetMonth, SetTask, Step
from tribe_sync.jobs.registry import JOBS
from tribe_sync.jobs.staff import CLOSING_JOB, month_plan
from tribe_sync.store.journal import Journal

TODAY = dt.date(2027, 1, 4)
PROGRESS = JOBS["progress-statuses"]
CLOSING = JOBS["close-delivery-months"]


@dataclasses.dataclass
class World:
    crm: InMemoryCRM
    journal: Journal
    outbox: Path

    def executor(self, **kwargs: Any) -> Executor:
        return make_executor(self.crm, self.journal, self.outbox, **kwargs)

    def files(self) -> list[Path]:
        return sorted(self.outbox.glob("*.csv")) if self.outbox.exists() else []


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    journal = memory_journal()
    yield World(InMemoryCRM(tenant_snapshot()), journal, tmp_path / "outbox")
    journal.close()


def test_a_run_applies_its_plan_and_a_second_run_finds_nothing_left(world: World) -> None:
    first = world.executor().run_job(PROGRESS, TODAY)
    assert first.error is None
    assert first.count(Outcome.APPLIED) == len(first.outcomes) > 0
    second = world.executor().run_job(PROGRESS, TODAY)
    assert second.outcomes == []
    assert len(world.files()) == 1


def test_known_bad_records_are_reported_and_exit_0_unless_strict(world: World) -> None:
    report = world.executor().run_job(CLOSING, TODAY)
    assert report.problems, "the generated tenant holds broken records"
    assert (report.outcome, report.exit_code(), report.exit_code(strict=True)) == ("problems", 0, 1)


def test_a_dry_run_writes_nothing_to_the_crm_the_journal_or_the_outbox(world: World) -> None:
    report = world.executor().run_job(PROGRESS, TODAY, dry_run=True)
    assert report.count(Outcome.PLANNED) == len(report.outcomes) > 0
    assert world.crm.writes == []
    assert world.journal.runs() == []
    assert world.files() == []


def test_a_status_a_person_changed_after_the_snapshot_is_skipped_and_reported_never_forced(
    world: World,
) -> None:
    waiting = next(r for r in world.crm.requests.values() if r.status is S.AT_PROCESSOR)
    world.crm.on_read.append(lambda: world.crm.set_status(waiting.id, S.AWAITING_DELIVERY_DATE))
    plan = Plan(
        "progress-statuses",
        TODAY,
        (Step.CONFIRMATION,),
        [
            MoveStatus(
                key=f"status/{waiting.id}/AWAITING_DELIVERY_DATE",
                step=Step.CONFIRMATION,
                reason="test",
                request_id=waiting.id,
                order_number=str(waiting.number),
                from_status=S.PROCESSING,
                to_status=S.AT_PROCESSOR,
                phase_id=world.crm.seed.phase_ids[S.AT_PROCESSOR],
            )
        ],
    )
    report = world.executor().apply(plan, actor="test")
    (outcome,) = report.outcomes
    assert outcome.status is Outcome.SKIPPED
    (found,) = [p for p in report.problems if p.code == "status_changed_meanwhile"]
    assert "In afwachting van leverdatum" in found.message
    assert world.crm.writes == []
    assert report.exit_code() == 0, "a person's decision is reported, not a failure"


def test_a_change_whose_dependency_failed_is_skipped(world: World, tmp_path: Path) -> None:
    executor = world.executor()

    def disk_full(name: str, _rows: object) -> None:  # the outbox was writable when the run began
        raise HandoffError(f"cannot write hand-off file {name}: No space left on device")

    executor.outbox.stage = disk_full  # type: ignore[method-assign]
    report = executor.run_job(PROGRESS, TODAY)
    failed = [o for o in report.outcomes if o.status is Outcome.FAILED]
    assert [o.change.kind for o in failed] == ["hand_off"]
    moves = [o for o in report.outcomes if o.change.step is Step.HAND_OFF and o.change.kind == "move_status"]
    assert moves
    assert {o.status for o in moves} == {Outcome.SKIPPED}
    assert all(world.crm.requests[o.change.request_id].status is S.PROCESSING for o in moves)  # type: ignore[union-attr]
    assert report.exit_code() == 1
    assert not list(tmp_path.rglob("*.partial"))


def test_a_hand_off_file_is_journalled_before_it_becomes_visible(world: World) -> None:
    seen: list[tuple[str, bool]] = []
    executor = world.executor()
    publish = executor.outbox.publish

    def publish_and_look(name: str) -> None:
        pending = world.journal.keys_with_prefix("handoff/")
        seen.append((name, bool(pending) and {d for _, d in pending.values()} == {name}))
        publish(name)

    executor.outbox.publish = publish_and_look  # type: ignore[method-assign]
    executor.run_job(PROGRESS, TODAY)
    ((name, journalled),) = seen
    assert journalled, "every row of the file was in the journal before the rename"
    rows = read_handoff_file(world.outbox / name)
    assert {state for state, _ in world.journal.keys_with_prefix("handoff/").values()} == {"done"}
    assert len(world.journal.keys_with_prefix("handoff/")) == len(rows)


def test_an_unexpected_error_in_a_planner_is_a_failed_run_journalled_with_its_reason(
    world: World,
) -> None:
    report = world.executor().run_job(BrokenJob(KeyError("no such key")), TODAY)
    assert report.error == "unexpected error (KeyError: 'no such key')"
    assert (report.outcome, report.exit_code()) == ("failed", 1)
    assert report.as_json()["error"] == report.error
    (run,) = world.journal.runs()
    assert (run["outcome"], run["error"]) == ("failed", report.error)
    assert world.journal.keys_with_prefix("") == {}


def test_a_task_that_exists_in_the_crm_is_not_created_again_even_if_the_journal_forgot_it(
    world: World,
) -> None:
    first = world.executor().run_job(JOBS["accountability-reminders"], TODAY)
    assert first.count(Outcome.APPLIED) > 0
    planned = [o.change for o in first.outcomes if isinstance(o.change, CreateTask)]
    replay = Plan("accountability-reminders", TODAY, (Step.FIRST, Step.FOLLOWUP, Step.STAFF), planned)
    fresh_journal = memory_journal()
    report = make_executor(world.crm, fresh_journal, world.outbox).apply(replay, actor="test")
    assert {o.status for o in report.outcomes} == {Outcome.DONE_ALREADY}
    assert set(world.crm.created.values()) == {1}
    fresh_journal.close()


def test_staff_reopening_a_month_is_refused_while_the_closing_job_holds_its_claim(world: World) -> None:
    snapshot = world.crm.snapshot({"months"})
    month = max(snapshot.months)
    plan = month_plan(snapshot, month, TODAY, open_=False, reason="vol")
    world.journal.claim(f"job:{CLOSING_JOB}", "other:1:x", NOW, dt.timedelta(minutes=30))
    with pytest.raises(LockHeldError):
        world.executor().apply(plan, actor="staff:anna", claim=f"job:{CLOSING_JOB}")
    assert world.crm.writes == []


def test_a_month_staff_reopened_after_the_closing_job_read_it_stays_open(world: World) -> None:
    snapshot = world.crm.snapshot({"months", "requests"})
    plan = CLOSING.plan(snapshot, TODAY, world.executor().settings, world.executor().schema)
    target = next(c for c in plan.changes if isinstance(c, SetMonth))
    world.crm.on_read.append(
        lambda: world.crm.set_month(target.month, is_open=True, closed_by=ClosedBy.STAFF)
    )
    report = world.executor().apply(plan, actor="job:close-delivery-months")
    outcome = next(o for o in report.outcomes if o.change is target)
    assert outcome.status is Outcome.SKIPPED
    assert world.crm.months[target.month].is_open, "staff's decision stands"
    assert any(p.code == "month_changed_meanwhile" for p in report.problems)


def test_every_change_kind_reads_as_people_do(world: World) -> None:
    report = world.executor().run_job(PROGRESS, TODAY, dry_run=True)
    lines = {o.change.kind: o.change.describe() for o in report.outcomes}
    assert lines["move_status"].count(" → ") == 1
    assert any(label in lines["move_status"] for label in (s.label for s in S))
    handoff = next(o.change for o in report.outcomes if isinstance(o.change, HandOff))
    assert handoff.rows[0].order_number in handoff.describe()
    for text in lines.values():
        assert "{" not in text
        assert "RequestStatus" not in text
        assert "<" not in text


def test_the_report_json_holds_one_outcome_per_change_and_the_summary(world: World) -> None:
    report: Report = world.executor().run_job(CLOSING, TODAY)
    document = report.as_json()
    assert len(document["changes"]) == document["summary"]["changes"] == len(report.outcomes)
    assert {c["outcome"] for c in document["changes"]} == {"applied"}
    assert all(c["describe"] and c["kind"] for c in document["changes"])


def test_a_run_outliving_its_claims_ttl_stays_exclusive(world: World) -> None:
    """The clock passes the TTL many times over during one run; the claim is renewed between changes,
    so a second process trying at any moment of the run is refused."""
    moments = [NOW]
    ttl = Settings(daemon={"job_claim_ttl_s": 60}).daemon.job_claim_ttl_s  # type: ignore[arg-type]

    def clock() -> dt.datetime:
        moments[0] += dt.timedelta(seconds=25)  # every look at the clock: a slow call has passed
        return moments[0]

    refused: list[bool] = []

    def second_process_tries() -> None:
        try:
            world.journal.claim("job:progress-statuses", "other:2:b", moments[0], dt.timedelta(seconds=ttl))
        except LockHeldError:
            refused.append(True)
        else:
            refused.append(False)

    world.crm.on_read.append(second_process_tries)
    settings = Settings(daemon={"job_claim_ttl_s": ttl})  # type: ignore[arg-type]
    report = world.executor(clock=clock, settings=settings).run_job(PROGRESS, TODAY)
    assert report.error is None
    assert moments[0] - NOW > dt.timedelta(seconds=ttl * 3), "the run lasted several TTLs"
    assert refused
    assert all(refused), "never let in while the run was under way"


def test_a_run_that_lost_its_claim_stops_and_is_journalled_as_interrupted(world: World) -> None:
    moments = [NOW]

    def clock() -> dt.datetime:
        return moments[0]

    def another_took_it() -> None:
        moments[0] += dt.timedelta(hours=2)  # ours expired unrenewed (a frozen process) ...
        world.journal.claim("job:progress-statuses", "other:2:b", moments[0], dt.timedelta(hours=1))

    world.crm.on_read.append(another_took_it)
    report = world.executor(clock=clock).run_job(PROGRESS, TODAY)
    assert report.interrupted
    assert report.exit_code() == 1
    assert "lost its claim" in (report.error or "")
    (run,) = world.journal.runs()
    assert run["outcome"] == "interrupted"
    assert {o.status for o in report.outcomes} <= {Outcome.NOT_REACHED, Outcome.APPLIED, Outcome.SKIPPED}
    assert any(o.status is Outcome.NOT_REACHED for o in report.outcomes)


def test_a_rerun_finishes_a_journalled_hand_off_and_removes_one_never_journalled(world: World) -> None:
    world.crm.switch.on = "journal pending"  # stage, journal, [killed], publish
    with pytest.raises(Crash):
        world.executor().run_job(PROGRESS, TODAY)
    staged = [p.name for p in world.outbox.glob(".*.partial")]
    assert len(staged) == 1, "killed after the journal held the file, before the rename"
    assert world.files() == []
    world.crm.switch.on = None
    stray = world.outbox / ".handoff-stray-2027-01-04-run99.csv.partial"
    stray.write_text("staged by a run killed before its journal entry")
    world.executor().run_job(PROGRESS, TODAY)
    (published,) = world.files()
    assert f".{published.name}.partial" == staged[0], "the journalled file was finished, not written anew"
    assert list(world.outbox.glob(".*.partial")) == []


def test_a_write_tribe_refuses_with_403_says_in_dutch_which_order_failed_and_what_to_do(world: World) -> None:
    executor = world.executor()

    def refused(change: object) -> None:
        raise PermissionDeniedError(
            method="PUT",
            url="https://api.tribecrm.nl/v1/odata/Activity_SalesOrder(x)",
            status=403,
            tribe_message="Forbidden",
            body="",
        )

    world.crm.update = refused  # type: ignore[method-assign]
    report = executor.run_job(PROGRESS, TODAY)
    failed = [o for o in report.outcomes if o.status is Outcome.FAILED]
    assert failed
    first = failed[0]
    assert first.detail_nl.startswith(f"{first.change.label} (")
    assert "geen recht" in first.detail_nl
    assert "Wat te doen: vraag de beheerder" in first.detail_nl
    assert "https://" not in first.detail_nl
    assert "403" not in first.detail_nl
    assert "403" in first.detail, "the operator's text stays in --json"
    [said] = [p for p in report.problems if p.code == "write_failed" and p.label == first.change.label]
    assert said.message_nl == first.detail_nl
    assert report.exit_code() == 1


def test_a_hand_off_file_that_cannot_be_written_names_its_processor_and_the_outbox_setting(
    world: World,
) -> None:
    executor = world.executor()

    def disk_full(name: str, _rows: object) -> None:
        raise HandoffError(f"cannot write hand-off file {name}: No space left on device")

    executor.outbox.stage = disk_full  # type: ignore[method-assign]
    report = executor.run_job(PROGRESS, TODAY)
    [failed] = [o for o in report.outcomes if o.status is Outcome.FAILED]
    assert failed.detail_nl.startswith(f"het bestand voor {failed.change.label} is niet doorgevoerd")
    assert "programme.outbox_dir" in failed.detail_nl


def set_task(key: str, *, done: bool) -> SetTask:
    return SetTask(
        key=f"{key}/{'done' if done else 'open'}/1",
        step=Step.APPROVAL,
        reason="plan 1: afgewezen door bram",
        label="plan 1",
        import_id=key,
        subject="Toekenning januari 2027 wacht op goedkeuring",
        done=done,
    )


def test_a_task_is_marked_done_after_a_re_read_and_a_task_gone_or_already_done_is_not_written(
    world: World,
) -> None:
    key = "approval/progress-statuses/2027-01-04"
    world.crm.task_ids[key] = "task-1"
    plan = Plan("approval-notice", TODAY, (Step.APPROVAL,), [set_task(key, done=True)])
    first = world.executor().apply(plan, actor="staff:bram")
    assert [o.status for o in first.outcomes] == [Outcome.APPLIED]
    assert world.crm.done_tasks == {key}
    again = world.executor().apply(plan, actor="staff:bram")
    assert [o.status for o in again.outcomes] == [Outcome.DONE_ALREADY]
    gone = Plan(
        "approval-notice", TODAY, (Step.APPROVAL,), [set_task("approval/audit/2027-01-04", done=True)]
    )
    skipped = world.executor().apply(gone, actor="staff:bram")
    assert [o.status for o in skipped.outcomes] == [Outcome.SKIPPED]
    assert world.crm.writes == [f"update {key}/done/1"]
