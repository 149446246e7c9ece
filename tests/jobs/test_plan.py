"""Plans are data: every change kind survives JSON both ways, and the document is plain JSON."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from tests.factories import SCHEMA
from tests.fakes import tenant_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.jobs.plan import (
    KINDS,
    CreateMonth,
    Plan,
    RecordConfirmation,
    SetMonth,
    SetTask,
    Step,
    plan_from_json,
    plan_to_json,
)
from tribe_sync.jobs.registry import JOBS

TODAY = dt.date(2027, 1, 4)


@pytest.mark.parametrize("name", sorted(JOBS))
def test_every_jobs_plan_survives_json_without_loss(name: str) -> None:
    plan = JOBS[name].plan(tenant_snapshot(), TODAY, Settings(), SCHEMA)
    text = json.dumps(plan_to_json(plan))
    again = plan_from_json(json.loads(text))
    assert again == plan
    assert [c.describe() for c in again.changes] == [c.describe() for c in plan.changes]


def test_every_change_kind_occurs_in_the_plans_or_is_round_tripped_here() -> None:
    seen = {
        c.kind for name in JOBS for c in JOBS[name].plan(tenant_snapshot(), TODAY, Settings(), SCHEMA).changes
    }
    extra = [
        SetMonth(
            key="month/open/2027-02/staff",
            step=Step.OPEN,
            reason="nalevering",
            month_id="m-1",
            month=Month(2027, 2),
            open=True,
            closed_by=ClosedBy.STAFF,
            closed_reason="nalevering",
            was_open=False,
            was_closed_by=ClosedBy.JOB,
        ),
        RecordConfirmation(
            key="confirmation/r-1/2026-12-03",
            step=Step.CONFIRMATION,
            reason="file, line 2",
            request_id="r-1",
            order_number="AD2026-00001",
            confirmed_on=dt.date(2026, 12, 3),
            delivery_date=dt.date(2026, 12, 10),
        ),
        CreateMonth(
            key="month/create/2027-03", step=Step.CREATE, reason="window", month=Month(2027, 3), capacity=None
        ),
        SetTask(
            key="approval/progress-statuses/2027-01-04/done/7",
            step=Step.APPROVAL,
            reason="plan 7: afgewezen door bram",
            label="plan 7",
            import_id="approval/progress-statuses/2027-01-04",
            subject="Toekenning januari 2027 wacht op goedkeuring",
            done=True,
        ),
    ]

    plan = Plan("staff", TODAY, (Step.OPEN, Step.CONFIRMATION, Step.CREATE, Step.APPROVAL), list(extra))
    assert plan_from_json(json.loads(json.dumps(plan_to_json(plan)))) == plan
    assert seen | {c.kind for c in extra} == set(KINDS)
    assert extra[0].describe() == "gesloten → open (door medewerker: nalevering)"
    assert extra[1].describe() == (
        "bevestigd door de verwerker op 3 december 2026, leverdatum 10 december 2026"
    )
    assert S.WAITING.label == "Wacht op toekenning"


def test_a_document_that_is_not_a_plan_is_refused() -> None:
    with pytest.raises(ValueError, match="not a plan"):
        plan_from_json({"job": "x"})
    with pytest.raises(ValueError, match="unknown change kind"):
        plan_from_json({"job": "x", "today": "2027-01-04", "steps": [], "changes": [{"kind": "delete"}]})


def test_the_task_prefixes_the_read_model_keeps_are_every_jobs_own() -> None:
    from tribe_sync.jobs.keys import TASK_PREFIXES  # noqa: PLC0415
    from tribe_sync.jobs.registry import JOBS  # noqa: PLC0415

    assert {prefix for job in JOBS.values() for prefix in job.task_prefixes} == TASK_PREFIXES
