from __future__ import annotations

import copy
import datetime as dt
import re
from typing import Any

import pytest

from tests.factories import SCHEMA, make_month, make_request, make_snapshot
from tribe_sync.config import Settings
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.statuses import RequestStatus as S
from tribe_sync.jobs import reasons
from tribe_sync.jobs.executor import Report
from tribe_sync.jobs.plan import plan_from_json, plan_to_json
from tribe_sync.jobs.progress import ProgressStatuses
from tribe_sync.jobs.reasons import reason_words
from tribe_sync.plans.document import changes_digest, compare

DEC = Month(2026, 12)
TODAY = dt.date(2026, 12, 10)

# Words that only an English reason has; a Dutch one has none of them.
ENGLISH = re.compile(r"\b(the|on|of|to|known|confirmed|delivered|allocated|handed|line|from)\b")


def progress_plan() -> dict[str, Any]:
    """A progress-statuses plan with a change in every step: allocation, hand-off, confirmation and
    delivery (with the contact's task)."""
    requests = [
        make_request(month=DEC),
        make_request(month=Month(2026, 11), organisation_id="org-2"),  # carried over
        make_request(month=DEC, status=S.AT_PROCESSOR, processor_confirmed_on=dt.date(2026, 12, 3)),
        make_request(month=DEC, status=S.AWAITING_DELIVERY_DATE, delivery_date=dt.date(2026, 12, 10)),
    ]
    months = [make_month(DEC, is_open=False, capacity=None)]
    plan = ProgressStatuses().plan(make_snapshot(requests=requests, months=months), TODAY, Settings(), SCHEMA)
    return plan_to_json(plan)


def test_the_planner_keeps_writing_the_reasons_saved_plans_hold() -> None:
    """Pinned: a saved plan made before an upgrade holds these words; a fresh plan must too."""
    assert reasons.confirmed(dt.date(2026, 12, 3)) == "the processor confirmed on 2026-12-03"
    assert reasons.delivered(dt.date(2026, 12, 10)) == "delivered on 2026-12-10"
    moves = {c["step"]: c["reason"] for c in progress_plan()["changes"] if c["kind"] == "move_status"}
    assert moves["confirmation"] == "the processor confirmed on 2026-12-03"
    assert moves["delivery"] == "delivered on 2026-12-10"


def test_a_reworded_reason_would_make_a_saved_plan_stale_so_it_is_translated_only_where_read() -> None:
    """Why `reason_words` translates at display time: a change's reason is in the plan's digest and
    in the comparison that refuses a stale plan."""
    saved = {"job": "progress-statuses", "today": TODAY.isoformat(), "records": {}, **progress_plan()}
    fresh = copy.deepcopy(saved)
    for change in fresh["changes"]:
        change["reason"] = reason_words(change["reason"])
    assert compare(saved, fresh).stale
    assert changes_digest(saved["changes"]) != changes_digest(fresh["changes"])
    assert not compare(saved, copy.deepcopy(saved)).stale


def test_every_reason_a_progress_plan_gives_reads_dutch() -> None:
    changes = progress_plan()["changes"]
    assert {"allocation", "hand-off", "confirmation", "delivery"} <= {c["step"] for c in changes}
    said = [reason_words(c["reason"]) for c in changes]
    assert [s for s in said if ENGLISH.search(s)] == []
    assert "bevestigd door de verwerker op 3 december 2026" in said
    assert "geleverd op 10 december 2026" in said


@pytest.mark.parametrize(
    ("english", "dutch"),
    [
        ("the processor confirmed on 2026-12-03", "bevestigd door de verwerker op 3 december 2026"),
        ("delivered on 2026-12-10", "geleverd op 10 december 2026"),
        # What a journal of an older version holds:
        ("allocated in round 2 of the rounds of december 2026", "toegekend in ronde 2 van december 2026"),
        (
            "allocated in round 1 of the rounds of december 2026 (carried over from 2026-11)",
            "toegekend in ronde 1 van december 2026 (doorgeschoven uit november 2026)",
        ),
        (
            "handed off to Verwerker Noord B.V. (2 regels in handoff-x.csv)",
            "overgedragen aan Verwerker Noord B.V. (2 regels in handoff-x.csv)",
        ),
        ("the delivery date 2026-12-10 is known", "leverdatum 10 december 2026 is bekend"),
        ("plan 12 waits for approval", "plan 12 wacht op goedkeuring"),
        (
            "processor confirmation from bevestiging.csv, line 3",
            "bevestiging van de verwerker (bevestiging.csv, regel 3)",
        ),
    ],
)
def test_an_english_reason_is_said_in_dutch(english: str, dutch: str) -> None:
    assert reason_words(english) == dutch


@pytest.mark.parametrize(
    "reason",
    [
        "toegekend in ronde 1 van december 2026 (doorgeschoven uit november 2026)",
        "overgedragen aan Verwerker Noord B.V.",
        "vol",  # a month closed by staff: their own words
        "",
    ],
)
def test_a_dutch_reason_or_a_persons_own_words_stay_as_they_are(reason: str) -> None:
    assert reason_words(reason) == reason


def test_the_executors_note_after_a_reason_stays() -> None:
    assert reason_words("delivered on 2026-12-10 (nota)") == "geleverd op 10 december 2026 (nota)"
    assert reason_words(None) == ""


def test_a_runs_json_keeps_each_changes_reason_and_has_its_dutch_beside_it() -> None:
    plan = plan_from_json(progress_plan())
    document = Report.planned(plan).as_json()
    delivery = next(c for c in document["changes"] if c["step"] == "delivery" and c["kind"] == "move_status")
    assert (delivery["reason"], delivery["reason_nl"]) == (
        "delivered on 2026-12-10",
        "geleverd op 10 december 2026",
    )
    assert "reason_nl" not in plan_to_json(plan)["changes"][0], "a saved plan's changes stay as they were"
