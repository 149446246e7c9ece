"""Staff's words for what the journal and the store keep by code: dates in Dutch and local time, job
names, what started a run, outcomes, who did it, and a change as "from → to" in Dutch labels.

`--json` keeps the codes; only what people read goes through here."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from tribe_sync.console.audit_words import TRIGGER_LABELS, actor_words
from tribe_sync.console.audit_words import change_words as audit_change_words
from tribe_sync.console.format import dutch_date, dutch_datetime
from tribe_sync.console.labels import (
    FORECAST_STATES,
    HELD,
    PLAN_STATUSES,
    UNCAPPED,
    UNCAPPED_WHY,
    is_uncapped,
    job_label,
    outcome,
    plan_status_words,
    problem_title,
    processor_words,
)
from tribe_sync.domain.calendar import Quarter, day_label, month_label, quarter_label
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.jobs.reasons import reason_words

__all__ = [
    "PLAN_STATUSES",
    "STOCK_COLUMNS",
    "actor_words",
    "change_words",
    "day_words",
    "dutch_date",
    "dutch_datetime",
    "entity_words",
    "forecast_state_words",
    "held_reason_words",
    "held_words",
    "job_words",
    "outcome_words",
    "plan_status_words",
    "processor_words",
    "quarter_words",
    "reason_words",
    "run_counts",
    "run_notes",
    "status_words",
    "step_words",
    "summary_words",
    "task_status_words",
    "task_words",
    "trigger_words",
    "value_words",
]


# A stock table's columns (the accountability report, its CSV, the demo), by the row's key.
STOCK_COLUMNS = {
    "organisation": "organisatie",
    "received": "ontvangen",
    "handed_out": "uitgegeven",
    "in_stock": "op voorraad",
    "oldest_undistributed_delivery": "oudste levering met voorraad",
    "last_report": "laatste verantwoording",
}


# The journal's field names of a change (jobs.executor._before_after), in Dutch.
FIELDS = {
    "status": "status",
    "month": "leveringsmaand",
    "open": "open",
    "closed_by": "gesloten door",
    "reason": "reden",
    "confirmed_on": "bevestigd op",
    "delivery_date": "leverdatum",
    "capacity": "capaciteit",
    "closed": "gesloten",
    "task": "taak",
    "due": "uiterlijk",
    "processor": "verwerker",
    "rows": "aanvragen",
}

# Why a decision held something back (jobs.plan.Notice.code), in a word or two.
HELD_REASONS = {
    "capacity": "capaciteit",
    "cap": "kwartaalplafond",
    "no_forecast": "geen prognose",
    "allocated_but_not_chosen": "al toegekend",
    "reopened_by_staff": "heropend door medewerker",
    "confirmation_unchanged": "al vastgelegd",
    "confirmation_older": "oudere bevestiging",
}

_ROUND = re.compile(r"^round (\d+): ")
_ROOM = re.compile(
    r"(?:only (\d+)|none) of the (month's capacity|organisation's quarterly forecast) left, (\d+) asked"
)
_NOT_CHOSEN = re.compile(r"would not choose it now \((capacity|cap|no_forecast)\)")
_LINE = re.compile(r"^line (\d+): ")

# The steps of a plan (jobs.plan.Step), as staff call them.
STEPS = {
    "create": "nieuwe maanden",
    "close": "maanden sluiten",
    "open": "maand openen",
    "allocation": "toekenning",
    "hand-off": "naar de verwerker",
    "confirmation": "bevestiging verwerker",
    "delivery": "levering",
    "first": "eerste verzoek",
    "followup": "herinnering",
    "staff": "taak voor medewerkers",
    "reminder": "herinnering",
    "late": "te late prognoses",
    "report": "melding",
}

# The kind of record a problem is about (domain.problems.Problem.entity), in Dutch.
ENTITIES = {
    "request": "aanvraag",
    "organisation": "organisatie",
    "customer": "organisatie",
    "contact": "contactpersoon",
    "forecast": "prognose",
    "accountability": "verantwoording",
    "delivery_month": "leveringsmaand",
    "processor": "verwerker",
    "handoff": "overdracht",
    "request_phase": "aanvraagstatus",
}

# A run's counts (jobs.executor.Report.summary), in Dutch.
SUMMARY = {
    "changes": "wijzigingen",
    "planned": "gepland",
    "applied": "doorgevoerd",
    "done_already": "was al zo",
    "skipped": "overgeslagen",
    "failed": "mislukt",
    "not_reached": "niet toegekomen",
    "problems": "problemen",
    "held": HELD.lower(),
    "uncapped": UNCAPPED.lower(),
}

# Our tasks by their ImportId prefix (jobs.keys), as staff know them in Tribe.
TASKS = {
    "notify/delivery-date/": "leverdatum bekend (aan de contactpersoon)",
    "reminder/accountability/": "herinnering verantwoording",
    "reminder/forecast/": "herinnering prognose",
    "staff/forecast-late/": "te late prognoses (voor medewerkers)",
    "staff/audit/": "datacontrole (voor medewerkers)",
}

CLOSED_BY = {"staff": "medewerker", "job": "automatisch"}


def job_words(job: str) -> str:
    """`Toekennen en status bijwerken (progress-statuses)`: the Dutch name, and the code to type."""
    label = job_label(job)
    return f"{label} ({job})" if label != job else job


def trigger_words(trigger: str | None) -> str:
    """What started a run; runs journalled before triggers were kept say so plainly."""
    if not trigger:
        return "niet vastgelegd"
    return TRIGGER_LABELS.get(trigger, trigger)


FORECAST_STATE_WORDS = FORECAST_STATES


def forecast_state_words(state: str) -> str:
    """effective / superseded / late as staff say it."""
    return FORECAST_STATE_WORDS.get(state, state)


def outcome_words(code: str) -> str:
    return outcome(code)[0]


def status_words(code: object) -> str:
    """`WAITING` as `Wacht op toekenning`; an unknown code as it is."""
    found = RequestStatus.__members__.get(str(code))
    return found.label if found is not None else str(code)


def quarter_words(value: Quarter | str | None) -> str:
    """`2026-Q4` as `K4 2026`."""
    if value is None:
        return ""
    return value.label if isinstance(value, Quarter) else quarter_label(value)


def value_words(name: str, value: object) -> str:
    """One field's value as staff read it: labels, months and dates in Dutch, never `None`."""
    if value is None or value in {"", "None"}:
        return "—"
    if name == "status":
        return status_words(value)
    if name == "month":
        return month_label(value)
    if name in ("open", "closed") and isinstance(value, bool):
        return "ja" if value else "nee"
    if name == "closed_by":
        return CLOSED_BY.get(str(value).removeprefix("ClosedBy.").lower(), str(value))
    if name in ("confirmed_on", "delivery_date", "due"):
        return day_label(str(value))
    return str(value)


