from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import SCHEMA, make_forecast, make_month, make_request, make_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.allocation import HoldReason
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.parties import Processor
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.jobs.keys import NOTIFY_PREFIX
from tribe_sync.jobs.plan import CreateTask, HandOff, MoveStatus
from tribe_sync.jobs.progress import ProgressStatuses, _why_held

JOB = ProgressStatuses()
DEC = Month(2026, 12)
TODAY = dt.date(2026, 12, 1)


def plan(requests, months=None, today=TODAY, settings=None, **snapshot):  # type: ignore[no-untyped-def]
    months = months if months is not None else [make_month(DEC, is_open=False, capacity=100)]
    return JOB.plan(
        make_snapshot(requests=requests, months=months, **snapshot), today, settings or Settings(), SCHEMA
    )


def by_step(result, step):  # type: ignore[no-untyped-def]
    return [c for c in result.changes if c.step == step]


def test_allocation_moves_the_chosen_requests_to_processing_and_reports_the_rest() -> None:
    fits, too_big = (
        make_request(month=DEC, quantity=60),
        make_request(month=DEC, quantity=60, organisation_id="org-2"),
    )
    result = plan([fits, too_big])
    (change,) = by_step(result, "allocation")
    assert isinstance(change, MoveStatus)
    assert (change.request_id, change.key) == (fits.id, f"status/{fits.id}/PROCESSING")
    assert (change.phase_id, change.month_id) == ("phase-PROCESSING", None)
    assert (change.from_status, change.to_status) == (S.WAITING, S.PROCESSING)
    assert change.describe() == "Wacht op toekenning → Verwerking bestelling"
    assert [(n.record_id, n.code) for n in result.held] == [
        (too_big.id, "capacity"),
        ("org-1", "no_forecast"),
    ]


def test_a_carried_over_request_gets_the_current_month_as_its_delivery_month() -> None:
    month = make_month(DEC, is_open=False, capacity=None)
    carried = make_request(month=Month(2026, 11))
    (change,) = by_step(plan([carried], months=[month]), "allocation")
    assert isinstance(change, MoveStatus)
    assert (change.month, change.month_id) == (DEC, month.id)
    assert change.describe().endswith(", leveringsmaand december 2026")


def test_nothing_is_allocated_before_the_current_months_record_exists() -> None:
    result = plan([make_request(month=DEC)], months=[])
    assert by_step(result, "allocation") == []
    assert [p.code for p in result.problems] == ["unknown_reference"]


def test_the_quarterly_cap_and_no_forecast_policy_come_from_the_settings() -> None:
    request = make_request(month=DEC, quantity=30)
    capped = make_forecast(quarter=Quarter(2026, 4), quantity=20, submitted_on=dt.date(2026, 9, 1))
    assert [n.code for n in plan([request], forecasts=[capped]).held] == ["cap"]
    hold = Settings(programme={"no_forecast_policy": "hold"})  # type: ignore[arg-type]
    assert [n.code for n in plan([request], settings=hold).held] == ["no_forecast"]


def test_freshly_allocated_requests_are_handed_off_in_the_same_run_to_the_active_processor() -> None:
    waiting, processing = make_request(month=DEC), make_request(month=DEC, status=S.PROCESSING)
    result = plan([waiting, processing])
    batch, *moves = by_step(result, "hand-off")
    assert isinstance(batch, HandOff)
    assert batch.processor_id == "proc-1"
    assert {r.request_id for r in batch.rows} == {waiting.id, processing.id}
    assert {c.request_id for c in moves if isinstance(c, MoveStatus)} == {waiting.id, processing.id}
    assert all(c.depends_on == (batch.key,) for c in moves), "no request moves without its file row"
    assert all(
        isinstance(c, MoveStatus) and (c.from_status, c.to_status) == (S.PROCESSING, S.AT_PROCESSOR)
        for c in moves
    )
    assert batch.rows[0].as_row()["postcode"] == "1012 AB"
    assert batch.rows[0].as_row()["telefoon"] == "+31201234567"


