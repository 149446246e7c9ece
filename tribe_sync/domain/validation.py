"""Request validation (docs/programme.md section 2). Every failure is a `Problem`; nothing raises."""

from __future__ import annotations

import functools
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import Request

__all__ = [
    "Catalogue",
    "is_adult_age_group",
    "normalise_phone",
    "normalise_postcode",
    "validate_email_address",
    "validate_request",
]

_POSTCODE = re.compile(r"^([1-9][0-9]{3}) ?([A-Za-z]{2})$")
# PostNL does not use these letter pairs.
_BANNED_LETTERS = frozenset({"SA", "SD", "SS"})
_AGE_BAND = re.compile(r"^(\d{1,3})\s*(?:-\s*\d{1,3}|\+)$")


def normalise_postcode(text: str) -> str | None:
    """`1234ab` → `1234 AB`; None if it is not a Dutch postcode (`0xxx`, SA/SD/SS are not)."""
    match = _POSTCODE.fullmatch(text.strip())
    if not match or match[2].upper() in _BANNED_LETTERS:
        return None
    return f"{match[1]} {match[2].upper()}"


@functools.lru_cache(maxsize=16384)
def normalise_phone(text: str) -> str | None:
    """A Dutch number in E.164, `+31201234567`; None if invalid or of another country. Cached: the
    parse costs a millisecond, and every plan and the audit check the same numbers again."""
    import phonenumbers  # noqa: PLC0415 - on the first number: a staff list checks none, and it is slow to import

    try:
        number = phonenumbers.parse(text, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "NL":
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@functools.lru_cache(maxsize=16384)
def validate_email_address(text: str) -> str | None:
    """The normalised address if it is syntactically valid (no DNS look-up: the domain stays pure)."""
    from email_validator import EmailNotValidError, validate_email  # noqa: PLC0415 - see normalise_phone

    try:
        return validate_email(text.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def is_adult_age_group(code: str, adult_codes: Collection[str]) -> bool:
    """Configured 18+ codes count; otherwise a band such as `18-24` or `75+` by its lower bound."""
    if code in adult_codes:
        return True
    match = _AGE_BAND.fullmatch(code.strip())
    return match is not None and int(match[1]) >= 18


@dataclass(frozen=True)
class Catalogue:
    """What a request may refer to: the tenant's active options."""

    adult_age_groups: frozenset[str]
    target_groups: frozenset[str]
    products: frozenset[str]
    months: Mapping[Month, DeliveryMonth]


def validate_request(request: Request, catalogue: Catalogue) -> list[Problem]:
    found: list[Problem] = []

    def report(code: str, **params: object) -> None:
        found.append(problem(code, "request", request.id, order_number=str(request.number), **params))

    if request.quantity < 1:
        report("bad_quantity", detail=request.quantity)
    if not request.age_groups:
        report("no_age_group")
    for code in request.age_groups:
        if not is_adult_age_group(code, catalogue.adult_age_groups):
            report("not_adult_age_group", detail=code)
    if not request.target_groups:
        report("no_target_group")
    for code in request.target_groups:
        if code not in catalogue.target_groups:
            report("unknown_target_group", detail=code)
    if request.product_code not in catalogue.products:
        report("unknown_product", detail=request.product_code)
    month = catalogue.months.get(request.month)
    if month is not None and not month.was_open_at(request.requested_at):
        report("month_closed_at_submission", detail=request.month.label)
    if request.terms_accepted is False:
        report("terms_not_accepted")
    if not (request.explanation or "").strip():
        report("no_explanation")
    delivery = request.delivery
    if delivery is not None:
        for field, value in (
            ("street", delivery.street),
            ("postcode", delivery.postcode),
            ("city", delivery.city),
            ("contact_name", delivery.contact_name),
        ):
            if not (value or "").strip():
                report("missing_field", field=field)
        if delivery.postcode and normalise_postcode(delivery.postcode) is None:
            report("invalid_postcode")
        if not delivery.phone:
            report("missing_field", field="phone")
        elif normalise_phone(delivery.phone) is None:
            report("invalid_phone")
        if not delivery.email:
            report("missing_field", field="email")
        elif validate_email_address(delivery.email) is None:
            report("invalid_email")
    return found