def change_words(before: object, after: object, kind: str = "") -> str:
    """`Wacht op toekenning → Verwerking bestelling, leveringsmaand december 2026`: one journal line's
    before and after in the same words as the console's Runs pages (`kind`: the audit's entity_set)."""
    old: Mapping[str, Any] = before if isinstance(before, Mapping) else {}
    new: Mapping[str, Any] = after if isinstance(after, Mapping) else {}
    return audit_change_words(kind, old, new)


def step_words(step: object) -> str:
    return STEPS.get(str(step), str(step))


def entity_words(entity: str) -> str:
    return ENTITIES.get(entity, entity)


def held_reason_words(code: str) -> str:
    return HELD_REASONS.get(code, code)


def held_words(code: str, message: str) -> str:
    """A held-back decision in Dutch. The plan keeps the planner's English (saved plans and the
    console read it); staff read this: `ronde 2: blijft wachten: nog 4 van de capaciteit van de
    maand over, 11 gevraagd`."""
    found = _ROUND.match(message)
    prefix = f"ronde {found.group(1)}: " if found else ""
    room = _ROOM.search(message)
    if code in ("capacity", "cap") and room:
        left = f"nog {room.group(1)}" if room.group(1) else "niets"
        of = "de capaciteit van de maand" if code == "capacity" else "de kwartaalprognose"
        return f"{prefix}blijft wachten: {left} van {of} over, {room.group(3)} gevraagd"
    if code == "no_forecast":
        if "without a cap" in message:
            return UNCAPPED_WHY
        return f"{prefix}blijft wachten: geen geldige prognose voor het kwartaal (no_forecast_policy = hold)"
    if code == "allocated_but_not_chosen":
        why = _NOT_CHOSEN.search(message)
        because = HELD_REASONS.get(why.group(1), why.group(1)) if why else "de rondes"
        return f"{prefix}al eerder toegekend; de rondes kiezen hem nu niet ({because}); er gaat niets terug"
    if code == "reopened_by_staff":
        return "zou sluiten, maar een medewerker heropende de maand: blijft open"
    line = _LINE.match(message)
    where = f"regel {line.group(1)}: " if line else ""
    if code == "confirmation_unchanged":
        return f"{where}al zo vastgelegd"
    if code == "confirmation_older":
        return f"{where}Tribe heeft een nieuwere bevestiging; die blijft staan"
    return message