def test_a_request_with_its_own_processor_goes_to_that_one() -> None:
    own = make_request(month=DEC, status=S.PROCESSING, processor_id="proc-2")
    batch, _move = by_step(plan([own]), "hand-off")
    assert isinstance(batch, HandOff)
    assert batch.processor_id == "proc-2"


def test_without_a_default_processor_one_configuration_problem_is_reported() -> None:
    processors = {"a": Processor("a", "A", True), "b": Processor("b", "B", True)}
    result = plan([make_request(month=DEC, status=S.PROCESSING) for _ in range(5)], processors=processors)
    assert by_step(result, "hand-off") == []
    (problem,) = [p for p in result.problems if p.code == "no_processor"]
    assert "5 request(s)" in problem.message
    chosen = Settings(programme={"default_processor_id": "b"})  # type: ignore[arg-type]
    assert {
        c.processor_id
        for c in by_step(
            plan([make_request(month=DEC, status=S.PROCESSING)], processors=processors, settings=chosen),
            "hand-off",
        )
        if isinstance(c, HandOff)
    } == {"b"}


def test_a_processor_confirmation_moves_the_request_to_awaiting_the_delivery_date() -> None:
    confirmed = make_request(month=DEC, status=S.AT_PROCESSOR, processor_confirmed_on=dt.date(2026, 12, 3))
    unconfirmed = make_request(month=DEC, status=S.AT_PROCESSOR)
    (change,) = by_step(plan([confirmed, unconfirmed]), "confirmation")
    assert isinstance(change, MoveStatus)
    assert (change.request_id, change.to_status) == (confirmed.id, S.AWAITING_DELIVERY_DATE)


def test_a_reached_delivery_date_closes_the_request_and_the_contact_hears_of_the_date_once() -> None:
    due = make_request(month=DEC, status=S.AWAITING_DELIVERY_DATE, delivery_date=dt.date(2026, 12, 1))
    later = make_request(month=DEC, status=S.AWAITING_DELIVERY_DATE, delivery_date=dt.date(2026, 12, 9))
    told = make_request(month=DEC, status=S.AWAITING_DELIVERY_DATE, delivery_date=dt.date(2026, 12, 9))
    old = make_request(month=Month(2026, 6), status=S.CLOSED, delivery_date=dt.date(2026, 6, 9))
    result = plan([due, later, told, old], tasks={NOTIFY_PREFIX + told.id: "task-1"})
    delivery = by_step(result, "delivery")
    moves = [c for c in delivery if isinstance(c, MoveStatus)]
    assert [(c.request_id, c.to_status) for c in moves] == [(due.id, S.CLOSED)]
    tasks = [c for c in delivery if isinstance(c, CreateTask)]
    assert {c.key for c in tasks} == {NOTIFY_PREFIX + due.id, NOTIFY_PREFIX + later.id}
    task = next(c for c in tasks if c.key == NOTIFY_PREFIX + later.id)
    assert task.subject == f"Leverdatum bekend voor aanvraag {later.number}"
    assert "09-12-2026" in task.body
    assert (task.contact_id, task.phase_id) == ("contact-1", "task-open")


def test_the_delivery_date_task_comes_before_the_closing_that_takes_its_request_out_of_view() -> None:
    due = make_request(month=DEC, status=S.AWAITING_DELIVERY_DATE, delivery_date=dt.date(2026, 12, 1))
    task, close = by_step(plan([due]), "delivery")
    assert isinstance(task, CreateTask)
    assert isinstance(close, MoveStatus)
    assert close.depends_on == (task.key,), "no closing without the contact person's task"


@pytest.mark.parametrize(
    ("reason", "left", "expected"),
    [
        (HoldReason.CAP, -15, "none of the organisation's quarterly forecast left, 11 asked"),
        (HoldReason.CAPACITY, 4, "only 4 of the month's capacity left, 11 asked"),
        (HoldReason.NO_FORECAST, None, "no valid forecast for the quarter"),
    ],
)
def test_a_held_request_says_why_in_words_never_a_negative_count(
    reason: HoldReason, left: int | None, expected: str
) -> None:
    text = _why_held(reason, left, 11)
    assert text.startswith(expected)
    assert "-" not in text
