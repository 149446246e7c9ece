"""`accountability report --csv` is a file for people: an organisation named like a formula reads back,
as a spreadsheet program would read it (the csv module), as text."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

FORMULA = '=HYPERLINK("http://evil.example","klik")'


def test_an_organisation_named_like_a_formula_is_text_in_the_csv(cli: Cli, crm_env: RunningSandbox) -> None:
    state = crm_env.state
    first = json.loads(cli("accountability", "report", "--json").out)["organisations"][0]
    customer = state.store.get(
        "Relationship_Organization_CommercialRelationship_Customer", first["organisation_id"]
    )
    assert customer is not None
    state.store.update("Relation_Organization", customer["Organization"], {"Name": FORMULA}, state.now())
    rows = list(
        csv.DictReader(io.StringIO(cli("accountability", "report", "--csv", "--fresh").out), delimiter=";")
    )
    assert [r["organisatie"] for r in rows if r["organisatie"] == "'" + FORMULA] == ["'" + FORMULA]
    assert not [
        cell for r in rows for cell in r.values() if cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    ]
