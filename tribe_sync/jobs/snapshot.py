"""What a planner knows of the CRM, as domain objects. `tribe_sync.tribe_crm` reads it from Tribe
(one paged read per set); a record that does not map becomes a `Problem` in `problems`."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from tribe_sync.domain.accountability import AccountabilityReport
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.forecasts import Forecast
from tribe_sync.domain.months import DeliveryMonth
from tribe_sync.domain.parties import ContactPerson, Organisation, Processor, Product
from tribe_sync.domain.problems import Problem
from tribe_sync.domain.requests import Request
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.domain.validation import Catalogue
from tribe_sync.mappers.naming import name_problems

__all__ = ["PARTS", "Snapshot"]

PARTS = frozenset({"organisations", "contacts", "requests", "months", "forecasts", "reports", "reference"})


@dataclass
class Snapshot:
    organisations: dict[str, Organisation] = field(default_factory=dict)
    contacts: dict[str, ContactPerson] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    months: dict[Month, DeliveryMonth] = field(default_factory=dict)
    forecasts: list[Forecast] = field(default_factory=list)
    reports: list[AccountabilityReport] = field(default_factory=list)
    products: dict[str, Product] = field(default_factory=dict)
    processors: dict[str, Processor] = field(default_factory=dict)
    phase_ids: dict[RequestStatus, str] = field(default_factory=dict)
    task_phase_ids: dict[str, str] = field(default_factory=dict)
    age_groups: dict[str, bool] = field(default_factory=dict)
    target_groups: dict[str, bool] = field(default_factory=dict)
    tasks: dict[str, str] = field(default_factory=dict)  # our tasks: ImportId -> task ID
    journal_keys: set[str] = field(
        default_factory=set
    )  # what the journal says we did (see Job.journal_prefixes)
    problems: list[Problem] = field(default_factory=list)
    # Every record read, per part: ID -> (LastMutationDate or None, hash of the fields read). A saved
    # plan carries this digest, so that applying it later can name the records that moved meanwhile.
    seen: dict[str, dict[str, tuple[str | None, str]]] = field(default_factory=dict)

    def catalogue(self, adult_age_groups: Collection[str]) -> Catalogue:
        return Catalogue(
            adult_age_groups=frozenset(adult_age_groups),
            target_groups=frozenset(code for code, active in self.target_groups.items() if active),
            products=frozenset(p.code for p in self.products.values() if p.active),
            months=self.months,
        )

    def named(self, problems: Iterable[Problem]) -> list[Problem]:
        """`problems` named by what this snapshot read: organisations by name, requests by number."""
        organisations = {o.id: o.name for o in self.organisations.values() if o.name}
        organisations.update(
            {o.organisation_id: o.name for o in self.organisations.values() if o.organisation_id and o.name}
        )
        requests = {r.id: (str(r.number), r.organisation_id) for r in self.requests}
        return name_problems(problems, organisations, requests)
