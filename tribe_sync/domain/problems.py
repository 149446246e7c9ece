"""A `Problem` is bad data, reported and never guessed at: it names the record and says, in English
and Dutch, what is wrong. Problems never stop a batch; the rest of the run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MESSAGES", "Problem", "problem"]

# code: (English, Dutch); `{detail}` and other fields are filled in by `problem()`.
MESSAGES: dict[str, tuple[str, str]] = {
    "missing_field": ("required field {field} is empty", "verplicht veld {field} is leeg"),
    "wrong_type": (
        "field {field} has an unusable value: {detail}",
        "veld {field} heeft een onbruikbare waarde: {detail}",
    ),
    "unknown_phase": (
        "unknown request status {detail!r}; left untouched",
        "onbekende aanvraagstatus {detail!r}; niet aangepast",
    ),
    "no_product_line": ("the request has no product line", "de aanvraag heeft geen productregel"),
    "several_product_lines": (
        "the request has {detail} product lines; one is expected",
        "de aanvraag heeft {detail} productregels; er wordt er één verwacht",
    ),
    "bad_quantity": (
        "quantity must be a whole number of at least 1, not {detail}",
        "aantal moet een geheel getal van minstens 1 zijn, niet {detail}",
    ),
    "invalid_order_number": (
        "order number {detail!r} is not of the form AD2025-00351",
        "ordernummer {detail!r} heeft niet de vorm AD2025-00351",
    ),
    "invalid_postcode": (
        "postcode {detail!r} is not a Dutch postcode (1234 AB)",
        "postcode {detail!r} is geen Nederlandse postcode (1234 AB)",
    ),
    "invalid_phone": (
        "phone number {detail!r} is not a valid Dutch number",
        "telefoonnummer {detail!r} is geen geldig Nederlands nummer",
    ),
    "invalid_email": ("e-mail address {detail!r} is not valid", "e-mailadres {detail!r} is ongeldig"),
    "not_adult_age_group": (
        "age group {detail!r} is not 18+; the scheme is for adults only",
        "leeftijdsgroep {detail!r} is niet 18+; de regeling is alleen voor volwassenen",
    ),
    "no_age_group": ("no age group chosen", "geen leeftijdsgroep gekozen"),
    "no_target_group": ("no target group chosen", "geen doelgroep gekozen"),
    "unknown_target_group": (
        "target group {detail!r} is not a configured target group",
        "doelgroep {detail!r} is geen bekende doelgroep",
    ),
    "unknown_product": (
        "product {detail!r} is not an available product",
        "product {detail!r} is geen beschikbaar product",
    ),
    "month_closed_at_submission": (
        "requested for {detail}, which was closed when the request was made",
        "aangevraagd voor {detail}, die al gesloten was bij het indienen",
    ),
    "terms_not_accepted": (
        "the general terms were not accepted",
        "de algemene voorwaarden zijn niet geaccepteerd",
    ),
    "no_explanation": ("the explanation of use is empty", "de toelichting op het gebruik is leeg"),
    "handed_out_above_received": (
        "{detail} handed out, more than the {received} received",
        "{detail} uitgegeven, meer dan de {received} ontvangen",
    ),
    "negative_report": (
        "a report of {detail} handed out would lower the total",
        "een melding van {detail} uitgegeven zou het totaal verlagen",
    ),
    "report_for_undelivered_request": (
        "accountability reported for a request that is not delivered",
        "verantwoording gemeld voor een aanvraag die niet geleverd is",
    ),
    "no_processor": (
        "{detail} request(s) cannot be handed off: no processor chosen and {active} active ones; "
        "set programme.default_processor_id",
        "{detail} aanvra(a)g(en) kunnen niet naar een verwerker: geen verwerker gekozen en {active} "
        "actieve; stel programme.default_processor_id in",
    ),
    "unknown_reference": (
        "{field} points to {detail}, which is not known",
        "{field} verwijst naar {detail}, dat niet bekend is",
    ),
    "invalid_month_code": (
        "delivery month code {detail!r} is not of the form 2026-12",
        "leveringsmaandcode {detail!r} heeft niet de vorm 2026-12",
    ),
    "invalid_quarter": ("quarter {detail!r} is not 1 to 4", "kwartaal {detail!r} is niet 1 tot en met 4"),
    "negative_forecast": (
        "forecast quantity {detail} is below 0",
        "prognose-aantal {detail} is kleiner dan 0",
    ),
    "late_forecast": (
        "submitted on {detail}, after the deadline {deadline}",
        "ingediend op {detail}, na de deadline {deadline}",
    ),
    "status_changed_meanwhile": (
        "the status changed to {detail} since the run read it; skipped",
        "de status is intussen gewijzigd naar {detail}; overgeslagen",
    ),
    "month_changed_meanwhile": (
        "{month} is {detail} since the run read it; skipped",
        "{month} is intussen {detail}; overgeslagen",
    ),
    "write_failed": (
        "the change could not be written: {detail}",
        "de wijziging kon niet worden weggeschreven: {detail}",
    ),
}


@dataclass(frozen=True)
class Problem:
    code: str
    entity: str
    record_id: str | None
    message: str
    message_nl: str
    context: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "entity": self.entity,
            "record_id": self.record_id,
            "message": self.message,
            "message_nl": self.message_nl,
            **self.context,
        }

    def __str__(self) -> str:
        return f"{self.entity} {self.record_id or '?'}: {self.message}"


def problem(code: str, entity: str, record_id: str | None, **params: Any) -> Problem:
    english, dutch = MESSAGES[code]
    params.setdefault("detail", "")
    params.setdefault("field", "")
    context = {k: v for k, v in params.items() if k not in ("detail", "field") or v != ""}
    return Problem(
        code,
        entity,
        record_id,
        english.format(**params),
        dutch.format(**params),
        {k: _plain(v) for k, v in context.items()},
    )


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)
