"""Wire record -> domain object. A record that does not map becomes a `Problem` with its ID and reason.

Structural faults (unknown phase, no or two product lines, a quantity below 1, a missing reference)
always reject a record. Field-level rule violations (postcode, phone, ...) are `validate_request`'s:
lenient mapping keeps such a request and reports them, strict mapping rejects it.

Every value read here is also checked against what the domain can hold (`domain.limits`): years and
dates, whole numbers, IDs and codes, text length and characters. A value outside rejects its record
with one problem, so an absurd record never reaches a planner, a file or a log.
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any, TypeVar

from tribe_sync.client.wire import Record, parse_date
from tribe_sync.domain.accountability import AccountabilityReport
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.limits import MAX_ID_CHARS, MAX_QUANTITY, date_fault, text_fault, year_fault
from tribe_sync.domain.months import ClosedBy, DeliveryMonth
from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.parties import ContactPerson, Organisation, Processor, Product
from tribe_sync.domain.problems import Problem, problem
from tribe_sync.domain.requests import DeliveryDetails, Request
from tribe_sync.domain.validation import Catalogue, validate_request
from tribe_sync.mappers.errors import Unmappable
from tribe_sync.mappers.schema import TenantSchema

__all__ = [
    "map_all",
    "map_requests",
    "problem_naming",
    "to_contact",
    "to_forecast",
    "to_month",
    "to_organisation",
    "to_processor",
    "to_product",
    "to_report",
    "to_request",
]

T = TypeVar("T")


def map_all(
    records: Iterable[Record], mapper: Callable[[Record, TenantSchema], T], schema: TenantSchema, entity: str
) -> tuple[list[T], list[Problem]]:
    mapped: list[T] = []
    problems: list[Problem] = []
    for record in records:
        fault = text_fault(record.id, MAX_ID_CHARS)
        if fault:
            problems.append(problem("unusable_text", entity, _shown(record.id), field="ID", detail=fault))
            continue
        try:
            mapped.append(mapper(record, schema))
        except Unmappable as bad:
            problems.append(
                problem(bad.code, entity, record.id, **problem_naming(record, entity, schema), **bad.params)
            )
    return mapped, problems


def problem_naming(record: Record, entity: str, schema: TenantSchema) -> dict[str, Any]:
    """What a person would look the record up by, when the record holds it in a usable shape. Never a
    contact's name (personal data): an order number, an organisation's name, a month's code, and for
    records named after another one (a forecast's or a contact's organisation, a report's request) that
    record's ID, which `naming.name_problems` turns into its name once the other sets are read."""
    found: dict[str, Any] = {}
    if entity == "request":
        found["order_number"] = record.get("Number")
    elif entity in ("organisation", "customer"):
        organisation = record.get("Organization")
        name = organisation.get("Name") if isinstance(organisation, dict) else None
        found["organisation"] = name if isinstance(name, str) and name.strip() else record.get("_Name")
    elif entity == "delivery_month":
        found["month"] = record.get("Code")
    elif entity == "forecast":
        f = schema.tenant.forecast
        found["organisation_id"] = _reference_id(record, f.organisation)
        year, number = record.get(f.year), record.get(f.quarter)
        if _is_int(year) and _is_int(number) and 1 <= number <= 4 and not year_fault(year):
            found["quarter"] = str(Quarter(year, number))
    elif entity == "accountability":
        found["request_id"] = _reference_id(record, schema.tenant.accountability.request)
    elif entity == "contact":
        found["organisation_id"] = _reference_id(record, "Relation")
    return {
        key: value.strip()
        for key, value in found.items()
        if isinstance(value, str) and value.strip() and text_fault(value.strip(), MAX_ID_CHARS) is None
    }


def _reference_id(record: Record, prop: str) -> str | None:
    value = record.get(prop)
    found = value.get("ID") if isinstance(value, dict) else None
    return found if isinstance(found, str) else None


def map_requests(
    records: Iterable[Record],
    schema: TenantSchema,
    *,
    catalogue: Catalogue | None = None,
    strict: bool = False,
) -> tuple[list[Request], list[Problem]]:
    """Requests and their problems; with a catalogue, also the rule violations (rejecting if strict)."""
    requests, problems = map_all(records, to_request, schema, "request")
    if catalogue is None:
        return requests, problems
    kept = []
    for request in requests:
        violations = validate_request(request, catalogue)
        problems.extend(violations)
        if not (strict and violations):
            kept.append(request)
    return kept, problems


# -- entities ----------------------------------------------------------------------------------


def to_request(record: Record, schema: TenantSchema) -> Request:
    f = schema.tenant.request
    number_text = _required(_text(record, "Number"), "Number")
    try:
        number = OrderNumber.parse(number_text)
    except ValueError:
        raise Unmappable("invalid_order_number", detail=_shown(number_text)) from None
    if year_fault(number.year):
        raise Unmappable("invalid_order_number", detail=number_text)
    phase_code = _required(_code(record, "Phase"), "Phase")
    status = schema.status_by_code.get(phase_code)
    if status is None:
        raise Unmappable("unknown_phase", detail=phase_code)
    lines = record.get("ProductLines")
    if not isinstance(lines, list) or not lines:
        raise Unmappable("no_product_line")
    if len(lines) > 1:
        raise Unmappable("several_product_lines", detail=len(lines))
    line = lines[0] if isinstance(lines[0], dict) else {}
    quantity = _whole(line.get("Quantity"), minimum=1, code="bad_quantity", field="ProductLines/Quantity")
    product_code = _required(_code_of(line.get("Product"), "ProductLines/Product"), "ProductLines/Product")
    requested_at = _moment(record)
    delivered_raw = record.get(f.delivered_quantity)
    delivered = None if delivered_raw is None else _whole(delivered_raw, field=f.delivered_quantity)
    return Request(
        id=sys.intern(record.id),  # accountability reports name it again: one string for both
        number=number,
        organisation_id=_required(_nav_id(record, "Relationship"), "Relationship"),
        contact_id=_nav_id(record, "Contact"),
        status=status,
        requested_at=requested_at,
        requested_on=requested_at.astimezone(schema.timezone).date(),
        month=_month(_required(_code(record, f.delivery_month), f.delivery_month)),
        product_code=product_code,
        quantity=quantity,
        age_groups=_codes(record, f.age_groups),
        target_groups=_codes(record, f.target_groups),
        explanation=_text(record, f.explanation),
        delivery=DeliveryDetails(
            street=_text(record, f.street),
            house_number=_text(record, f.house_number),
            postcode=_text(record, f.postcode),
            city=_text(record, f.city),
            contact_name=_text(record, f.contact_name),
            phone=_text(record, f.phone),
            email=_text(record, f.email),
        ),
        reference=_text(record, f.reference),
        delivery_date=_date(record, f.delivery_date),
        processor_id=_nav_id(record, f.processor),
        processor_confirmed_on=_date(record, f.processor_confirmed_on),
        terms_accepted=_bool(record, f.terms_accepted),
        delivered_quantity=delivered,
    )


def to_month(record: Record, schema: TenantSchema) -> DeliveryMonth:
    f = schema.tenant.month
    is_open = _bool(record, "IsActive")
    if is_open is None:
        raise Unmappable("missing_field", field="IsActive")
    capacity_raw = record.get(f.capacity)
    capacity = None if capacity_raw is None else _whole(capacity_raw, field=f.capacity)
    closed_by_text = _text(record, f.closed_by)
    try:
        closed_by = ClosedBy(closed_by_text) if closed_by_text else None
    except ValueError:
        raise Unmappable("wrong_type", field=f.closed_by, detail=_shown(closed_by_text)) from None
    return DeliveryMonth(
        id=record.id,
        month=_month(_required(_text(record, "Code"), "Code")),
        is_open=is_open,
        capacity=capacity,
        closed_by=closed_by,
        closed_reason=_text(record, f.closed_reason),
        closed_at=None
        if is_open or record.get("LastMutationDate") is None
        else _moment(record, "LastMutationDate"),
    )


def to_forecast(record: Record, schema: TenantSchema) -> Forecast:
    f = schema.tenant.forecast
    year, number, quantity = (_int(record, name) for name in (f.year, f.quarter, f.quantity))
    if not 1 <= number <= 4:
        raise Unmappable("invalid_quarter", detail=number)
    if quantity < 0:
        raise Unmappable("negative_forecast", detail=quantity)
    if year_fault(year):
        raise Unmappable("out_of_range", field=f.year, detail=year_fault(year))
    if quantity > MAX_QUANTITY:
        raise Unmappable("out_of_range", field=f.quantity, detail=f"{quantity} is above {MAX_QUANTITY}")
    submitted_at = _moment(record)
    return Forecast(
        id=record.id,
        organisation_id=_required(_nav_id(record, f.organisation), f.organisation),
        quarter=_quarter(year, number),
        product_code=_required(_code(record, f.product), f.product),
        quantity=quantity,
        submitted_at=submitted_at,
        submitted_on=submitted_at.astimezone(schema.timezone).date(),
    )


def to_report(record: Record, schema: TenantSchema) -> AccountabilityReport:
    f = schema.tenant.accountability
    reported_at = _moment(record)
    return AccountabilityReport(
        id=record.id,
        request_id=_required(_nav_id(record, f.request), f.request),
        handed_out=_int(record, f.handed_out),
        note=_text(record, f.note),
        reported_at=reported_at,
        reported_on=reported_at.astimezone(schema.timezone).date(),
    )


def to_organisation(record: Record, schema: TenantSchema) -> Organisation:
    organization = _nested(record, "Organization")
    return Organisation(
        id=record.id,
        organisation_id=_nav_id(record, "Organization"),
        name=_text(organization, "Name", "Organization/Name") or _text(record, "_Name") or "",
        approved=not _bool(record, "IsFormer"),
    )


def to_contact(record: Record, schema: TenantSchema) -> ContactPerson:
    person = _nested(record, "Person")
    parts = (_text(person, name, f"Person/{name}") for name in ("FirstName", "MiddleName", "LastName"))
    name = " ".join(part for part in parts if part)
    mobile, phone = _text(record, "MobilePhoneNumber"), _text(record, "PhoneNumber")  # both checked
    return ContactPerson(
        id=record.id,
        person_id=_nav_id(record, "Person"),
        organisation_id=_nav_id(record, "Relation"),
        name=name or _text(record, "_Name") or "",
        email=_text(record, "EmailAddress"),
        phone=mobile or phone,
    )


def to_processor(record: Record, schema: TenantSchema) -> Processor:
    organization = _nested(record, "Organization")
    name = _text(organization, "Name", "Organization/Name") or _text(record, "_Name") or ""
    return Processor(id=record.id, name=name, active=not _bool(record, "IsFormer"))


def to_product(record: Record, schema: TenantSchema) -> Product:
    return Product(
        id=record.id,
        code=_required(_text(record, "Code"), "Code"),
        name=_text(record, "Name") or "",
        active=not _bool(record, "IsInactive"),
    )


# -- field readers -----------------------------------------------------------------------------


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _whole(value: Any, *, minimum: int = 0, code: str = "wrong_type", field: str = "") -> int:
    """A whole number from `minimum` to MAX_QUANTITY (JSON booleans are not numbers)."""
    if not _is_int(value) or value < minimum:
        raise Unmappable(code, field=field, detail=_shown(value))
    if value > MAX_QUANTITY:
        raise Unmappable("out_of_range", field=field, detail=f"{_shown(value)} is above {MAX_QUANTITY}")
    return int(value)


def _text(record: Record | dict[str, Any], prop: str, field: str = "") -> str | None:
    """Text the domain can hold, or None for none at all (absent, null, blank)."""
    value = record.get(prop)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if not isinstance(value, str):
        raise Unmappable("wrong_type", field=field or prop, detail=type(value).__name__)
    fault = text_fault(value)
    if fault:
        raise Unmappable("unusable_text", field=field or prop, detail=fault)
    return value


def _nested(record: Record, prop: str) -> dict[str, Any]:
    """An expanded single navigation; {} when absent or null, a problem when it is not an object."""
    value = record.get(prop)
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise Unmappable("wrong_type", field=prop, detail=type(value).__name__)
    return value


def _check_id(value: str, field: str) -> str:
    fault = text_fault(value, MAX_ID_CHARS)
    if fault:
        raise Unmappable("unusable_text", field=field, detail=fault)
    return sys.intern(value)  # a reference: thousands of records name the same few organisations


def _shown(value: Any) -> Any:
    """A wire value as a problem may quote it: numbers and short text as they are, the rest cut short."""
    if _is_int(value) and abs(value) < 10**12:
        return value
    if isinstance(value, str) and len(value) <= 40 and text_fault(value) is None:
        return value
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _required(value: str | None, prop: str) -> str:
    if value is None:
        raise Unmappable("missing_field", field=prop)
    return value


def _int(record: Record, prop: str) -> int:
    """A whole number the domain can hold (within ±MAX_QUANTITY); the caller checks its own range."""
    value = record.get(prop)
    if value is None:
        raise Unmappable("missing_field", field=prop)
    if not _is_int(value):
        raise Unmappable("wrong_type", field=prop, detail=_shown(value))
    if not -MAX_QUANTITY <= value <= MAX_QUANTITY:
        raise Unmappable("out_of_range", field=prop, detail=f"{_shown(value)} is beyond ±{MAX_QUANTITY}")
    return int(value)


def _bool(record: Record, prop: str) -> bool | None:
    value = record.get(prop)
    if value is not None and not isinstance(value, bool):
        raise Unmappable("wrong_type", field=prop, detail=_shown(value))
    return value


def _date(record: Record, prop: str) -> dt.date | None:
    try:
        day = parse_date(record.get(prop))
    except ValueError:
        raise Unmappable("wrong_type", field=prop, detail=_shown(record.get(prop))) from None
    if day is not None and date_fault(day):
        raise Unmappable("out_of_range", field=prop, detail=date_fault(day))
    return day


def _moment(record: Record, prop: str = "CreationDate") -> dt.datetime:
    try:
        moment = record.creation_date if prop == "CreationDate" else record.last_mutation_date
    except (ValueError, OverflowError):
        raise Unmappable("wrong_type", field=prop, detail=_shown(record.get(prop))) from None
    if moment is None:
        raise Unmappable("missing_field", field=prop)
    if date_fault(moment.date()):
        raise Unmappable("out_of_range", field=prop, detail=date_fault(moment.date()))
    return moment


def _nav_id(record: Record, prop: str) -> str | None:
    value = record.get(prop)
    nav_id = value.get("ID") if isinstance(value, dict) else None
    return _check_id(nav_id, f"{prop}/ID") if isinstance(nav_id, str) and nav_id else None


def _code(record: Record, prop: str) -> str | None:
    return _code_of(record.get(prop), prop)


def _code_of(value: Any, field: str) -> str | None:
    """The `Code` of an expanded option or reference: short printable text, or None."""
    code = value.get("Code") if isinstance(value, dict) else None
    if code is None or code == "":
        return None
    if not isinstance(code, str):
        raise Unmappable("wrong_type", field=f"{field}/Code", detail=type(code).__name__)
    fault = text_fault(code, MAX_ID_CHARS)
    if fault:
        raise Unmappable("unusable_text", field=f"{field}/Code", detail=fault)
    return sys.intern(code)  # a handful of codes, each named by tens of thousands of records


def _codes(record: Record, prop: str) -> tuple[str, ...]:
    value = record.get(prop) or []
    if not isinstance(value, list):
        raise Unmappable("wrong_type", field=prop, detail=type(value).__name__)
    codes = (_code_of(item, prop) for item in value if isinstance(item, dict))
    return tuple(code for code in codes if code is not None)


@lru_cache(maxsize=1024)
def _quarter(year: int, number: int) -> Quarter:
    return Quarter(year, number)


@lru_cache(maxsize=4096)  # tens of thousands of records share a few dozen months: share the objects too
def _month(code: str) -> Month:
    try:
        month = Month.parse(code)
    except ValueError:
        raise Unmappable("invalid_month_code", detail=_shown(code)) from None
    fault = year_fault(month.year)
    if fault:
        raise Unmappable("out_of_range", field="month code", detail=f"{code}: {fault}")
    return month
