"""A `Problem` is bad data, reported and never guessed at: it names the record and says, in English
and Dutch, what is wrong. Problems never stop a batch; the rest of the run goes on."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tribe_sync.domain.calendar import day_label, month_label, quarter_label

__all__ = ["ENTITY_WORDS", "MESSAGES", "Problem", "ProblemCode", "problem"]


class ProblemCode(StrEnum):
    """Every kind of problem, closed: a new one needs its English and Dutch message in `MESSAGES`."""

    MISSING_FIELD = "missing_field"
    WRONG_TYPE = "wrong_type"
    UNKNOWN_PHASE = "unknown_phase"
    NO_PRODUCT_LINE = "no_product_line"
    SEVERAL_PRODUCT_LINES = "several_product_lines"
    BAD_QUANTITY = "bad_quantity"
    INVALID_ORDER_NUMBER = "invalid_order_number"
    INVALID_POSTCODE = "invalid_postcode"
    INVALID_PHONE = "invalid_phone"
    INVALID_EMAIL = "invalid_email"
    NOT_ADULT_AGE_GROUP = "not_adult_age_group"
    NO_AGE_GROUP = "no_age_group"
    NO_TARGET_GROUP = "no_target_group"
    UNKNOWN_TARGET_GROUP = "unknown_target_group"
    UNKNOWN_PRODUCT = "unknown_product"
    MONTH_CLOSED_AT_SUBMISSION = "month_closed_at_submission"
    TERMS_NOT_ACCEPTED = "terms_not_accepted"
    NO_EXPLANATION = "no_explanation"
    HANDED_OUT_ABOVE_RECEIVED = "handed_out_above_received"
    NEGATIVE_REPORT = "negative_report"
    REPORT_FOR_UNDELIVERED_REQUEST = "report_for_undelivered_request"
    NO_PROCESSOR = "no_processor"
    UNKNOWN_REFERENCE = "unknown_reference"
    INVALID_MONTH_CODE = "invalid_month_code"
    INVALID_QUARTER = "invalid_quarter"
    OUT_OF_RANGE = "out_of_range"  # a value beyond what the domain can hold (domain.limits)
    UNUSABLE_TEXT = "unusable_text"  # too long, control characters, half a surrogate pair
    NEGATIVE_FORECAST = "negative_forecast"
    LATE_FORECAST = "late_forecast"
    STATUS_CHANGED_MEANWHILE = "status_changed_meanwhile"
    MONTH_CHANGED_MEANWHILE = "month_changed_meanwhile"
    WRITE_FAILED = "write_failed"
    RUN_FAILED = "run_failed"  # the run itself could not be done (`--json` `error`)


# code: (English, Dutch); `{detail}` and other fields are filled in by `problem()`.
MESSAGES: dict[ProblemCode, tuple[str, str]] = {
    ProblemCode.MISSING_FIELD: ("required field {field} is empty", "verplicht veld {field} is leeg"),
    ProblemCode.WRONG_TYPE: (
        "field {field} has an unusable value: {detail}",
        "veld {field} heeft een onbruikbare waarde: {detail}",
    ),
    ProblemCode.UNKNOWN_PHASE: (
        "unknown request status {detail!r}; left untouched",
        "onbekende aanvraagstatus {detail!r}; niet aangepast",
    ),
    ProblemCode.NO_PRODUCT_LINE: ("the request has no product line", "de aanvraag heeft geen productregel"),
    ProblemCode.SEVERAL_PRODUCT_LINES: (
        "the request has {detail} product lines; one is expected",
        "de aanvraag heeft {detail} productregels; er wordt er één verwacht",
    ),
    ProblemCode.BAD_QUANTITY: (
        "quantity must be a whole number of at least 1, not {detail}",
        "aantal moet een geheel getal van minstens 1 zijn, niet {detail}",
    ),
    ProblemCode.INVALID_ORDER_NUMBER: (
        "order number {detail!r} is not of the form AD2025-00351",
        "ordernummer {detail!r} heeft niet de vorm AD2025-00351",
    ),
    # A person's delivery detail: the value stays in Tribe (never in output, logs, the journal or the
    # read model), and the sentence says where to look.
    ProblemCode.INVALID_POSTCODE: (
        "the postcode is not a Dutch postcode, 1234 AB (see Tribe)",
        "de postcode is geen Nederlandse postcode, 1234 AB (zie Tribe)",
    ),
    ProblemCode.INVALID_PHONE: (
        "the phone number is not a valid Dutch number (see Tribe)",
        "het telefoonnummer is geen geldig Nederlands nummer (zie Tribe)",
    ),
    ProblemCode.INVALID_EMAIL: (
        "the e-mail address is not valid (see Tribe)",
        "het e-mailadres is ongeldig (zie Tribe)",
    ),
    ProblemCode.NOT_ADULT_AGE_GROUP: (
        "age group {detail!r} is not 18+; the scheme is for adults only",
        "leeftijdsgroep {detail!r} is niet 18+; de regeling is alleen voor volwassenen",
    ),
    ProblemCode.NO_AGE_GROUP: ("no age group chosen", "geen leeftijdsgroep gekozen"),
    ProblemCode.NO_TARGET_GROUP: ("no target group chosen", "geen doelgroep gekozen"),
    ProblemCode.UNKNOWN_TARGET_GROUP: (
        "target group {detail!r} is not a configured target group",
        "doelgroep {detail!r} is geen bekende doelgroep",
    ),
    ProblemCode.UNKNOWN_PRODUCT: (
        "product {detail!r} is not an available product",
        "product {detail!r} is geen beschikbaar product",
    ),
    ProblemCode.MONTH_CLOSED_AT_SUBMISSION: (
        "requested for {detail}, which was closed when the request was made",
        "aangevraagd voor {detail}, die al gesloten was bij het indienen",
    ),
    ProblemCode.TERMS_NOT_ACCEPTED: (
        "the general terms were not accepted",
        "de algemene voorwaarden zijn niet geaccepteerd",
    ),
    ProblemCode.NO_EXPLANATION: ("the explanation of use is empty", "de toelichting op het gebruik is leeg"),
    ProblemCode.HANDED_OUT_ABOVE_RECEIVED: (
        "{detail} handed out, more than the {received} received",
        "{detail} uitgegeven, meer dan de {received} ontvangen",
    ),
    ProblemCode.NEGATIVE_REPORT: (
        "a report of {detail} handed out would lower the total",
        "een melding van {detail} uitgegeven zou het totaal verlagen",
    ),
    ProblemCode.REPORT_FOR_UNDELIVERED_REQUEST: (
        "accountability reported for a request that is not delivered",
        "verantwoording gemeld voor een aanvraag die niet geleverd is",
    ),
    ProblemCode.NO_PROCESSOR: (
        "{detail} request(s) cannot be handed off: no processor chosen and {active} active ones; "
        "set programme.default_processor_id",
        "{detail} aanvra(a)g(en) kunnen niet naar een verwerker: geen verwerker gekozen en {active} "
        "actieve; stel programme.default_processor_id in",
    ),
    ProblemCode.UNKNOWN_REFERENCE: (
        "{field} points to {detail}, which is not known",
        "{field} verwijst naar {detail}, dat niet bekend is",
    ),
    ProblemCode.INVALID_MONTH_CODE: (
        "delivery month code {detail!r} is not of the form 2026-12",
        "leveringsmaandcode {detail!r} heeft niet de vorm 2026-12",
    ),
    ProblemCode.OUT_OF_RANGE: (
        "field {field} is outside what the programme can hold: {detail}",
        "veld {field} valt buiten wat het programma aankan: {detail}",
    ),
    ProblemCode.UNUSABLE_TEXT: (
        "field {field} holds text that cannot be used: {detail}",
        "veld {field} bevat onbruikbare tekst: {detail}",
    ),
    ProblemCode.INVALID_QUARTER: (
        "quarter {detail!r} is not 1 to 4",
        "kwartaal {detail!r} is niet 1 tot en met 4",
    ),
    ProblemCode.NEGATIVE_FORECAST: (
        "forecast quantity {detail} is below 0",
        "prognose-aantal {detail} is kleiner dan 0",
    ),
    ProblemCode.LATE_FORECAST: (
        "submitted on {detail}, after the deadline {deadline}",
        "ingediend op {submitted_nl}, na de deadline van {deadline_nl}",
    ),
    ProblemCode.STATUS_CHANGED_MEANWHILE: (
        "the status changed to {detail} since the run read it; skipped",
        "de status is intussen gewijzigd naar {detail}; overgeslagen",
    ),
    ProblemCode.MONTH_CHANGED_MEANWHILE: (
        "{month} is {detail} since the run read it; skipped",
        "{month} is intussen {detail}; overgeslagen",
    ),
    ProblemCode.WRITE_FAILED: (  # {detail_nl}: what failed and what to do, in plain Dutch (if given)
        "the change could not be written: {detail}",
        "{detail_nl}",
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

    @property
    def label(self) -> str | None:
        """What staff can find the record by in Tribe: an order number, a month (`december 2026`), an
        organisation's name (with the quarter for a forecast, `Bibliotheek Noord, K1 2027`, or the
        order number for an accountability report); None when the record says nothing usable."""
        context = self.context
        number = _text(context.get("order_number"))
        if number and self.entity == "request":
            return number
        month = _text(context.get("month"))
        if month:
            return month_label(month)
        parts = [_text(context.get("organisation")), _quarter_label(_text(context.get("quarter"))), number]
        named = [part for part in parts if part]
        if named:
            return ", ".join(named)
        return _text(context.get("record"))  # a change that failed: its label (order number, processor)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "entity": self.entity,
            "record_id": self.record_id,
            "label": self.label,
            "message": self.message,
            "message_nl": self.message_nl,
            **self.context,
        }

    def __str__(self) -> str:
        what = ENTITY_WORDS.get(self.entity, self.entity)
        return f"{what} {self.label or self.record_id or '?'}: {self.message}"


# How each kind of record is called in what people read.
ENTITY_WORDS: dict[str, str] = {
    "request": "request",
    "organisation": "organisation",
    "customer": "organisation",
    "forecast": "forecast of",
    "accountability": "accountability report for",
    "delivery_month": "delivery month",
}


def problem(code: ProblemCode | str, entity: str, record_id: str | None, **params: Any) -> Problem:
    english, dutch = MESSAGES[ProblemCode(code)]
    params.setdefault("detail", "")
    params.setdefault("field", "")
    if code == ProblemCode.LATE_FORECAST:  # the Dutch message reads dates as staff write them
        params.setdefault("submitted_nl", day_label(params["detail"]))
        params.setdefault("deadline_nl", day_label(params.get("deadline", "")))
    if code == ProblemCode.WRITE_FAILED:
        params.setdefault("detail_nl", f"de wijziging kon niet worden weggeschreven: {params['detail']}")
    context = {k: v for k, v in params.items() if k not in ("detail", "field") or v != ""}
    return Problem(
        str(code),
        entity,
        record_id,
        english.format(**params),
        dutch.format(**params),
        {k: _plain(v) for k, v in context.items()},
    )


def _text(value: Any) -> str | None:
    text = "" if value is None else str(value).strip()
    return text or None


def _quarter_label(text: str | None) -> str | None:
    """`2027-Q1` as `K1 2027` (the JSON keeps the ISO form in `quarter`)."""
    return None if text is None else quarter_label(text)


def _plain(value: Any) -> Any:
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)
