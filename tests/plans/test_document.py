"""Plan documents, pure: checksum, reading, and the difference per record between two plans."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from tribe_sync.plans.document import (
    PLAN_FORMAT,
    DiffKind,
    PlanFormatError,
    build_document,
    changes_digest,
    compare,
    read_document,
)

REQ_A = "0a1b2c3d-0000-4000-8000-00000000000a"
REQ_B = "0a1b2c3d-0000-4000-8000-00000000000b"
MONTH = "0a1b2c3d-0000-4000-8000-0000000000aa"


def change(request: str, label: str, **overrides: Any) -> dict[str, Any]:
    return {
        "key": f"status/{request}/PROCESSING",
        "step": "allocation",
        "target_id": request,
        "label": label,
        "reason": "allocated in the rounds of januari 2027",
        "before": {"status": "WAITING"},
        "after": {"status": "PROCESSING"},
        **overrides,
    }


def make_document(
    changes: list[dict[str, Any]],
    records: dict[str, Any] | None = None,
    capacity: int = 500,
) -> dict[str, Any]:
    return build_document(
        job="progress-statuses",
        today=dt.date(2027, 1, 4),
        created_at=dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC),
        settings={"programme": {"default_capacity": capacity}},
        plan={"changes": changes, "problems": [], "held": [], "summary": {"changes": len(changes)}},
        records=records
        if records is not None
        else {
            "requests": {
                REQ_A: {"changed": "2026-12-01T10:00:00Z", "hash": "a1", "label": "AD2026-00001"},
                REQ_B: {"changed": "2026-12-02T10:00:00Z", "hash": "b1", "label": "AD2026-00002"},
            },
            "months": {MONTH: {"changed": None, "hash": "m1", "label": "2027-01"}},
        },
        created_by="anna",
    )


def test_a_document_carries_its_format_job_day_settings_and_a_checksum() -> None:
    document = make_document([change(REQ_A, "AD2026-00001")])
    assert document["plan_format"] == PLAN_FORMAT
    assert document["job"] == "progress-statuses"
    assert document["today"] == "2027-01-04"
    assert document["settings"] == {"programme": {"default_capacity": 500}}
    assert document["checksum"].startswith("sha256:")


def test_a_document_survives_a_trip_through_a_file_unchanged() -> None:
    document = make_document([change(REQ_A, "AD2026-00001")])
    again = read_document(json.dumps(document, indent=2))
    assert again == document
    assert compare(again, document).changes == ()
    assert not compare(again, document).edited


def test_an_identical_fresh_plan_is_no_difference_at_all() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    fresh = make_document([change(REQ_A, "AD2026-00001")])
    difference = compare(saved, fresh)
    assert not difference.stale
    assert not difference.edited
    assert difference.lines() == []


def test_a_new_request_shows_as_a_change_added_and_names_the_new_request() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    new_request = "0a1b2c3d-0000-4000-8000-00000000000c"
    records = json.loads(json.dumps(saved["records"]))
    records["requests"][new_request] = {
        "changed": "2027-01-04T08:00:00Z",
        "hash": "c1",
        "label": "AD2027-00003",
    }
    fresh = make_document([change(REQ_A, "AD2026-00001"), change(new_request, "AD2027-00003")], records)
    difference = compare(saved, fresh)
    assert difference.stale
    (added,) = difference.changes
    assert added.kind is DiffKind.ADDED
    assert added.label == "AD2027-00003"
    assert added.caused_by == ("request AD2027-00003 is new",)
    assert (
        "AD2027-00003 (allocation): newly planned; because request AD2027-00003 is new" in difference.lines()
    )


def test_a_request_a_person_moved_shows_as_a_change_gone_because_that_request_changed() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001"), change(REQ_B, "AD2026-00002")])
    records = json.loads(json.dumps(saved["records"]))
    records["requests"][REQ_B] = {"changed": "2027-01-04T09:00:00Z", "hash": "b2", "label": "AD2026-00002"}
    fresh = make_document([change(REQ_A, "AD2026-00001")], records)
    (gone,) = compare(saved, fresh).changes
    assert gone.kind is DiffKind.GONE
    assert gone.label == "AD2026-00002"
    assert gone.caused_by == ("request AD2026-00002 changed (last changed 2027-01-04T09:00:00Z)",)


def test_an_altered_change_names_the_fields_that_differ() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    fresh = make_document([change(REQ_A, "AD2026-00001", reason="allocated (carried over from 2026-12)")])
    (altered,) = compare(saved, fresh).changes
    assert altered.kind is DiffKind.ALTERED
    assert altered.fields == ("reason",)


def test_records_that_changed_underneath_are_listed_even_when_no_change_is_theirs() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    records = json.loads(json.dumps(saved["records"]))
    records["months"][MONTH]["hash"] = "m2"
    fresh = make_document([], records)
    difference = compare(saved, fresh)
    assert [r.describe() for r in difference.records] == ["delivery month 2027-01 changed"]
    assert "  delivery month 2027-01 changed" in difference.lines()


def test_a_setting_that_moved_is_named_with_its_old_and_new_value() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    fresh = make_document([], capacity=0)
    (setting,) = compare(saved, fresh).settings
    assert setting.key == "programme.default_capacity"
    assert setting.describe() == "setting programme.default_capacity was 500, is now 0"


def test_an_edited_document_is_told_from_a_stale_one() -> None:
    saved = make_document([change(REQ_A, "AD2026-00001")])
    tampered = json.loads(json.dumps(saved))
    tampered["changes"][0]["after"] = {"status": "CLOSED"}
    difference = compare(tampered, make_document([change(REQ_A, "AD2026-00001")]))
    assert difference.edited
    assert difference.lines()[0].startswith("the plan file was edited")


def test_records_moving_alone_do_not_make_a_plan_stale() -> None:
    """A record can change in a way that leaves the plan as it was: the plan is still what would run."""
    saved = make_document([change(REQ_A, "AD2026-00001")])
    records = json.loads(json.dumps(saved["records"]))
    records["requests"][REQ_B]["hash"] = "b9"
    difference = compare(saved, make_document([change(REQ_A, "AD2026-00001")], records))
    assert not difference.stale
    assert difference.records


def test_a_plan_for_another_day_is_never_equal() -> None:
    saved = make_document([])
    fresh = {**make_document([]), "today": "2027-01-05"}
    assert compare(saved, fresh).stale


def test_equal_changes_share_one_digest_and_different_ones_do_not() -> None:
    one = [change(REQ_A, "AD2026-00001")]
    assert changes_digest(one) == changes_digest(json.loads(json.dumps(one)))
    assert changes_digest(one) != changes_digest([change(REQ_B, "AD2026-00002")])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("not json", "not JSON"),
        ("[]", "not a JSON object"),
        ('{"plan_format": 99}', "plan_format is 99"),
        ('{"plan_format": 1, "job": "x"}', "lacks today, created_at, changes, records"),
    ],
)
def test_a_file_that_is_not_a_plan_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(PlanFormatError, match=message):
        read_document(text)


def test_a_plan_file_round_trips_every_change_kind_to_an_equal_typed_plan() -> None:
    """Every kind the jobs plan, plus the staff commands' (a month reopened, a confirmation), through
    the plan file and back to typed changes, equal to what was planned."""
    from tests.factories import SCHEMA  # noqa: PLC0415 - the tenant the fake snapshot maps with
    from tests.fakes import tenant_snapshot  # noqa: PLC0415
    from tribe_sync.config import Settings  # noqa: PLC0415
    from tribe_sync.domain.calendar import Month  # noqa: PLC0415
    from tribe_sync.domain.months import ClosedBy  # noqa: PLC0415
    from tribe_sync.jobs.plan import (  # noqa: PLC0415
        KINDS,
        Plan,
        RecordConfirmation,
        SetMonth,
        SetTask,
        Step,
        plan_from_json,
    )
    from tribe_sync.jobs.registry import JOBS  # noqa: PLC0415
    from tribe_sync.plans.service import plan_json  # noqa: PLC0415

    day = dt.date(2027, 1, 4)
    plans = [job.plan(tenant_snapshot(), day, Settings(), SCHEMA) for job in JOBS.values()]
    staff = [
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
            reason="bevestiging.csv, regel 2",
            request_id="r-1",
            order_number="AD2026-00001",
            confirmed_on=dt.date(2026, 12, 3),
            delivery_date=dt.date(2026, 12, 10),
        ),
    ]
    plans.append(Plan("staff", day, (Step.OPEN, Step.CONFIRMATION), staff))
    done = SetTask(
        key="approval/progress-statuses/2027-01-04/done/7",
        step=Step.APPROVAL,
        reason="plan 7: afgewezen door bram",
        label="plan 7",
        import_id="approval/progress-statuses/2027-01-04",
        subject="Toekenning januari 2027 wacht op goedkeuring",
        done=True,
    )
    plans.append(Plan("approval-notice", day, (Step.APPROVAL,), [done]))
    kinds: set[str] = set()
    for plan in plans:
        document = build_document(
            job=plan.job,
            today=plan.today,
            created_at=dt.datetime(2027, 1, 4, 7, 0, tzinfo=dt.UTC),
            settings={},
            plan=plan_json(plan),
            records={},
        )
        again = read_document(json.dumps(document, indent=2))
        assert plan_from_json(again) == plan
        assert not compare(again, document).stale
        kinds |= {c.kind for c in plan.changes}
    assert kinds == set(KINDS)
