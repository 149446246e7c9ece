"""A staff list on a fresh read model loads only what reading the store takes: not the jobs, the
executor, Alembic, the HTTP client or the validators of phone numbers and e-mail addresses (each
was a slice of the lists' start-up). Checked in a process of its own, as staff start it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli.conftest import Cli
from tribe_sync.sandbox.server import RunningSandbox

pytestmark = pytest.mark.sandbox  # the read model is filled from a live sandbox once

# Modules a read of the read model never needs (they load when a command writes, refreshes or asks).
NOT_FOR_A_LIST = (
    "alembic",
    "email_validator",
    "httpx",
    "phonenumbers",
    "sqlalchemy.dialects.postgresql",
    "tenacity",
    "tribe_sync.jobs.executor",
    "tribe_sync.jobs.registry",
    "tribe_sync.plans.service",
)

LISTS = (
    ("requests", "list"),
    ("months", "list"),
    ("forecasts", "list"),
    ("accountability", "report"),
)


@pytest.fixture
def fresh_store(cli: Cli, crm_env: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A store whose read model was just refreshed from the sandbox."""
    store = tmp_path / "store.db"
    monkeypatch.setenv("TRIBE_SYNC_STORE__URL", f"sqlite:///{store}")
    assert cli("mirror", "refresh").code == 0
    return store


def loaded_by(arguments: tuple[str, ...], store: Path) -> set[str]:
    """The modules of NOT_FOR_A_LIST that `tribe-sync ARGUMENTS` imported, run to its end."""
    code = (
        "import sys, json\n"
        "from tribe_sync.cli.main import run\n"
        f"sys.argv = ['tribe-sync', *{list(arguments)!r}]\n"
        "try:\n    run()\nexcept SystemExit as exc:\n    assert not exc.code, exc.code\n"
        f"print(json.dumps(sorted(m for m in {NOT_FOR_A_LIST!r} if m in sys.modules)), file=sys.stderr)\n"
    )
    env = {
        **os.environ,
        "TRIBE_SYNC_STORE__URL": f"sqlite:///{store}",
        "TRIBE_SYNC_MIRROR__MAX_AGE_S": "86400",
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    return set(json.loads(done.stderr.strip().splitlines()[-1]))


@pytest.mark.parametrize("arguments", LISTS, ids=" ".join)
def test_a_list_on_a_fresh_read_model_loads_neither_jobs_nor_alembic_nor_the_http_client(
    arguments: tuple[str, ...], fresh_store: Path
) -> None:
    assert loaded_by((*arguments, "--json"), fresh_store) == set()
