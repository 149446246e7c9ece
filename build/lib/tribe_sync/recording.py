"""Recording CRM exchanges as scrubbed fixtures ("cassettes") that tests replay strictly.

A `Recorder` wraps any httpx transport, so it records a run against any CRM: the sandbox today, a
staging tenant later. What it writes never holds a token, a client secret or an Authorization header,
and personal data (names, e-mail, phone, addresses) is replaced by stable pseudonyms of the same shape
(a pseudonymised postcode is still a valid postcode), in requests and responses alike.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

import httpx

from tribe_sync.config import TenantSettings
from tribe_sync.domain.validation import normalise_phone, normalise_postcode, validate_email_address

__all__ = ["PSEUDONYM_PHONE_PREFIX", "Exchange", "Recorder", "Scrubber", "load_cassette", "personal_fields"]

PSEUDONYM_PHONE_PREFIX = "555"
TOKEN_MARK = "[token]"
SECRET_MARK = "[secret]"
_BANNED_POSTCODE_LETTERS = {"SA", "SD", "SS"}


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str
    query: str
    body: Any
    status: int
    headers: dict[str, str]
    response: Any


def personal_fields(tenant: TenantSettings) -> dict[str, str]:
    """Property name -> kind of personal data, for Tribe's standard fields and the tenant's own."""
    r = tenant.request
    return {
        "FirstName": "name",
        "MiddleName": "name",
        "LastName": "name",
        "EmailAddress": "email",
        "PhoneNumber": "phone",
        "MobilePhoneNumber": "phone",
        "Street": "street",
        "HouseNumber": "house",
        "Postalcode": "postcode",
        "City": "city",
        r.contact_name: "name",
        r.phone: "phone",
        r.email: "email",
        r.street: "street",
        r.house_number: "house",
        r.postcode: "postcode",
        r.city: "city",
    }


class Scrubber:
    def __init__(self, fields: dict[str, str], salt: str = "tribe-sync") -> None:
        self.fields = fields
        self.salt = salt

    def scrub(self, value: Any) -> Any:
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if key == "access_token":
                    out[key] = TOKEN_MARK
                elif key in self.fields and isinstance(item, str) and item:
                    out[key] = self.pseudonym(self.fields[key], item)
                else:
                    out[key] = self.scrub(item)
            return out
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        return value

    def pseudonym(self, kind: str, value: str) -> str:
        """Stable for the same value; valid where the original is valid and invalid where it is not,
        so that a fixture still shows the faults the mappers must report."""
        digest = hashlib.sha256(f"{self.salt}:{kind}:{value}".encode()).hexdigest()
        number = int(digest[:12], 16)
        if kind == "email":
            return f"p-{digest[:10]}@example.org" if validate_email_address(value) else f"Email-{digest[:8]}"
        if kind == "phone":
            return (
                f"020-{PSEUDONYM_PHONE_PREFIX}{number % 10000:04d}"
                if normalise_phone(value)
                else f"Phone-{digest[:8]}"
            )
        if kind == "postcode":
            if normalise_postcode(value) is None:
                return f"0{number % 1000:03d} SS"
            letters = "ABCEGHJKLMNPRTVWXZ"
            pair = letters[number % 18] + letters[(number // 18) % 18]
            return f"{1000 + number % 9000} {pair if pair not in _BANNED_POSTCODE_LETTERS else 'AB'}"
        if kind == "house":
            return str(number % 200 + 1)
        return f"{kind.capitalize()}-{digest[:8]}"


class Recorder(httpx.BaseTransport):
    """An httpx transport that passes everything on and keeps a scrubbed copy of each exchange."""

    def __init__(self, inner: httpx.BaseTransport, scrubber: Scrubber) -> None:
        self.inner = inner
        self.scrubber = scrubber
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        exchange = Exchange(
            method=request.method,
            path=request.url.path,
            query=request.url.query.decode(),
            body=self._request_body(request),
            status=response.status_code,
            headers={
                k: v for k, v in response.headers.items() if k.lower() in ("content-type", "retry-after")
            },
            response=self.scrubber.scrub(_decoded(response.content)),
        )
        with self._lock:
            self.exchanges.append(exchange)
        return response

    def _request_body(self, request: httpx.Request) -> Any:
        content = request.content
        if not content:
            return None
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form = dict(parse_qsl(content.decode()))
            if "client_secret" in form:
                form["client_secret"] = SECRET_MARK
            return urlencode(form)
        return self.scrubber.scrub(_decoded(content))

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        document = {"exchanges": [asdict(e) for e in self.exchanges]}
        path.write_text(json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n")


def load_cassette(path: Path) -> list[Exchange]:
    return [Exchange(**item) for item in json.loads(path.read_text())["exchanges"]]


def _decoded(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return content.decode("utf-8", "replace")
