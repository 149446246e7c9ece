"""Revision 0009 (a run's problems and held decisions kept with it) from a 0008 store with runs in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tests.store.migrations import AT, fill_baseline, store_at
from tribe_sync.store.journal import open_journal
from tribe_sync.store.schema import upgrade


@pytest.mark.parametrize("kind", DATABASES)
def test_a_0008_store_with_runs_moves_to_0009_and_keeps_the_notes_of_new_runs(
    kind: str, tmp_path: Path
) -> None:
    with database_url(kind, tmp_path) as url:
        engine = store_at(url, "0008")
        fill_baseline(engine)
        upgrade(engine, "0009")
        upgrade(engine)  # and on to the head, which open_journal needs
        engine.dispose()

        journal = open_journal(url)
        try:
            (old,) = journal.runs()
            assert old["job"] == "close-delivery-months"
            found = journal.get_run(int(old["id"]))
            assert found is not None
            assert found["notes"] is None, "a run from before 0009 has only its counts"
            new = journal.start_run("progress-statuses", AT.date(), AT)
            notes = {
                "problems": [{"code": "invalid_phone", "label": "AD2026-00042"}],
                "held": [{"code": "cap", "label": "AD2026-00043", "step": "allocation", "message": "m"}],
            }
            journal.finish_run(new, AT, "problems", {"problems": 1, "held": 1}, notes=notes)
            kept = journal.get_run(new)
            assert kept is not None
            assert kept["notes"] == notes
            assert all("notes" not in row for row in journal.runs()), "the list leaves them out"
        finally:
            journal.close()
