"""What staff read of the journal and of plans is in their words: Dutch labels, months, quarters and
dates, what started a run, why something was held back; never a code, a dict or `None`."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tribe_sync.cli.wording import (
    actor_words,
    change_words,
    day_words,
    held_words,
    local_moment,
    plan_status_words,
    quarter_words,
    run_counts,
    summary_words,
    task_status_words,
    task_words,
    trigger_words,
)
from tribe_sync.console.audit_words import count_rows

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_a_held_request_says_in_dutch_how_much_was_left_and_how_much_was_asked() -> None:
    message = "round 2: stays waiting: only 4 of the month's capacity left, 11 asked"
    assert held_words("capacity", message) == (
        "ronde 2: blijft wachten: nog 4 van de capaciteit van de maand over, 11 gevraagd"
    )
    cap = "round 1: stays waiting: none of the organisation's quarterly forecast left, 7 asked"
    assert held_words("cap", cap) == "ronde 1: blijft wachten: niets van de kwartaalprognose over, 7 gevraagd"


def test_a_run_started_in_the_console_or_before_triggers_were_kept_says_so_plainly() -> None:
    assert trigger_words("console") == "door een medewerker in de console"
    assert trigger_words("approved-plan") == "een goedgekeurd plan"
    assert trigger_words(None) == "niet vastgelegd"
    assert "unknown" not in trigger_words("")


def test_a_reopened_month_reads_without_the_string_none() -> None:
    words = change_words(
        {"open": False, "closed_by": "staff"}, {"open": True, "closed_by": None, "reason": None}, "set_month"
    )
    assert words.startswith("gesloten → open")
    assert "None" not in words


def test_a_task_s_phase_reads_in_dutch_and_a_task_without_one_says_tribe_gives_none() -> None:
    assert task_status_words("OPEN", "OPEN", "DONE") == "open"
    assert task_status_words("DONE", "OPEN", "DONE") == "afgerond"
    assert task_status_words(None, "OPEN", "DONE") == "geen status in Tribe"
    assert task_status_words("WAITING", "OPEN", "DONE") == "WAITING"


def test_quarters_dates_and_times_are_dutch_and_local_without_microseconds() -> None:
    assert quarter_words("2026-Q4") == "K4 2026"
    assert day_words("2027-01-14") == "14 januari 2027"
    moment = dt.datetime(2027, 1, 14, 8, 5, 3, 123456, tzinfo=dt.UTC)
    assert local_moment(moment, AMSTERDAM) == "14 januari 2027 09:05"
    assert local_moment(moment.isoformat(), AMSTERDAM) == "14 januari 2027 09:05"


def test_who_did_it_a_plans_status_our_tasks_and_a_runs_counts_in_staffs_words() -> None:
    assert actor_words("job:progress-statuses") == "tribe-sync (Toekennen en status bijwerken)"
    assert actor_words("staff:anna") == "anna"
    assert plan_status_words("pending") == "wacht op goedkeuring"
    assert task_words("reminder/accountability/2026-Q4/first/org-1") == "herinnering verantwoording, K4 2026"
    assert summary_words({"changes": 3, "applied": 2, "failed": 1, "problems": 0}) == (
        "wijzigingen 3, doorgevoerd 2, mislukt 1"
    )


def test_a_runs_counts_say_held_and_uncapped_apart_as_its_lists_do() -> None:
    """The journal counts an organisation allocated without a cap with the held decisions; the run's
    page (and every other staff surface) lists it under "Toegekend zonder plafond", not "Aangehouden"."""
    notes = {
        "problems": [],
        "held": [
            {"code": "capacity", "label": "AD2026-00001", "step": "allocation", "message": "round 1: …"},
            {
                "code": "no_forecast",
                "label": "Taalhuis Delft",
                "step": "allocation",
                "message": "no valid forecast for the quarter: allocated without a cap",
            },
        ],
    }
    counts = {"changes": 3, "applied": 3, "held": 2}
    assert dict(count_rows(run_counts(counts, notes))) == {
        "Wijzigingen in het plan": 3,
        "Uitgevoerd": 3,
        "Aangehouden": 1,
        "Toegekend zonder plafond": 1,
    }
    assert run_counts(counts, None) == counts, "a run from before the notes were kept: as counted"
