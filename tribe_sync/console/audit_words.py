"""The journal's runs and audit lines in staff's words: Dutch counts, change kinds, before and after.

The journal keeps codes (`done_already`, `move_status`, `{"status": "WAITING"}`, `confirmed_on: None`)
so that its JSON stays stable; the Runs pages and a request's history read them through here, so a
person sees "Wacht op toekenning → Verwerking bestelling" and "nog niet bevestigd", never a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tribe_sync.console.format import dutch_number
from tribe_sync.console.labels import HELD, UNCAPPED, job_label
from tribe_sync.domain.calendar import day_label, month_label
from tribe_sync.domain.counts import counted
from tribe_sync.domain.statuses import RequestStatus

__all__ = [
    "COUNT_LABELS",
    "KIND_LABELS",
    "TRIGGER_LABELS",
    "actor_words",
    "change_words",
    "count_rows",
]

# A run's counts (the executor's report summary), in the order a person reads them.
COUNT_LABELS = {
    "changes": "Wijzigingen in het plan",
    "applied": "Uitgevoerd",
    "done_already": "Was al zo",
    "planned": "Gepland (niet uitgevoerd)",
    "skipped": "Overgeslagen",
    "failed": "Mislukt",
    "not_reached": "Niet aan toegekomen",
    "problems": "Problemen in de gegevens",
    "held": HELD,
    "uncapped": UNCAPPED,
}

# The audit line's `entity_set` is the change's kind.
KIND_LABELS = {
    "move_status": "Status van een aanvraag",
    "create_month": "Leveringsmaand aangemaakt",
    "set_month": "Leveringsmaand gesloten of geopend",
    "record_confirmation": "Bevestiging van de verwerker",
    "create_task": "Taak aangemaakt",
    "hand_off": "Naar de verwerker",
}

# What started a run (store.plans.Trigger).
TRIGGER_LABELS = {
    "schedule": "volgens het schema",
    "catch-up": "ingehaald (een gemiste run)",
    "webhook": "na een melding uit Tribe",
    "staff": "door een medewerker",
    "console": "door een medewerker in de console",
    "approved-plan": "een goedgekeurd plan",
}

CLOSED_BY = {
    "staff": "een medewerker",
    "job": "de sluitingstaak",
    "capacity": "de sluitingstaak (vol)",
    "lead_time": "de sluitingstaak (levertijd)",
    "None": "niemand",
}


def count_rows(counts: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The counts worth reading, labelled: every known one that is not zero (the changes always)."""
    rows = [
        (label, int(counts.get(key) or 0))
        for key, label in COUNT_LABELS.items()
        if key == "changes" or counts.get(key)
    ]
    rows += [(key.replace("_", " "), int(v)) for key, v in counts.items() if key not in COUNT_LABELS and v]
    return rows


def actor_words(actor: str | None) -> str:
    """`job:progress-statuses` as `tribe-sync (Toekennen en status bijwerken)`, `staff:anna` as `anna`,
    `processor-import:x.csv` as `bevestigingen verwerker (x.csv)`; the console and the command line.
    A job is named as the program that ran it, never "taak …": staff read "taak" as a task in Tribe."""
    if not actor:
        return ""
    kind, _, who = actor.partition(":")
    if kind == "job" and who:
        return f"tribe-sync ({job_label(who)})"
    if kind == "staff" and who:
        return who
    if kind == "processor-import":
        return f"bevestigingen verwerker ({who})" if who else "bevestigingen verwerker"
    return actor


def change_words(kind: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> str:
    """One audit line's before and after as a sentence."""
    before, after = before or {}, after or {}
    if "status" in after and kind in ("move_status", "hand_off", ""):
        text = f"{_status(before.get('status'))} → {_status(after['status'])}"
        if after.get("month"):
            text += f", leveringsmaand {month_label(after['month'])}"
        if kind == "hand_off" or "processor" in after:
            text += _hand_off(after)
        return text
    if kind == "hand_off" or "processor" in after:
        return f"{_status(before.get('status'))} → naar de verwerker{_hand_off(after)}"
    if kind == "set_month" or ("open" in after and "closed_by" in after):
        was = "open" if before.get("open") else "gesloten"
        now = "open" if after.get("open") else "gesloten"
        text = f"{was} → {now}"
        if not after.get("open"):
            text += (
                f", gesloten door {CLOSED_BY.get(str(after.get('closed_by')), str(after.get('closed_by')))}"
            )
        if after.get("reason"):
            text += f" (reden: {after['reason']})"
        return text
    if kind == "record_confirmation" or "confirmed_on" in after:
        return (
            f"bevestigd: {_day(before.get('confirmed_on'), 'nog niet')} → "
            f"{_day(after.get('confirmed_on'), 'nog niet')}; leverdatum: "
            f"{_day(before.get('delivery_date'), 'geen')} → {_day(after.get('delivery_date'), 'geen')}"
        )
    if kind == "create_month" or ("capacity" in after and "month" in after):
        capacity = after.get("capacity")
        limit = "geen limiet" if capacity is None else f"capaciteit {dutch_number(int(capacity))}"
        state = "gesloten" if after.get("closed") else "open"
        return f"leveringsmaand {month_label(after.get('month'))} aangemaakt, {limit}, {state}"
    if kind == "create_task" or "task" in after:
        return f"taak “{after.get('task')}”, uiterlijk {_day(after.get('due'), '—')}"
    return "; ".join(f"{k}: {_value(v)}" for k, v in after.items()) or "—"


def _hand_off(after: Mapping[str, Any]) -> str:
    rows = after.get("rows")
    processor = after.get("processor")
    text = f", bestand voor {processor}" if processor else ""
    if isinstance(rows, int):
        text += f" ({counted(rows, 'regel', 'regels', number=dutch_number(rows))})"
    return text


def _status(code: object) -> str:
    found = RequestStatus.__members__.get(str(code))
    return found.label if found else ("onbekend" if code is None else str(code))


def _day(value: object, missing: str) -> str:
    if value in (None, "", "None"):
        return missing
    return day_label(value)


def _value(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if isinstance(value, str):
        return _day(value, "—") if len(value) == 10 and value[4:5] == "-" else value
    return str(value)
