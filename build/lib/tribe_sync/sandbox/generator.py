"""Deterministic tenant data for the sandbox: same seed and anchor date, same records.

Everything is placed relative to the anchor (normally today), so that the programme is mid-flight:
past months delivered and being accounted for, the current month being allocated, future months
filling up. Names, addresses and numbers are invented; e-mail addresses use reserved domains. A few
records are deliberately broken, as a portal bug or a staff edit would leave them.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from dataclasses import dataclass
from typing import Any

from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.store import SandboxStore, utc_stamp

__all__ = ["SCALES", "Scale", "generate"]

Record = dict[str, Any]


@dataclass(frozen=True)
class Scale:
    organisations: int
    requests: int
    forecasts: int
    reports: int
    capacity: int


SCALES = {
    "small": Scale(organisations=24, requests=180, forecasts=240, reports=150, capacity=150),
    "realistic": Scale(organisations=400, requests=3600, forecasts=6000, reports=4800, capacity=3000),
    "medium": Scale(organisations=1200, requests=10800, forecasts=18000, reports=14400, capacity=9000),
    "large": Scale(organisations=4000, requests=36000, forecasts=60000, reports=48000, capacity=30000),
}

CITIES = [
    "Amsterdam",
    "Rotterdam",
    "Utrecht",
    "Den Haag",
    "Eindhoven",
    "Groningen",
    "Tilburg",
    "Almere",
    "Breda",
    "Nijmegen",
    "Apeldoorn",
    "Haarlem",
    "Arnhem",
    "Enschede",
    "Zwolle",
    "Leeuwarden",
    "Maastricht",
    "Delft",
    "Deventer",
    "Assen",
    "Emmen",
    "Venlo",
    "Middelburg",
    "Lelystad",
    "Hoorn",
    "Gouda",
    "Helmond",
    "Oss",
]
KINDS = [
    "Bibliotheek",
    "Gemeente {} Sociaal Domein",
    "Stichting Welzijn",
    "Vluchtelingenwerk",
    "Buurthuis",
    "Voedselbank",
    "Taalhuis",
    "Schuldhulpmaatje",
]
FIRST = [
    "Anna",
    "Daan",
    "Emma",
    "Sem",
    "Julia",
    "Lucas",
    "Sophie",
    "Milan",
    "Fatima",
    "Mohammed",
    "Noor",
    "Yusuf",
    "Lotte",
    "Bram",
    "Sanne",
    "Thijs",
    "Aylin",
    "Kofi",
    "Mei",
    "Pieter",
]
MIDDLE = ["", "", "", "de", "van", "van der", "van den", "ter"]
LAST = [
    "Jansen",
    "de Vries",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "Mulder",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "Dekker",
    "Yilmaz",
    "El Amrani",
    "Nguyen",
    "Kaya",
    "Verhoeven",
    "Willems",
    "Koster",
    "Prins",
]
STREETS = [
    "Stationsplein",
    "Kerkstraat",
    "Dorpsstraat",
    "Marktplein",
    "Schoolstraat",
    "Molenweg",
    "Raadhuisplein",
    "Julianalaan",
    "Wilhelminastraat",
    "Beatrixlaan",
]
AGE_GROUPS = [
    ("0-17", False),
    ("18-24", True),
    ("25-44", True),
    ("45-64", True),
    ("65-74", True),
    ("75+", True),
]
TARGET_GROUPS = [
    "statushouders",
    "ouderen",
    "werkzoekenden",
    "laaggeletterden",
    "mensen-met-schulden",
    "mantelzorgers",
]
PHASES = [
    ("WACHT_OP_TOEKENNING", "Wacht op toekenning"),
    ("VERWERKING_BESTELLING", "Verwerking bestelling"),
    ("AANVRAAG_NAAR_VERWERKER", "Aanvraag naar verwerker"),
    ("IN_AFWACHTING_LEVERDATUM", "In afwachting van leverdatum"),
    ("GESLOTEN", "Gesloten"),
    ("ONBEKEND_OUD", "Oude status (2020)"),
]


def generate(store: SandboxStore, *, scale: str = "small", seed: int = 1, anchor: dt.date) -> dict[str, int]:
    """Fill an empty store; returns how many records each set got."""
    return _Generator(SCALES[scale], random.Random(seed), anchor).fill(store)


class _Generator:
    def __init__(self, scale: Scale, rng: random.Random, anchor: dt.date) -> None:
        self.scale = scale
        self.rng = rng
        self.anchor = anchor
        self.sets: dict[str, list[Record]] = {name: [] for name in t.SETS}

    # -- helpers -------------------------------------------------------------------------------

    def uid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add(self, entity_set: str, when: dt.datetime | None = None, **fields: Any) -> Record:
        es = t.SETS[entity_set]
        stamp = utc_stamp(when or dt.datetime(2024, 1, 1, 9, tzinfo=dt.UTC))
        record: Record = {
            "ID": self.uid(),
            "_Type": es.type,
            "CreationDate": stamp,
            "LastMutationDate": stamp,
            **fields,
        }
        record["_Name"] = record.get(es.name_from) if es.name_from else None
        self.sets[entity_set].append(record)
        return record

    def moment(self, day: dt.date) -> dt.datetime:
        return dt.datetime(
            day.year,
            day.month,
            day.day,
            self.rng.randint(7, 17),
            self.rng.randint(0, 59),
            self.rng.randint(0, 59),
            tzinfo=dt.UTC,
        )

    def phone(self) -> str:
        """A Dutch number in one of the ways people write them (10 digits with the leading 0)."""
        digits = "".join(str(self.rng.randint(0, 9)) for _ in range(7))
        if self.rng.random() < 0.4:
            return f"06-{self.rng.randint(1, 5)}{digits}"
        return f"{self.rng.choice(['020', '010', '030', '050', '043'])}-{digits}"

    def postcode(self) -> str:
        letters = self.rng.choice("ABCEGHJKLMNPRTVWXZ") + self.rng.choice("ABCEGHJKLMNPRTVWXZ")
        return f"{self.rng.randint(1000, 9999)}{self.rng.choice([' ', ''])}{letters}"

    # -- the tenant ----------------------------------------------------------------------------

    def fill(self, store: SandboxStore) -> dict[str, int]:
        self.reference_data()
        self.parties()
        self.months()
        self.requests()
        self.forecasts()
        self.reports()
        self.broken_records()
        for name, records in self.sets.items():
            store.insert_many(name, records)
        return {name: len(records) for name, records in self.sets.items()}

    def reference_data(self) -> None:
        self.phases = {
            code: self.add("Datastore_Phase_ActivitySalesOrder", Code=code, Name=name)
            for code, name in PHASES
        }
        for code, name in (("OPEN", "Open"), ("DONE", "Afgerond")):
            self.add("Datastore_Phase_ActivityTask", Code=code, Name=name)
        self.laptop = self.add("Product", Code="LAPTOP", Name="Laptop", IsInactive=False)
        self.add("Product", Code="TABLET", Name="Tablet", IsInactive=True)
        self.age_groups = {code: self.add(t.AGE_GROUP, Code=code, IsActive=True) for code, _ in AGE_GROUPS}
        self.adult_age_groups = [code for code, adult in AGE_GROUPS if adult]
        self.target_groups = {
            code: self.add(t.TARGET_GROUP, Code=code, IsActive=True) for code in TARGET_GROUPS
        }
        us = self.add(
            "Relation_Organization",
            Name="Stichting allemaal digitaal",
            EmailAddress="info@allemaal-digitaal.example",
        )
        self.us = us
        self.add("Relationship_Organization_Identity", Relation=us["ID"])
        self.processors = []
        # The 2020 programme's second processor is a former supplier now: one processor is active.
        for name, former in (("Verwerker Noord B.V.", False), ("Verwerker Zuid B.V.", True)):
            organisation = self.add("Relation_Organization", Name=name)
            self.processors.append(
                self.add(
                    "Relationship_Organization_Supplier", Organization=organisation["ID"], IsFormer=former
                )
            )
        staff = self.add("Relation_Person", FirstName="Sam", MiddleName=None, LastName="Medewerker")
        self.add(
            "Relationship_Person_Employee", Person=staff["ID"], EmailAddress="staff@allemaal-digitaal.example"
        )

    def parties(self) -> None:
        self.customers: list[Record] = []
        self.contacts_of: dict[str, list[Record]] = {}
        persons: list[Record] = []
        for index in range(self.scale.organisations):
            city = CITIES[index % len(CITIES)]
            kind = self.rng.choice(KINDS)
            name = (kind.format(city) if "{}" in kind else f"{kind} {city}") + (
                f" {index // len(CITIES) + 1}" if index >= len(CITIES) else ""
            )
            domain = f"org{index + 1}.example"
            address = self.add(
                "Address",
                Street=self.rng.choice(STREETS),
                HouseNumber=str(self.rng.randint(1, 200)),
                Postalcode=self.postcode(),
                City=city,
            )
            organisation = self.add(
                "Relation_Organization",
                Name=name,
                EmailAddress=f"info@{domain}",
                PhoneNumber=self.phone(),
                VisitingAddress=address["ID"],
            )
            customer = self.add(
                "Relationship_Organization_CommercialRelationship_Customer",
                Relation=self.us["ID"],
                Organization=organisation["ID"],
                IsFormer=self.rng.random() < 0.05,
            )
            self.customers.append(customer)
            contacts = []
            for _ in range(self.rng.choice([1, 1, 2])):
                # Some people represent several organisations (a holding with sub-organisations).
                if persons and self.rng.random() < 0.06:
                    person = self.rng.choice(persons)
                else:
                    person = self.add(
                        "Relation_Person",
                        FirstName=self.rng.choice(FIRST),
                        MiddleName=self.rng.choice(MIDDLE) or None,
                        LastName=self.rng.choice(LAST),
                    )
                    persons.append(person)
                contacts.append(
                    self.add(
                        "Relationship_Person_Contact_Standard",
                        Relation=organisation["ID"],
                        Person=person["ID"],
                        EmailAddress=f"{person['FirstName'].lower()}.{len(persons)}@{domain}",
                        PhoneNumber=self.phone(),
                        MobilePhoneNumber=None,
                    )
                )
            self.contacts_of[customer["ID"]] = contacts
        self.active_customers = [c for c in self.customers if not c["IsFormer"]]

    def months(self) -> None:
        this_month = (self.anchor.year, self.anchor.month)
        self.month_records: dict[tuple[int, int], Record] = {}
        for offset in range(-12, 3):
            year, month = divmod(this_month[0] * 12 + this_month[1] - 1 + offset, 12)
            key = (year, month + 1)
            capacity = int(self.scale.capacity * self.rng.uniform(0.8, 1.2)) // 10 * 10
            is_open = offset >= 1
            first = dt.date(year, month + 1, 1)
            record = self.add(
                t.MONTH,
                self.moment(first - dt.timedelta(days=120)),
                Code=f"{key[0]:04d}-{key[1]:02d}",
                IsActive=is_open,
                **{
                    t.M_CAPACITY: capacity,
                    t.M_CLOSED_BY: None if is_open else "job",
                    t.M_CLOSED_REASON: None if is_open else "binnen de levertermijn",
                },
            )
            if not is_open:  # closed by the job within the lead time: its last change
                record["LastMutationDate"] = utc_stamp(
                    self.moment(first - dt.timedelta(days=self.rng.randint(1, 10)))
                )
            self.month_records[key] = record

    def requests(self) -> None:
        keys = sorted(self.month_records)
        counters: dict[int, int] = {}
        self.delivered: list[Record] = []
        self.quantities: dict[str, int] = {}
        lines = []
        drafts = []
        for _ in range(self.scale.requests):
            customer = self.rng.choice(self.active_customers)
            key = self.rng.choice(keys)
            first = dt.date(key[0], key[1], 1)
            created = first - dt.timedelta(days=self.rng.randint(12, 80))
            if created > self.anchor:
                created = self.anchor - dt.timedelta(days=self.rng.randint(0, 20))
            drafts.append((self.moment(created), customer, key))
        drafts.sort(key=lambda d: d[0])
        for created_at, customer, key in drafts:
            year = created_at.year
            counters[year] = counters.get(year, 0) + 1
            number = f"AD{year}-{counters[year]:05d}"
            phase, delivery_date, confirmed = self.progress(key)
            quantity = max(1, min(80, int(self.rng.lognormvariate(2.5, 0.6))))
            line = {
                "ID": self.uid(),
                "_Type": "ProductLine",
                "_Name": None,
                "Quantity": quantity,
                "Product": self.laptop["ID"],
                "CreationDate": utc_stamp(created_at),
                "LastMutationDate": utc_stamp(created_at),
            }
            lines.append(line)
            contact = self.rng.choice(self.contacts_of[customer["ID"]])
            person_name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)}"
            delivered_quantity = quantity - 1 if phase == "GESLOTEN" and self.rng.random() < 0.03 else None
            record = self.add(
                "Activity_SalesOrder",
                created_at,
                Number=number,
                Subject=f"Aanvraag {quantity} laptops",
                Relationship=customer["ID"],
                Contact=contact["ID"],
                Phase=self.phases[phase]["ID"],
                ProductLines=[line["ID"]],
                **{
                    t.R_AGE: [
                        self.age_groups[c]["ID"]
                        for c in self.rng.sample(self.adult_age_groups, self.rng.randint(1, 3))
                    ],
                    t.R_TARGET: [
                        self.target_groups[c]["ID"]
                        for c in self.rng.sample(TARGET_GROUPS, self.rng.randint(1, 2))
                    ],
                    t.R_MONTH: self.month_records[key]["ID"],
                    t.R_EXPLANATION: "Uitgifte aan deelnemers van onze cursus digitale vaardigheden.",
                    t.R_STREET: self.rng.choice(STREETS),
                    t.R_HOUSE: str(self.rng.randint(1, 200)),
                    t.R_POSTCODE: self.postcode(),
                    t.R_CITY: self.rng.choice(CITIES),
                    t.R_CONTACT_NAME: person_name,
                    t.R_PHONE: self.phone(),
                    t.R_EMAIL: f"levering{counters[year]}@{customer['ID'][:8]}.example",
                    t.R_REFERENCE: f"IP{self.rng.randint(1000000, 9999999)}"
                    if self.rng.random() < 0.3
                    else None,
                    t.R_DELIVERY_DATE: delivery_date,
                    t.R_PROCESSOR: None,
                    t.R_CONFIRMED: confirmed,
                    t.R_TERMS: True,
                    t.R_DELIVERED: delivered_quantity,
                },
            )
            self.quantities[record["ID"]] = quantity
            if phase == "GESLOTEN":
                self.delivered.append(record)
        self.sets["ProductLine"].extend(lines)

    def progress(self, key: tuple[int, int]) -> tuple[str, str | None, str | None]:
        """Phase, delivery date and confirmation date for a request delivered in month `key`."""
        first = dt.date(key[0], key[1], 1)
        months_ago = (self.anchor.year - key[0]) * 12 + self.anchor.month - key[1]
        delivery = first + dt.timedelta(days=self.rng.randint(8, 25))
        confirmed = first + dt.timedelta(days=self.rng.randint(2, 7))
        if months_ago >= 2 or (months_ago == 1 and self.rng.random() < 0.7):
            return "GESLOTEN", delivery.isoformat(), confirmed.isoformat()
        if months_ago == 1:
            return "IN_AFWACHTING_LEVERDATUM", None, confirmed.isoformat()
        if months_ago == 0:
            roll = self.rng.random()
            if roll < 0.3:
                return "AANVRAAG_NAAR_VERWERKER", None, None
            if roll < 0.6:
                return "VERWERKING_BESTELLING", None, None
            return "WACHT_OP_TOEKENNING", None, None
        return "WACHT_OP_TOEKENNING", None, None

    def forecasts(self) -> None:
        this_quarter = self.anchor.year * 4 + (self.anchor.month - 1) // 3
        quarters = [divmod(index, 4) for index in range(this_quarter - 3, this_quarter + 2)]
        made = 0
        while made < self.scale.forecasts:
            customer = self.rng.choice(self.active_customers)
            year, q = self.rng.choice(quarters)
            deadline = dt.date(year, 3 * q + 1, 1) - dt.timedelta(days=16)
            if self.rng.random() < 0.06:
                submitted = deadline + dt.timedelta(days=self.rng.randint(1, 20))  # late
            else:
                submitted = deadline - dt.timedelta(days=self.rng.randint(0, 60))
            if submitted > self.anchor:
                continue
            self.add(
                t.FORECAST,
                self.moment(submitted),
                **{
                    t.F_YEAR: year,
                    t.F_QUARTER: q + 1,
                    t.F_QUANTITY: self.rng.randint(0, 60),
                    t.F_PRODUCT: self.laptop["ID"],
                    t.F_ORGANISATION: customer["ID"],
                },
            )
            made += 1

    def reports(self) -> None:
        made = 0
        stock = {r["ID"]: r[t.R_DELIVERED] or self.quantities[r["ID"]] for r in self.delivered}
        candidates = list(self.delivered)
        while made < self.scale.reports and candidates:
            request = self.rng.choice(candidates)
            left = stock[request["ID"]]
            if left <= 0:
                candidates.remove(request)
                continue
            handed_out = self.rng.randint(1, left)
            stock[request["ID"]] = left - handed_out
            delivered_on = dt.date.fromisoformat(request[t.R_DELIVERY_DATE])
            earliest = delivered_on + dt.timedelta(days=10)
            if earliest > self.anchor:
                continue
            reported = earliest + dt.timedelta(days=self.rng.randint(0, (self.anchor - earliest).days))
            self.add(
                t.REPORT,
                self.moment(reported),
                **{
                    t.A_REQUEST: request["ID"],
                    t.A_HANDED_OUT: handed_out,
                    t.A_NOTE: self.rng.choice([None, None, "Uitgegeven via het taalcafé."]),
                },
            )
            made += 1

    def broken_records(self) -> None:
        """What a portal bug or a staff edit leaves behind; every one should be reported, none guessed."""
        requests = [
            r
            for r in self.sets["Activity_SalesOrder"]
            if r["Phase"] == self.phases["WACHT_OP_TOEKENNING"]["ID"]
        ]
        if len(requests) < 7:
            return
        unknown_phase, no_line, bad_postcode, two_lines, minor, bad_phone, late = self.rng.sample(requests, 7)
        # Made after its month closed (a portal that did not hide the month).
        closed = [m for m in self.month_records.values() if not m["IsActive"]][-1]
        late[t.R_MONTH] = closed["ID"]
        late["CreationDate"] = late["LastMutationDate"] = utc_stamp(
            dt.datetime.fromisoformat(closed["LastMutationDate"].replace("Z", "+00:00"))
            + dt.timedelta(days=1)
        )
        unknown_phase["Phase"] = self.phases["ONBEKEND_OUD"]["ID"]
        no_line["ProductLines"] = []
        bad_postcode[t.R_POSTCODE] = "0123 SS"
        extra = {
            "ID": self.uid(),
            "_Type": "ProductLine",
            "_Name": None,
            "Quantity": 2,
            "Product": self.laptop["ID"],
            "CreationDate": two_lines["CreationDate"],
            "LastMutationDate": two_lines["CreationDate"],
        }
        self.sets["ProductLine"].append(extra)
        two_lines["ProductLines"] = [*two_lines["ProductLines"], extra["ID"]]
        minor[t.R_AGE] = [self.age_groups["0-17"]["ID"]]
        bad_phone[t.R_PHONE] = "bel ons"
