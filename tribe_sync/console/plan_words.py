"""A saved plan's steps, a refusal and what moved underneath it, in staff's words: one rendering for
the console's Plannen pages and the staff commands (`plans approve --apply`, `plans apply`,
`jobs apply`), which said the same refusal in English before.

`plans.document.Difference` keeps its English `lines()` for the operator's logs and `--json`; people
read these."""

from __future__ import annotations

import contextlib
import datetime as dt
from zoneinfo import ZoneInfo

from tribe_sync.console.format import dutch_datetime
from tribe_sync.domain.calendar import Month
from tribe_sync.plans.document import Difference, DiffKind, RecordChange

__all__ = ["RECORD_NOUNS", "STEP_LABELS", "difference_lines", "refused_words"]

STEP_LABELS = {
    "create": "Leveringsmaanden aanmaken",
    "close": "Leveringsmaanden sluiten",
    "open": "Leveringsmaanden heropenen",
    "allocation": "Toekenning",
    "hand-off": "Naar de verwerker",
    "confirmation": "Bevestiging van de verwerker",
    "delivery": "Levering",
    "first": "Eerste herinnering verantwoording",
    "followup": "Tweede herinnering verantwoording",
    "staff": "Taak voor medewerkers",
    "reminder": "Herinnering prognose",
    "late": "Prognose te laat",
    "report": "Datacontrole",
    "approval": "Wacht op goedkeuring",
}
RECORD_NOUNS = {
    "requests": "aanvraag",
    "months": "leveringsmaand",
    "forecasts": "prognose",
    "organisations": "organisatie",
    "contacts": "contactpersoon",
    "reports": "verantwoording",
    "products": "product",
    "processors": "verwerker",
    "tasks": "taak",
}


def refused_words(why: str, *, max_age_hours: float) -> str:
    """Why a plan was not carried out (`PlanRefused.why`), and that nothing was written."""
    return {
        "stale": "Tribe is veranderd sinds het plan is gemaakt; er is niets geschreven.",
        "expired": f"Het plan is ouder dan {max_age_hours:g} uur en daarom verlopen; er is niets geschreven.",
        "edited": "Het opgeslagen plan is gewijzigd na het maken; er is niets geschreven.",
    }.get(why, "Het plan is geweigerd; er is niets geschreven.")


def difference_lines(difference: Difference, tz: ZoneInfo | None = None) -> list[str]:
    """What moved since the plan was made, in Dutch: per planned change, then per record, then the
    settings."""
    lines: list[str] = []
    if difference.edited:
        lines.append("Het plan is na het maken gewijzigd (de controlesom klopt niet).")
    lines += list(difference.other)
    what = {
        DiffKind.ADDED: "nu wel gepland",
        DiffKind.GONE: "niet meer gepland",
        DiffKind.ALTERED: "nu anders gepland",
    }
    for change in difference.changes:
        step = STEP_LABELS.get(change.step, change.step)
        lines.append(f"{change.label} ({step}): {what[change.kind]}")
    verbs = {
        RecordChange.NEW: "is nieuw",
        RecordChange.GONE: "is verdwenen",
        RecordChange.CHANGED: "is gewijzigd",
    }
    for record in difference.records:
        noun = RECORD_NOUNS.get(record.entity, record.entity)
        label = record.label
        if record.entity == "forecasts" and label.startswith("of "):  # "of <org> for <quarter>"
            label = "van " + label[3:].replace(" for ", " voor ", 1)
        if record.entity == "months":
            with contextlib.suppress(ValueError):
                label = Month.parse(label).label
        when = ""
        if record.after and record.after != record.before:
            when = f" (laatst gewijzigd {_moment(record.after, tz)})"
        lines.append(f"{noun.capitalize()} {label} {verbs[record.kind]}{when}")
    for setting in difference.settings:
        lines.append(f"Instelling {setting.key} is veranderd")
    return lines


def _moment(text: str, tz: ZoneInfo | None) -> str:
    """Tribe's `LastMutationDate` as staff read times: `4 januari 2027 09:00`."""
    try:
        return dutch_datetime(dt.datetime.fromisoformat(text.replace("Z", "+00:00")), tz)
    except ValueError:
        return text
