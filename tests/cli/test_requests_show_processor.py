"""`requests show` names a request's processor from the read model: after one refresh it asks Tribe
nothing, says in words a processor the read model has not read yet, and `--fresh` reads Tribe."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete

from tests.cli.conftest import Cli
from tribe_sync.console.labels import PROCESSOR_NOT_YET_KNOWN
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import RunningSandbox, build_state, start
from tribe_sync.store.readmodel.refresh import CatalogueKind
from tribe_sync.store.tables import mirror_catalogue

pytestmark = pytest.mark.sandbox  # a live sandbox server on loopback (not in make test-fast)

REQUESTS = "Activity_SalesOrder"
SUPPLIERS = "Relationship_Organization_Supplier"


@pytest.fixture
def tenant(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[RunningSandbox]:
    """A sandbox of the test's own (it is edited) and a store of its own."""
    with start(build_state(scale="small", seed=6, anchor=dt.date(2026, 12, 1))) as sandbox:
        monkeypatch.setenv("TRIBE_SYNC_CRM__API_URL", sandbox.url)
        monkeypatch.setenv("TRIBE_SYNC_CRM__TOKEN_URL", f"{sandbox.url}/oauth2/token")
        monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{tmp_path / 'journal.db'}")
        yield sandbox


def handled_by(tenant: RunningSandbox, name: str) -> tuple[str, str]:
    """A request the processor called `name` handles (the sandbox sets none: a person does it in
    Tribe); its order number and the processor's ID."""
    store = tenant.state.store
    organisation = next(o for o in store.all("Relation_Organization") if o.get("Name") == name)
    processor = next(s for s in store.all(SUPPLIERS) if s.get("Organization") == organisation["ID"])
    request = next(r for r in store.all(REQUESTS) if r.get("Number") and r.get("ProductLines"))
    store.update(REQUESTS, request["ID"], {t.R_PROCESSOR: {"ID": processor["ID"]}}, tenant.state.now())
    return str(request["Number"]), str(processor["ID"])


def calls(tenant: RunningSandbox) -> int:
    """Every call to the sandbox Tribe, the token's included."""
    return len(tenant.state.calls(path_prefix="/"))


def test_requests_show_names_the_processor_from_the_read_model_and_calls_tribe_not_once(
    cli: Cli, tenant: RunningSandbox
) -> None:
    number, processor_id = handled_by(tenant, "Verwerker Noord B.V.")
    assert cli("mirror", "refresh").code == 0
    before = calls(tenant)
    shown = cli("requests", "show", number)
    document = json.loads(cli("requests", "show", number, "--json").out)
    assert calls(tenant) == before, "after one refresh a staff view makes no call to Tribe"
    assert shown.code == 0, shown.err
    assert "Verwerker Noord B.V." in shown.out
    assert processor_id not in shown.out
    request = document["request"]
    assert (request["processor"], request["processor_id"]) == ("Verwerker Noord B.V.", processor_id)


def test_a_processor_the_read_model_does_not_know_yet_is_said_in_words_without_asking_tribe(
    cli: Cli, tenant: RunningSandbox, tmp_path: Path
) -> None:
    number, processor_id = handled_by(tenant, "Verwerker Noord B.V.")
    assert cli("mirror", "refresh").code == 0
    engine = create_engine(f"sqlite:///{tmp_path / 'journal.db'}")
    with engine.begin() as tx:  # as a store filled before the read model kept processors
        tx.execute(delete(mirror_catalogue).where(mirror_catalogue.c.kind == CatalogueKind.PROCESSORS.value))
    engine.dispose()
    before = calls(tenant)
    shown = cli("requests", "show", number)
    document = json.loads(cli("requests", "show", number, "--json").out)
    assert calls(tenant) == before
    assert " ".join(PROCESSOR_NOT_YET_KNOWN.split()) in " ".join(shown.out.replace("│", " ").split())
    assert processor_id not in shown.out
    assert document["request"]["processor"] is None
    assert document["request"]["processor_id"] == processor_id, "--json keeps the ID"
    assert cli("mirror", "refresh").code == 0, "the next refresh reads the processors"
    assert "Verwerker Noord B.V." in cli("requests", "show", number).out


def test_requests_show_fresh_reads_the_processor_s_name_from_tribe(cli: Cli, tenant: RunningSandbox) -> None:
    number, processor_id = handled_by(tenant, "Verwerker Noord B.V.")
    assert cli("mirror", "refresh").code == 0
    store = tenant.state.store
    processor = store.get(SUPPLIERS, processor_id)
    assert processor is not None
    store.update(
        "Relation_Organization",
        str(processor["Organization"]),
        {"Name": "Verwerker Noord-West B.V."},
        tenant.state.now(),
    )
    assert "Verwerker Noord B.V." in cli("requests", "show", number).out, "until the next full refresh"
    before = calls(tenant)
    fresh = cli("requests", "show", number, "--fresh")
    assert calls(tenant) > before
    assert "Verwerker Noord-West B.V." in fresh.out
