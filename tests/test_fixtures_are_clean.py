"""Every recorded fixture is free of secrets and real-looking personal data."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FIXTURES
from tribe_sync.config import TenantSettings
from tribe_sync.recording import PSEUDONYM_PHONE_PREFIX, personal_fields

FILES = sorted(p for p in FIXTURES.rglob("*") if p.is_file())
PERSONAL = personal_fields(TenantSettings())
EMAIL = re.compile(r"[\w.+-]+@([\w-]+\.)+[\w-]+")
RESERVED_DOMAIN = re.compile(r"@(([\w-]+\.)*example(\.(org|com|net))?|([\w-]+\.)*(invalid|test))$")
PSEUDONYM = {
    "name": re.compile(r"^Name-[0-9a-f]{8}$"),
    "street": re.compile(r"^Street-[0-9a-f]{8}$"),
    "city": re.compile(r"^City-[0-9a-f]{8}$"),
    "house": re.compile(r"^\d{1,3}$"),
    "postcode": re.compile(r"^\d{4} [A-Z]{2}$"),
    "email": re.compile(r"^(p-[0-9a-f]{10}@example\.org|Email-[0-9a-f]{8})$"),
    "phone": re.compile(rf"^(020-{PSEUDONYM_PHONE_PREFIX}\d{{4}}|Phone-[0-9a-f]{{8}})$"),
}


def walk(value: Any) -> list[tuple[str, Any]]:
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((key, item))
            found.extend(walk(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(walk(item))
    return found


def test_there_are_fixtures_to_check() -> None:
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_no_secret_token_or_authorization_header_is_recorded(path: Path) -> None:
    text = path.read_text()
    assert "Bearer " not in text
    assert "authorization" not in text.lower()
    for value in re.findall(r"client_secret=([^&\"]*)", text):
        assert value == "%5Bsecret%5D"
    for key, value in walk(json.loads(text)):
        if key == "access_token":
            assert value == "[token]"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_personal_data_is_pseudonymised(path: Path) -> None:
    text = path.read_text()
    for match in EMAIL.finditer(text):
        assert RESERVED_DOMAIN.search(match.group(0)), f"real-looking e-mail address in {path.name}"
    for key, value in walk(json.loads(text)):
        if key in PERSONAL and isinstance(value, str) and value:
            assert PSEUDONYM[PERSONAL[key]].match(value), f"{key}={value!r} in {path.name} is not a pseudonym"
