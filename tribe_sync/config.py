"""Settings: one TOML file plus `TRIBE_SYNC_<SECTION>__<KEY>` environment overrides.

Read once, at the composition root (the CLI callback or the daemon's start), and passed down; library
code never looks at the environment. Every default here is the *embedded default*: the local sandbox
CRM, a SQLite journal and an outbox in the per-installation state folder, and the tenant mapping of
docs/tenant.md, so that a tenant with those names works without any `[tenant]` section.
`config.example.toml` documents every key; a test keeps the two equal.
"""

from __future__ import annotations

import datetime as dt
import difflib
import ipaddress
import logging
import os
import re
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import platformdirs
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, SettingsError

from tribe_sync.errors import ConfigError

__all__ = [
    "ENV_PREFIX",
    "UNLIMITED_REQUESTS_PER_S",
    "ApprovalSettings",
    "CRMSettings",
    "ConsoleSettings",
    "MirrorSettings",
    "Origins",
    "ProgrammeSettings",
    "ScheduleSettings",
    "Settings",
    "StoreSettings",
    "TenantSettings",
    "default_state_dir",
    "env_name",
    "load_settings",
]

log = logging.getLogger("tribe_sync.config")

ENV_PREFIX = "TRIBE_SYNC_"
CONFIG_ENV = "TRIBE_SYNC_CONFIG"
SANDBOX_PORT = 8765
WEBHOOK_SECRET_MIN = 16


class _Section(BaseModel):
    # A misspelt key in a file is an error, not a silently ignored line.
    model_config = ConfigDict(extra="forbid", frozen=True)


# A rate this high is no limit: the demo sets it for its private sandbox on loopback.
UNLIMITED_REQUESTS_PER_S = 1_000_000.0


