"""An outbox that cannot be written is found before the run writes anything, and named as the setting."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.jobs.conftest import NOW, TODAY
from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.errors import ConfigError
from tribe_sync.jobs.plan import HandOff
from tribe_sync.jobs.registry import JOBS
from tribe_sync.sandbox.server import build_state, start


@pytest.mark.sandbox
def test_an_unwritable_outbox_is_a_configuration_error_naming_the_key_before_anything_is_written(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")  # no folder can be made under a file, not even by root
    with start(build_state(scale="small", seed=4, anchor=TODAY)) as sandbox:
        sandbox.state.fixed_now = NOW
        settings = Settings(
            crm={"api_url": sandbox.url, "token_url": f"{sandbox.url}/oauth2/token"},  # type: ignore[arg-type]
            store={"url": f"sqlite:///{tmp_path / 'journal.db'}"},  # type: ignore[arg-type]
            programme={"outbox_dir": str(blocker / "outbox")},  # type: ignore[arg-type]
        )
        with Services(settings, clock=lambda: NOW) as services:
            job = JOBS["progress-statuses"]
            plan = services.executor(dry_run=True).plan(job, TODAY)
            assert any(isinstance(c, HandOff) for c in plan.changes), "the fixture plans a hand-off"
            with pytest.raises(ConfigError) as raised:
                services.executor().run_job(job, TODAY)
            runs = services.journal.runs()
        assert [c for c in sandbox.state.calls() if c.method != "GET"] == [], "nothing written to the CRM"
    assert "Check programme.outbox_dir (set by the default)" in str(raised.value)
    assert "nothing was written" in str(raised.value)
    assert [r["outcome"] for r in runs] == ["failed"]
