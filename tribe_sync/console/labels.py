"""Dutch words for what the store and the jobs call by code: job names, run outcomes, record kinds."""

from __future__ import annotations

from collections.abc import Mapping

from tribe_sync.domain.problems import ProblemCode
from tribe_sync.plans.status_words import PLAN_STATUSES, plan_status_words

__all__ = [
    "FORECAST_STATES",
    "HELD",
    "JOB_LABELS",
    "OUTCOMES",
    "PLAN_STATUSES",
    "PROBLEM_TITLES",
    "UNCAPPED",
    "UNCAPPED_WHY",
    "is_uncapped",
    "job_label",
    "outcome",
    "plan_status_words",
    "problem_title",
    "processor_words",
]

JOB_LABELS = {
    "close-delivery-months": "Leveringsmaanden sluiten",
    "progress-statuses": "Toekennen en status bijwerken",
    "accountability-reminders": "Herinneringen verantwoording",
    "forecast-reminders": "Herinneringen prognoses",
    "audit": "Nachtelijke datacontrole",
    "months close": "Maand gesloten door medewerker",
    "months open": "Maand heropend door medewerker",
    "processor import": "Bevestigingen verwerker",
}

# outcome code -> (Dutch label, tone: ok / warn / bad / neutral). The tone only adds colour and a mark;
# the word is always there.
OUTCOMES = {
    "ok": ("geslaagd", "ok"),
    "problems": ("met problemen", "warn"),
    "failed": ("mislukt", "bad"),
    "interrupted": ("onderbroken", "warn"),
    "running": ("bezig", "neutral"),
    "refused": ("geweigerd", "bad"),
}


# A saved plan's status (store.plans.PlanStatus), in Dutch: `plans list` and `plans show`, what the
# plans' service says to staff about a plan's status, and the console's Plannen pages.
def job_label(job: str) -> str:
    return JOB_LABELS.get(job, job)


def outcome(code: str) -> tuple[str, str]:
    return OUTCOMES.get(code, (code, "neutral"))


# Each kind of problem as staff call it (docs/staff.md lists what each means and what to do): a card's
# title on Problemen, a warning on a plan's request, a line on a run's page. Every code has one.
PROBLEM_TITLES: dict[ProblemCode, str] = {
    ProblemCode.MISSING_FIELD: "Ontbrekend veld",
    ProblemCode.WRONG_TYPE: "Verkeerde waarde",
    ProblemCode.UNKNOWN_PHASE: "Onbekende status",
    ProblemCode.NO_PRODUCT_LINE: "Geen productregel",
    ProblemCode.SEVERAL_PRODUCT_LINES: "Meer productregels",
    ProblemCode.BAD_QUANTITY: "Ongeldig aantal",
    ProblemCode.INVALID_ORDER_NUMBER: "Ongeldig ordernummer",
    ProblemCode.INVALID_POSTCODE: "Ongeldige postcode",
    ProblemCode.INVALID_PHONE: "Ongeldig telefoonnummer",
    ProblemCode.INVALID_EMAIL: "Ongeldig e-mailadres",
    ProblemCode.NOT_ADULT_AGE_GROUP: "Leeftijdsgroep onder 18",
    ProblemCode.NO_AGE_GROUP: "Geen leeftijdsgroep",
    ProblemCode.NO_TARGET_GROUP: "Geen doelgroep",
    ProblemCode.UNKNOWN_TARGET_GROUP: "Onbekende doelgroep",
    ProblemCode.UNKNOWN_PRODUCT: "Onbekend product",
    ProblemCode.MONTH_CLOSED_AT_SUBMISSION: "Maand al gesloten bij aanvraag",
    ProblemCode.TERMS_NOT_ACCEPTED: "Voorwaarden niet geaccepteerd",
    ProblemCode.NO_EXPLANATION: "Geen toelichting",
    ProblemCode.HANDED_OUT_ABOVE_RECEIVED: "Meer uitgegeven dan ontvangen",
    ProblemCode.NEGATIVE_REPORT: "Negatieve verantwoording",
    ProblemCode.REPORT_FOR_UNDELIVERED_REQUEST: "Verantwoording voor niet-geleverde aanvraag",
    ProblemCode.NO_PROCESSOR: "Geen verwerker",
    ProblemCode.UNKNOWN_REFERENCE: "Onbekende verwijzing",
    ProblemCode.INVALID_MONTH_CODE: "Ongeldige maandcode",
    ProblemCode.INVALID_QUARTER: "Ongeldig kwartaal",
    ProblemCode.OUT_OF_RANGE: "Onmogelijke waarde",
    ProblemCode.UNUSABLE_TEXT: "Onbruikbare tekst",
    ProblemCode.NEGATIVE_FORECAST: "Negatieve prognose",
    ProblemCode.LATE_FORECAST: "Te late prognose",
    ProblemCode.STATUS_CHANGED_MEANWHILE: "Status intussen gewijzigd",
    ProblemCode.MONTH_CHANGED_MEANWHILE: "Maand intussen gewijzigd",
    ProblemCode.WRITE_FAILED: "Schrijven mislukt",
    ProblemCode.RUN_FAILED: "Run mislukt",
}


def problem_title(code: str) -> str:
    """A problem's Dutch title; a code this version does not know reads as a problem, never raw."""
    try:
        return PROBLEM_TITLES[ProblemCode(code)]
    except ValueError:
        return "Ander probleem"


# A forecast's state (domain.forecasts.ForecastState), as staff say it: `forecasts list`, its `--state`
# filter and the console's Prognoses page. "telt": the one forecast that counts for its quarter (on
# time and the newest); a superseded one was on time too.
FORECAST_STATES = {"effective": "telt", "superseded": "vervangen", "late": "te laat"}

# The two lists a plan's or run's held decisions (jobs.plan.Notice) make, as every staff surface names
# them: `jobs run`, `plans show`, `runs show` and the console's run and plan pages, their counts too.
HELD = "Aangehouden"  # held back: a request that stays waiting, a month staff reopened, ...
UNCAPPED = "Toegekend zonder plafond"  # not held: allocated without a quarterly cap (is_uncapped)
UNCAPPED_WHY = "geen geldige prognose voor het kwartaal: toegekend zonder kwartaalplafond"


def is_uncapped(code: str, message: str) -> bool:
    """Whether a plan's held notice is in fact an allocation: an organisation with no valid forecast,
    allocated without a quarterly cap (no_forecast_policy = allow). The planner lists it with what it
    held back; staff read it as "Toegekend zonder plafond", not as held."""
    return code == "no_forecast" and "without a cap" in message


PROCESSOR_NOT_YET_KNOWN = "nog onbekend in tribe-sync (staat er na de volgende verversing)"


def processor_words(processor_id: str | None, names: Mapping[str, str]) -> str:
    """A request's processor as staff read it: its name from the read model (`names`, by ID), "—"
    for none, and in words, never its record ID, one the read model has not read yet."""
    if processor_id is None:
        return "—"
    name = names.get(processor_id)
    if name is None:
        return PROCESSOR_NOT_YET_KNOWN
    return name or "zonder naam in Tribe"