def summary_words(summary: Mapping[str, int]) -> str:
    """`wijzigingen 22, gepland 22, problemen 3`: the counts that are not zero (and the changes)."""
    return ", ".join(f"{SUMMARY.get(k, k)} {v}" for k, v in summary.items() if v or k == "changes")


def task_words(key: str) -> str:
    """A task of ours by what it is, with its quarter where it has one (`herinnering verantwoording,
    K4 2026`); its key as it is when it is none of ours."""
    for prefix, words in TASKS.items():
        if key.startswith(prefix):
            first = key.removeprefix(prefix).split("/", 1)[0]
            quarter = quarter_words(first) if first[:4].isdigit() and "Q" in first else ""
            return f"{words}, {quarter}" if quarter else words
    return key


def task_status_words(code: str | None, open_code: str, done_code: str) -> str:
    """A task's phase in Tribe (its code, `[tenant.task_phases]`) in Dutch; said plainly when Tribe
    gives the task no phase at all, rather than a bare dash."""
    if code is None:
        return "geen status in Tribe"
    if code == open_code:
        return "open"
    if code == done_code:
        return "afgerond"
    return code


def day_words(day: dt.date | str | None) -> str:
    """A day (or an ISO day as --json has it) as `14 januari 2027`; `—` for none."""
    if isinstance(day, str):
        return day_label(day)
    return dutch_date(day)


def local_moment(moment: dt.datetime | str | None, tz: ZoneInfo) -> str:
    """A moment the store keeps (UTC, maybe naive, maybe ISO text) as `14 januari 2027 09:05`."""
    if moment is None:
        return ""
    if isinstance(moment, str):
        try:
            return dutch_datetime(dt.datetime.fromisoformat(moment), tz)
        except ValueError:
            return moment
    return dutch_datetime(moment, tz)


def run_counts(counts: Mapping[str, Any], notes: Any) -> dict[str, Any]:
    """A run's counts as its lists show them: the organisations allocated without a quarterly cap
    counted apart (`uncapped`), not as held. The journal counts them with the held decisions; its
    notes name them (a run from before the notes were kept: its counts as they are)."""
    shown = run_notes(notes)
    if not shown["notes_kept"] or not shown["uncapped"]:
        return dict(counts)
    uncapped = len(shown["uncapped"])
    return {**counts, "held": max(int(counts.get("held") or 0) - uncapped, 0), "uncapped": uncapped}


def run_notes(notes: Any) -> dict[str, Any]:
    """A run's problems and held decisions as its page lists them: by name, in Dutch. An organisation
    allocated without a quarterly cap (no forecast, policy allow) was not held: it is its own note.
    `notes` None: a run from before the journal kept them (only its counts are known)."""
    if not isinstance(notes, dict):
        return {"notes_kept": False, "problems": [], "held": [], "uncapped": []}
    problems = [
        {"label": str(n.get("label") or "—"), "title": problem_title(str(n.get("code")))}
        for n in notes.get("problems", [])
    ]
    held, uncapped = [], []
    for n in notes.get("held", []):
        code, message, label = str(n.get("code")), str(n.get("message") or ""), str(n.get("label") or "—")
        if is_uncapped(code, message):
            uncapped.append({"label": label})
        else:
            held.append({"label": label, "why": held_words(code, message)})
    return {"notes_kept": True, "problems": problems, "held": held, "uncapped": uncapped}
