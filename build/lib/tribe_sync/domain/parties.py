"""Who takes part: approved organisations, their contact persons, processors, products."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["ContactPerson", "Organisation", "Processor", "Product"]


@dataclass(frozen=True, slots=True)
class Organisation:
    """An organisation as a customer of the foundation; `id` is the customer relationship's ID,
    the key requests, forecasts and tasks point to. `approved` is False once it is a former customer."""

    id: str
    organisation_id: str | None
    name: str
    approved: bool


@dataclass(frozen=True, slots=True)
class ContactPerson:
    """One contact relationship: a person as contact of one organisation. A person who represents
    several organisations has one of these per organisation, sharing `person_id`."""

    id: str
    person_id: str | None
    organisation_id: str | None
    name: str
    email: str | None
    phone: str | None


@dataclass(frozen=True)
class Processor:
    id: str
    name: str
    active: bool = True


@dataclass(frozen=True)
class Product:
    id: str
    code: str
    name: str
    active: bool
