"""The systemd unit we ship: what it promises operators about the files the service creates."""

from __future__ import annotations

import configparser
from pathlib import Path

UNIT = Path(__file__).parents[2] / "deploy" / "tribe-sync.service"


def service_section() -> configparser.SectionProxy:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNIT)
    return parser["Service"]


def test_the_unit_sets_a_umask_that_keeps_new_files_from_other_users() -> None:
    umask = int(service_section()["UMask"], 8)
    assert umask & 0o007 == 0o007, "others get no bits on anything the service creates"
    assert umask & 0o020, "nor may the group write"