class CRMSettings(_Section):
    """How to reach Tribe. The defaults reach `tribe-sync sandbox serve` on its default port."""

    api_url: str = f"http://127.0.0.1:{SANDBOX_PORT}"
    token_url: str = f"http://127.0.0.1:{SANDBOX_PORT}/oauth2/token"
    client_id: str = "sandbox"
    client_secret: SecretStr = SecretStr("sandbox")
    scope: str = "read write"
    timeout_s: float = Field(default=30.0, gt=0)
    max_retries: int = Field(default=5, ge=0, le=20)
    max_requests_per_s: float = Field(default=16.0, gt=0)
    page_size: int = Field(default=100, ge=1, le=100)
    rate_limit_wait_s: float = Field(default=60.0, ge=0)
    max_retry_wait_s: float = Field(default=300.0, gt=0)
    backoff_base_s: float = Field(default=1.0, ge=0)
    backoff_max_s: float = Field(default=120.0, ge=0)
    update_method: Literal["put", "post"] = "put"
    request_count: Literal["auto", "on", "off"] = "auto"
    max_in_flight: int = Field(default=8, ge=1, le=64)
    verify_tls: bool = True
    # Where a person opens a record in Tribe's web app; `{id}` becomes the record's ID. Empty: no links.
    record_url: str = ""
    allow_insecure_http: bool = False

    @field_validator("request_count", mode="before")
    @classmethod
    def _count_mode(cls, value: object) -> object:
        # Before `auto` existed this was a boolean; a file that still says true/false means on/off.
        if isinstance(value, bool):
            return "on" if value else "off"
        return value

    def record_link(self, record_id: str | None) -> str | None:
        """The link to `record_id` in Tribe's web app, or None without `record_url` or an ID."""
        if not self.record_url or not record_id:
            return None
        return self.record_url.replace("{id}", record_id)

    @field_validator("record_url")
    @classmethod
    def _record_url(cls, value: str) -> str:
        if value and (not value.startswith(("http://", "https://")) or "{id}" not in value):
            raise ValueError("must be an http(s) URL with {id} where the record's ID goes")
        return value

    @property
    def max_requests_per_minute(self) -> int:
        """The ceiling in Tribe's own terms: a sliding window of one minute."""
        return max(1, int(self.max_requests_per_s * 60))

    @property
    def insecure_urls(self) -> list[str]:
        """The API and token URLs that would send the secret in clear text over a network."""
        return [url for url in (self.api_url, self.token_url) if not _safe_transport(url)]

    @property
    def odata_root(self) -> str:
        """`api_url` may be the host (`https://api.tribecrm.nl`) or the OData root itself."""
        url = self.api_url.rstrip("/")
        if not url.endswith("/odata"):
            url += "/v1/odata"
        return url + "/"

    @field_validator("api_url", "token_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @model_validator(mode="after")
    def _no_secret_in_clear_text(self) -> CRMSettings:
        if self.insecure_urls and not self.allow_insecure_http:
            raise ValueError(
                f"{' and '.join(self.insecure_urls)}: http:// to a host other than this machine would send "
                "the client secret and the programme's data unencrypted; use https:// (or, for a test "
                "tenant only, set crm.allow_insecure_http = true)"
            )
        return self

    @model_validator(mode="after")
    def _waits_fit_under_the_cap(self) -> CRMSettings:
        if self.rate_limit_wait_s > self.max_retry_wait_s:
            raise ValueError(
                f"rate_limit_wait_s ({self.rate_limit_wait_s:g}) is longer than max_retry_wait_s "
                f"({self.max_retry_wait_s:g}): every 429 would fail the run at once"
            )
        return self


def _safe_transport(url: str) -> bool:
    """https://, or http:// to this machine (the sandbox): nothing leaves it unencrypted."""
    parts = urlsplit(url)
    if parts.scheme != "http":
        return True
    host = (parts.hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_POSTGRES_DRIVER = "postgresql+psycopg://"


class StoreSettings(_Section):
    """Where tribe_sync keeps its own state (a SQLite file, or PostgreSQL through psycopg 3, the
    `postgres` extra), never in the working directory: processes started from
    different folders (cron, a shell, the daemon) must share one journal and one outbox.

    `state_dir` defaults to the operating system's per-user state folder (platformdirs; on Linux
    `$XDG_STATE_HOME/tribe-sync`, i.e. `~/.local/state/tribe-sync`). An empty `url` means the SQLite
    journal `journal.db` in it; Settings fills it in, so `url` is always a full URL after loading."""

    state_dir: str | None = None
    url: str = ""

    @field_validator("url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        # `postgresql://` is what everyone writes; SQLAlchemy would read it as psycopg2, which we do
        # not install. The driver we ship is psycopg 3, so the plain form means that.
        scheme, sep, rest = value.partition("://")
        if not sep:
            raise ValueError("not a database URL; write sqlite:///PATH or postgresql://USER@HOST/DATABASE")
        scheme = scheme.lower()
        if scheme in ("postgres", "postgresql", "postgresql+psycopg"):
            value = _POSTGRES_DRIVER + rest
            try:
                import psycopg  # noqa: F401, PLC0415 - only to tell a missing extra at start-up
            except ImportError:
                raise ValueError(
                    "PostgreSQL needs the postgres extra, which is not installed: "
                    "pip install 'tribe-sync[postgres]'"
                ) from None
            return value
        if scheme.startswith(("postgres", "postgresql+")):
            raise ValueError(
                f"the driver in {scheme}:// is not one tribe-sync installs; write "
                "postgresql://USER@HOST/DATABASE (psycopg 3, the postgres extra)"
            )
        if scheme != "sqlite":
            raise ValueError(
                f"{scheme}:// is not supported; write sqlite:///PATH or postgresql://USER@HOST/DATABASE"
            )
        return value


class SetNames(_Section):
    organisation: str = "Relation_Organization"
    customer: str = "Relationship_Organization_CommercialRelationship_Customer"
    contact: str = "Relationship_Person_Contact_Standard"
    request: str = "Activity_SalesOrder"
    request_phase: str = "Datastore_Phase_ActivitySalesOrder"
    product: str = "Product"
    processor: str = "Relationship_Organization_Supplier"
    delivery_month: str = "_03c472ca__4495__48b4__b8d8__89d2b47a5c1d"
    age_group: str = "ac9130f4__547c__47d3__8e3a__655f20731ab2"
    target_group: str = "ca3ab343__ac33__4b68__be9b__f77c6519a9d5"
    forecast: str = "_77dde229__df88__4e4d__ac23__86e5cc86ba64"
    accountability: str = "f1a38d32__6834__4c65__927c__b2382bedda16"
    task: str = "Activity_Task"
    task_phase: str = "Datastore_Phase_ActivityTask"


class RequestFields(_Section):
    age_groups: str = "f6fadfa7__e5c1__4b62__9362__da5cc13da58a"
    target_groups: str = "_2c63888f__28f0__4481__be6d__dce7a7ace732"
    delivery_month: str = "_8a119b9e__16bc__4732__8f7b__7676d015b0dc"
    explanation: str = "bc67ba94__637d__4efa__a09e__467ada679f81"
    street: str = "fab36728__a78b__4b7e__8787__c0de2f960063"
    house_number: str = "a712755f__6cac__44d5__99d5__269512e74f7b"
    postcode: str = "ac8efe12__1c59__49f1__ba2d__de83458bfed0"
    city: str = "_5796a670__482c__490e__8d97__82bfcdc83011"
    contact_name: str = "_0b80a255__53a1__4945__a932__58ef7777682c"
    phone: str = "_45ac16b9__c20d__4c21__8f8a__7abff2e91ac7"
    email: str = "dd2ee150__d284__4277__b89c__1af40ce8fcc9"
    reference: str = "_3c3ae353__fb14__428e__90b4__01a6c1cc0aff"
    delivery_date: str = "b9c8b9ff__e46e__4627__9419__c7723226db94"
    processor: str = "bbeeb636__1d33__4c6d__96f0__da847a2a3b87"
    processor_confirmed_on: str = "_68e58909__ccb2__4416__925a__56c9a30f4300"
    terms_accepted: str = "ff53a46f__5ead__403a__84c4__b877678537a3"
    delivered_quantity: str = "e179f773__a6e0__43c0__9514__b7dde2ad0478"


class MonthFields(_Section):
    capacity: str = "_0c28cec1__b947__42af__a4b9__36976b4b76b0"
    closed_by: str = "a398d022__d435__4df4__8322__905089933837"
    closed_reason: str = "_4c8b1eb4__4f1e__4ccf__8372__a2a784a67245"


class ForecastFields(_Section):
    year: str = "c3dd75f6__8085__48e6__ac92__5f09a227f039"
    quarter: str = "bb262a93__4ce1__4c61__aa03__36d98b8c82f1"
    quantity: str = "_8f39aaa5__729a__453c__b891__da33e83a9d40"
    product: str = "b183256e__a16e__4121__b07a__6fc42fd7b23a"
    organisation: str = "e5a9f6b1__a297__49bf__adf4__38f7b27c1c74"


class AccountabilityFields(_Section):
    request: str = "d00f7b11__205f__42f7__88c1__d781b972e776"
    handed_out: str = "b21b1c2e__1f61__41bc__acb7__0dd842762334"
    note: str = "_3ceb0831__8744__4e92__ad93__36c0f9c4b930"


class PhaseCodes(_Section):
    waiting: str = "WACHT_OP_TOEKENNING"
    processing: str = "VERWERKING_BESTELLING"
    at_processor: str = "AANVRAAG_NAAR_VERWERKER"
    awaiting_delivery_date: str = "IN_AFWACHTING_LEVERDATUM"
    closed: str = "GESLOTEN"


class TaskPhaseCodes(_Section):
    open: str = "OPEN"
    done: str = "DONE"


class TenantSettings(_Section):
    """The default mapping of docs/tenant.md; every name can be replaced for another environment."""

    sets: SetNames = SetNames()
    request: RequestFields = RequestFields()
    month: MonthFields = MonthFields()
    forecast: ForecastFields = ForecastFields()
    accountability: AccountabilityFields = AccountabilityFields()
    phases: PhaseCodes = PhaseCodes()
    task_phases: TaskPhaseCodes = TaskPhaseCodes()
    default_product: str = "LAPTOP"
    adult_age_groups: tuple[str, ...] = ("18-24", "25-44", "45-64", "65-74", "75+")


HolidayRule = Literal[
    "new_year",
    "good_friday",
    "easter_monday",
    "kings_day",
    "liberation_day",
    "liberation_day_lustrum",
    "ascension_day",
    "whit_monday",
    "christmas_day",
    "boxing_day",
]


class ProgrammeSettings(_Section):
    """The programme's decisions (docs/programme.md): every number a default, none buried in code."""

    timezone: str = "Europe/Amsterdam"

    @field_validator("timezone")
    @classmethod
    def _known_time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            close = difflib.get_close_matches(value, available_timezones(), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise ValueError(
                f"{value!r} is not a known time zone; {hint}use an IANA name such as 'Europe/Amsterdam'"
            ) from None
        return value

    default_capacity: int | None = Field(default=500, ge=0)
    close_threshold: float = Field(default=1.0, gt=0)
    lead_days: int = Field(default=10, ge=0)
    months_ahead: int = Field(default=3, ge=0, le=24)
    no_forecast_policy: Literal["allow", "hold"] = "allow"
    forecast_reminder_days: int = Field(default=14, ge=0)
    accountability_followup_days: int = Field(default=14, ge=1)
    accountability_escalation_days: int = Field(default=28, ge=1)
    holidays: tuple[HolidayRule, ...] = (
        "new_year",
        "easter_monday",
        "kings_day",
        "liberation_day_lustrum",
        "ascension_day",
        "whit_monday",
        "christmas_day",
        "boxing_day",
    )
    extra_holidays: tuple[dt.date, ...] = ()
    staff_employee_id: str | None = None
    default_processor_id: str | None = None
    outbox_dir: str = ""  # empty: `outbox` in the state folder (see StoreSettings)


_ACCOUNTABILITY = frozenset({"organisation", "contact_name", "quarter", "requests", "in_stock", "due_date"})
TEMPLATE_VARIABLES: dict[str, frozenset[str]] = {
    "delivery_date": frozenset(
        {"organisation", "contact_name", "order_number", "quantity", "product", "delivery_date", "month"}
    ),
    "accountability_first": _ACCOUNTABILITY,
    "accountability_followup": _ACCOUNTABILITY,
    "accountability_staff": _ACCOUNTABILITY | {"first_working_day"},
    "forecast_reminder": frozenset({"organisation", "contact_name", "quarter", "deadline"}),
    "forecast_late_staff": frozenset({"quarter", "deadline", "count", "forecasts"}),
    "audit_staff": frozenset({"date", "count", "problems"}),
    "approval_waiting": frozenset({"what", "job", "date", "plan_id", "count"}),
}


class TaskTemplate(_Section):
    """A task's subject and body, with `$name` placeholders (Python's string.Template)."""

    subject: str
    body: str


class TemplateSettings(_Section):
    """Dutch task texts that staff may edit. A placeholder a template may not use is a configuration
    error when the settings are read, not when the task is due."""

    delivery_date: TaskTemplate = TaskTemplate(
        subject="Leverdatum bekend voor aanvraag $order_number",
        body=(
            "Beste $contact_name,\n\n"
            "Uw aanvraag $order_number van $organisation voor $quantity $product wordt geleverd op "
            "$delivery_date.\n\nMet vriendelijke groet,\nStichting allemaal digitaal"
        ),
    )

    accountability_first: TaskTemplate = TaskTemplate(
        subject="Verantwoording $quarter: hoeveel laptops heeft $organisation uitgegeven?",
        body=(
            "Beste $contact_name,\n\n"
            "Het is een nieuw kwartaal. Wilt u in het portaal doorgeven hoeveel van de ontvangen laptops u "
            "hebt uitgegeven? Volgens onze gegevens heeft u er nog $in_stock op voorraad:\n\n$requests\n\n"
            "Graag uiterlijk $due_date.\n\nMet vriendelijke groet,\nStichting allemaal digitaal"
        ),
    )
    accountability_followup: TaskTemplate = TaskTemplate(
        subject="Herinnering: verantwoording $quarter voor $organisation",
        body=(
            "Beste $contact_name,\n\n"
            "We hebben dit kwartaal nog geen verantwoording van u ontvangen. U heeft volgens onze gegevens "
            "nog $in_stock laptops op voorraad:\n\n$requests\n\n"
            "Wilt u dit uiterlijk $due_date in het portaal doorgeven?\n\n"
            "Met vriendelijke groet,\nStichting allemaal digitaal"
        ),
    )
    accountability_staff: TaskTemplate = TaskTemplate(
        subject="Geen verantwoording $quarter van $organisation",
        body=(
            "$organisation heeft sinds het begin van het kwartaal (eerste werkdag $first_working_day) geen "
            "verantwoording gestuurd, ook niet na een herinnering. Op voorraad: $in_stock.\n\n$requests\n\n"
            "Contactpersoon: $contact_name. Graag contact opnemen voor $due_date."
        ),
    )
    forecast_reminder: TaskTemplate = TaskTemplate(
        subject="Prognose $quarter voor $organisation",
        body=(
            "Beste $contact_name,\n\n"
            "Wilt u uiterlijk $deadline in het portaal uw prognose voor $quarter invoeren: hoeveel laptops "
            "verwacht u in dat kwartaal uit te geven? Een prognose is geen bestelling.\n\n"
            "Met vriendelijke groet,\nStichting allemaal digitaal"
        ),
    )
    forecast_late_staff: TaskTemplate = TaskTemplate(
        subject="$count prognose(s) voor $quarter te laat ingediend",
        body=(
            "Na de deadline van $deadline kwamen deze prognoses voor $quarter binnen. Ze tellen niet mee "
            "voor de toekenning; er is niets verwijderd.\n\n$forecasts"
        ),
    )
    audit_staff: TaskTemplate = TaskTemplate(
        subject="Datacontrole $date: $count nieuwe bevinding(en)",
        body="De nachtelijke controle vond deze nieuwe problemen in de gegevens:\n\n$problems",
    )
    approval_waiting: TaskTemplate = TaskTemplate(
        subject="$what wacht op goedkeuring",
        body=(
            "Plan $plan_id ($job voor $date, $count wijziging(en)) wacht op goedkeuring. Bekijk het met "
            "`tribe-sync plans show $plan_id` en beslis met `tribe-sync plans approve $plan_id` of "
            "`tribe-sync plans reject $plan_id --reason ...`."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _fill_missing_parts(cls, data: Any) -> Any:
        """A subject alone (say from one environment variable) keeps the default body, and vice versa."""
        if not isinstance(data, dict):
            return data
        filled = dict(data)
        for kind, value in data.items():
            field = cls.model_fields.get(kind)
            if field is None or not isinstance(value, dict) or not isinstance(field.default, TaskTemplate):
                continue
            filled[kind] = {"subject": field.default.subject, "body": field.default.body, **value}
        return filled

    @model_validator(mode="after")
    def _placeholders_are_known(self) -> TemplateSettings:
        for kind, allowed in TEMPLATE_VARIABLES.items():
            template: TaskTemplate = getattr(self, kind)
            for part in ("subject", "body"):
                matches = list(Template.pattern.finditer(getattr(template, part)))
                if any(m.group("invalid") is not None for m in matches):
                    raise ValueError(f"{kind}.{part}: a lone $ (write $$ for a dollar sign)")
                used = {m.group("named") or m.group("braced") for m in matches} - {None}
                unknown = sorted(used - allowed)
                if unknown:
                    raise ValueError(
                        f"{kind}.{part}: unknown placeholder(s) {', '.join('$' + u for u in unknown)}; "
                        f"known: {', '.join('$' + a for a in sorted(allowed))}"
                    )
        return self


class ScheduleSettings(_Section):
    """One cron expression (minute hour day month day-of-week) per job, in the programme's time zone."""

    close_delivery_months: str = "5 7-18 * * mon-fri"
    progress_statuses: str = "15 7-18 * * mon-fri"
    accountability_reminders: str = "0 7 * * *"
    forecast_reminders: str = "10 7 * * *"
    audit: str = "30 2 * * *"

    @field_validator("*")
    @classmethod
    def _cron(cls, value: str) -> str:
        from apscheduler.triggers.cron import CronTrigger  # noqa: PLC0415 - only to validate

        try:
            CronTrigger.from_crontab(value)
        except ValueError as exc:
            raise ValueError(f"not a cron expression (minute hour day month day-of-week): {exc}") from None
        return value

    def cron(self, job: str) -> str:
        return str(getattr(self, job.replace("-", "_")))


class DaemonSettings(_Section):
    """The service: where its HTTP endpoint listens, how leadership and claims expire, webhooks."""

    host: str = "127.0.0.1"
    port: int = Field(default=8766, ge=0, le=65535)
    lease_s: float = Field(default=30.0, gt=0)
    job_claim_ttl_s: float = Field(default=1800.0, gt=0)
    misfire_grace_s: int = Field(default=3600, ge=1)
    webhook_secret: SecretStr | None = None
    webhook_signature_header: str = "X-Tribe-Signature"
    webhook_max_bytes: int = Field(default=1_048_576, ge=1024, le=64 * 1_048_576)
    webhook_replay_window_s: float = Field(default=900.0, ge=0)
    webhook_min_interval_s: float = Field(default=60.0, ge=0)
    shared_rate_limit: bool = True

    @field_validator("webhook_secret")
    @classmethod
    def _strong_enough(cls, value: SecretStr | None) -> SecretStr | None:
        # An empty key signs anything anyone can compute: leave the key out to turn webhooks off.
        if value is not None and len(value.get_secret_value().strip()) < WEBHOOK_SECRET_MIN:
            raise ValueError(
                f"too short: use at least {WEBHOOK_SECRET_MIN} characters (Tribe's webhook secret), "
                "or leave it out to turn webhooks off"
            )
        return value


class ConsoleSettings(_Section):
    """The staff web console: where it listens, how long a session lives, how logins are throttled."""

    # `tribe-sync daemon` serves the console too (on host:port below, apart from the webhooks' port,
    # which Tribe must reach while the console stays internal).
    enabled: bool = False
    host: str = "127.0.0.1"
    port: int = Field(default=8780, ge=0, le=65535)
    # A session unused for this long ends; the next request goes back to the login page.
    idle_timeout_min: int = Field(default=30, ge=1, le=24 * 60)
    # Signs the session cookies. Unset: a random key made once and kept in the store, shared by replicas.
    secret_key: SecretStr | None = None
    # Failed logins allowed per account and per address within the window before logins are refused.
    login_max_failures: int = Field(default=5, ge=1)
    login_window_s: int = Field(default=900, ge=1)


class MirrorSettings(_Section):
    """The read model: how old staff views may be, and how the daemon keeps it fresh."""

    max_age_s: float = Field(default=300.0, ge=0)
    overlap_s: float = Field(default=120.0, ge=0)
    webhook_debounce_s: float = Field(default=5.0, ge=0)
    refresh_wait_s: float = Field(default=30.0, ge=0)
    view_timeout_s: float = Field(default=5.0, gt=0)
    full_refresh: str = "30 2 * * *"
    delta_refresh: str = "*/15 7-19 * * mon-fri"

    @field_validator("full_refresh", "delta_refresh")
    @classmethod
    def _cron(cls, value: str) -> str:
        return ScheduleSettings._cron(value)


@dataclass(frozen=True)
class Origins:
    """Where each setting came from, so that a message can send a person to the right place."""

    path: Path | None = None
    file_keys: frozenset[str] = frozenset()
    env_names: frozenset[str] = frozenset()

    def of(self, key: str) -> str:
        """`TRIBE_SYNC_STORE__URL`, the file's path, or `the default` for the dotted `key`."""
        name = env_name(key)
        if name in self.env_names:
            return name
        below = sorted(n for n in self.env_names if n.startswith(name + "__"))
        if below:
            return ", ".join(below)
        if key in self.file_keys or any(k.startswith(key + ".") for k in self.file_keys):
            return str(self.path)
        return "the default"


def env_name(key: str) -> str:
    """The environment variable that sets the dotted `key`."""
    return ENV_PREFIX + "__".join(key.split(".")).upper()


class ApprovalSettings(_Section):
    """Plans that wait for a person: which jobs, how long a plan stays good, and four eyes."""

    jobs: tuple[str, ...] = ()
    max_age_hours: float = Field(default=72.0, gt=0)
    four_eyes: bool = True


class Settings(BaseSettings):
    """Everything `tribe_sync` can be told. Sources, strongest first: environment, file, defaults."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_nested_delimiter="__", extra="forbid", frozen=True
    )

    crm: CRMSettings = CRMSettings()
    store: StoreSettings = StoreSettings()
    tenant: TenantSettings = TenantSettings()
    programme: ProgrammeSettings = ProgrammeSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    daemon: DaemonSettings = DaemonSettings()
    mirror: MirrorSettings = MirrorSettings()
    approval: ApprovalSettings = ApprovalSettings()
    templates: TemplateSettings = TemplateSettings()
    console: ConsoleSettings = ConsoleSettings()
    _origins: Origins = PrivateAttr(default_factory=Origins)

    def __eq__(self, other: object) -> bool:
        # Two settings are equal when they say the same, wherever each value came from.
        return isinstance(other, Settings) and self.__dict__ == other.__dict__

    __hash__ = BaseSettings.__hash__

    def origin(self, key: str) -> str:
        """Where the dotted `key` was set: an environment variable, the file, or the default."""
        return self._origins.of(key)

    @model_validator(mode="before")
    @classmethod
    def _state_folder(cls, data: Any) -> Any:
        """Put the journal and outbox that are not set elsewhere into the one state folder."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        store, programme = (_as_dict(data.get(name)) for name in ("store", "programme"))
        if store is None or programme is None:
            return data
        folder = Path(store.get("state_dir") or default_state_dir()).expanduser()
        if not store.get("url"):
            data["store"] = {**store, "url": f"sqlite:///{folder / 'journal.db'}"}
        if not programme.get("outbox_dir"):
            data["programme"] = {**programme, "outbox_dir": str(folder / "outbox")}
        return data

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # The file's contents arrive as init kwargs; the environment must override them.
        return env_settings, init_settings


def default_state_dir() -> Path:
    """The per-installation (per service user) state folder, whatever the working directory."""
    return Path(platformdirs.user_state_dir("tribe-sync", appauthor=False))


def _as_dict(value: Any) -> dict[str, Any] | None:
    if value is None:
        return {}
    if isinstance(value, BaseModel):
        return dict(value)
    return dict(value) if isinstance(value, Mapping) else None


def load_settings(path: Path | None = None) -> Settings:
    """Read the file (or `TRIBE_SYNC_CONFIG`, or nothing) and the environment; raise ConfigError.

    Only the composition root calls this: it is the one place the process environment is read.
    """
    environ = os.environ
    if path is None and environ.get(CONFIG_ENV):
        path = Path(environ[CONFIG_ENV])
    data = _read_toml(path) if path is not None else {}
    origins = Origins(
        path=path,
        file_keys=frozenset(_flatten(data)),
        env_names=frozenset(k.upper() for k in environ if k.upper().startswith(ENV_PREFIX)),
    )
    try:
        settings = Settings(**data)
    except ValidationError as exc:
        raise ConfigError(_describe(exc, origins)) from exc
    except SettingsError as exc:  # a variable for a list or table that is not JSON
        raise ConfigError(_describe_env(exc, environ)) from exc
    settings._origins = origins
    if path is not None:
        for warning in secret_file_warnings(path, data):
            log.warning("%s", warning)
    return settings


def _describe_env(exc: SettingsError, environ: Mapping[str, str]) -> str:
    # pydantic-settings names only the section (`field "programme"`); name the variables set in it.
    found = re.search(r'field "(\w+)"', str(exc))
    section = found.group(1) if found else ""
    prefix = f"{ENV_PREFIX}{section.upper()}__" if section else ENV_PREFIX
    names = sorted(k for k in environ if k.upper().startswith(prefix)) or [prefix + "..."]
    return (
        f"{', '.join(names)}: cannot be read as {section or 'settings'}: a list or table set in the "
        f"environment is written as JSON, e.g. {ENV_PREFIX}PROGRAMME__EXTRA_HOLIDAYS='[\"2026-12-24\"]'"
    )


def _flatten(data: Mapping[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, value in data.items():
        keys.append(prefix + name)
        if isinstance(value, Mapping):
            keys += _flatten(value, f"{prefix}{name}.")
    return keys


SECRET_KEYS = (("crm", "client_secret"), ("daemon", "webhook_secret"))


def secret_file_warnings(path: Path, data: Mapping[str, Any]) -> list[str]:
    """A file that holds a secret and that other users may read: say which and how to fix it.

    The sandbox's embedded default secret (`sandbox`) is no secret and gives no warning."""
    held = [
        f"{section}.{key}"
        for section, key in SECRET_KEYS
        if isinstance(data.get(section), dict)
        and data[section].get(key) not in (None, "", CRMSettings().client_secret.get_secret_value())
    ]
    try:
        mode = path.stat().st_mode
    except OSError:
        return []
    if not held or not mode & stat.S_IROTH:
        return []
    return [
        f"{path} holds {' and '.join(held)} and other users can read it "
        f"(mode {stat.S_IMODE(mode):04o}): run `chmod 600 {path}` (or `chmod 640` and a group of its own), "
        f"or move the secret to the environment (TRIBE_SYNC_CRM__CLIENT_SECRET)"
    ]


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: no such configuration file (given by --config or {CONFIG_ENV}); "
            "copy config.example.toml there, or leave both out to use the defaults"
        ) from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc


def _describe(exc: ValidationError, origins: Origins) -> str:
    lines = []
    for error in exc.errors():
        dotted = ".".join(str(part) for part in error["loc"])
        message = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
        message = message.removeprefix("Value error, ")
        lines.append(f"{origins.of(dotted)}: {dotted}: {message}")
    return (
        "invalid settings:\n  "
        + "\n  ".join(lines)
        + "\nFix the value where it is set; config.example.toml and docs/operating.md describe every key."
    )
