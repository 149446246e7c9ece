"""Dutch words for what the store and the jobs call by code: job names, run outcomes, record kinds."""

from __future__ import annotations

__all__ = ["JOB_LABELS", "OUTCOMES", "job_label", "outcome"]

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


def job_label(job: str) -> str:
    return JOB_LABELS.get(job, job)


def outcome(code: str) -> tuple[str, str]:
    return OUTCOMES.get(code, (code, "neutral"))
