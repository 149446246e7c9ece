"""Staff's words for what the journal and the store keep by code: dates in Dutch and local time, job
names, what started a run, outcomes, who did it, and a change as "from → to" in Dutch labels.

`--json` keeps the codes; only what people read goes through here."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from tribe_sync.console.format import dutch_date, dutch_datetime
from tribe_sync.console.labels import job_label, outcome
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "actor_words",
    "change_words",
    "dutch_date",
    "dutch_datetime",
    "job_words",
    "outcome_words",
    "quarter_words",
    "status_words",
    "task_words",
    "trigger_words",
    "value_words",
]

# What started a run (store.plans.Trigger), as staff say it.
TRIGGERS = {
    "schedule": "volgens schema",
    "catch-up": "ingehaald bij de start",
    "webhook": "wijziging in Tribe",
    "staff": "medewerker (opdrachtregel)",
    "console": "medewerker (console)",
    "approved-plan": "goedgekeurd plan",
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
    return TRIGGERS.get(trigger, trigger)


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
    try:
        return (value if isinstance(value, Quarter) else Quarter.parse(value)).label
    except ValueError:
        return str(value)


def actor_words(actor: str | None) -> str:
    """`job:progress-statuses` as `taak Toekennen en status bijwerken`, `staff:anna` as `anna`."""
    if not actor:
        return ""
    kind, _, who = actor.partition(":")
    if kind == "job" and who:
        return f"taak {job_label(who)}"
    if kind == "staff" and who:
        return who
    if kind == "processor-import":
        return f"bevestigingen verwerker ({who})" if who else "bevestigingen verwerker"
    return actor


def value_words(name: str, value: object) -> str:
    """One field's value as staff read it: labels, months and dates in Dutch, never `None`."""
    if value is None or value in {"", "None"}:
        return "—"
    if name == "status":
        return status_words(value)
    if name == "month":
        try:
            return Month.parse(str(value)).label
        except ValueError:
            return str(value)
    if name in ("open", "closed") and isinstance(value, bool):
        return "ja" if value else "nee"
    if name == "closed_by":
        return CLOSED_BY.get(str(value).removeprefix("ClosedBy.").lower(), str(value))
    if name in ("confirmed_on", "delivery_date", "due"):
        try:
            return dutch_date(dt.date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    return str(value)


def change_words(before: object, after: object) -> str:
    """`Wacht op toekenning → Verwerking bestelling; leveringsmaand november 2026 → december 2026`:
    what changed, in Dutch, without braces or codes. A status needs no field name."""
    old: Mapping[str, Any] = before if isinstance(before, Mapping) else {}
    new: Mapping[str, Any] = after if isinstance(after, Mapping) else {}
    if not old:
        return "nieuw: " + ", ".join(f"{FIELDS.get(k, k)} {value_words(k, v)}" for k, v in new.items())
    parts = []
    for key in dict.fromkeys([*old, *new]):
        if key in new and old.get(key) == new.get(key):
            continue
        was, now = value_words(key, old.get(key)), value_words(key, new.get(key))
        if key not in new:
            continue
        arrow = f"{was} → {now}" if key in old else now
        parts.append(arrow if key == "status" else f"{FIELDS.get(key, key)} {arrow}")
    return "; ".join(parts) or "geen verschil"


def task_words(key: str) -> str:
    """A task of ours by what it is, with its quarter where it has one (`herinnering verantwoording,
    K4 2026`); its key as it is when it is none of ours."""
    for prefix, words in TASKS.items():
        if key.startswith(prefix):
            first = key.removeprefix(prefix).split("/", 1)[0]
            quarter = quarter_words(first) if first[:4].isdigit() and "Q" in first else ""
            return f"{words}, {quarter}" if quarter else words
    return key


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
