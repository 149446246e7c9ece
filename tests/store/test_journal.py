from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tribe_sync.errors import LockHeldError, StoreError
from tribe_sync.store.journal import Journal, open_journal

T0 = dt.datetime(2026, 12, 1, 7, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 1)


@pytest.fixture(params=DATABASES)
def journal(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Journal]:
    with database_url(request.param, tmp_path) as url:
        journal = open_journal(url)
        yield journal
        journal.close()


def test_a_run_is_recorded_from_start_to_outcome(journal: Journal) -> None:
    run_id = journal.start_run("audit", TODAY, T0)
    assert journal.runs("audit")[0]["outcome"] == "running"
    journal.finish_run(run_id, T0 + dt.timedelta(minutes=2), "problems", {"changes": 3, "problems": 1})
    (run,) = journal.runs("audit")
    assert (run["outcome"], run["counts"], run["today"]) == ("problems", {"changes": 3, "problems": 1}, TODAY)


def test_last_success_ignores_failures_and_dry_runs(journal: Journal) -> None:
    ok = journal.start_run("audit", TODAY, T0)
    journal.finish_run(ok, T0 + dt.timedelta(minutes=1), "ok", {})
    failed = journal.start_run("audit", TODAY, T0 + dt.timedelta(hours=1))
    journal.finish_run(failed, T0 + dt.timedelta(hours=1, minutes=1), "failed", {}, error="boom")
    dry = journal.start_run("audit", TODAY, T0 + dt.timedelta(hours=2), dry_run=True)
    journal.finish_run(dry, T0 + dt.timedelta(hours=2, minutes=1), "ok", {})
    assert journal.last_success("audit") == T0 + dt.timedelta(minutes=1)
    assert journal.last_success("forecast-reminders") is None


def test_change_keys_record_intent_then_completion(journal: Journal) -> None:
    run_id = journal.start_run("progress-statuses", TODAY, T0)
    key = "handoff/AD2026-00001"
    assert journal.state_of(key) is None
    journal.mark(run_id, key, T0, state="pending", detail="handoff-noord-1.csv")
    assert journal.state_of(key) == ("pending", "handoff-noord-1.csv")
    journal.mark(run_id, key, T0, detail="handoff-noord-1.csv")
    assert journal.state_of(key) == ("done", "handoff-noord-1.csv")
    journal.mark(run_id, "handoff/AD2026-00002", T0)
    journal.mark(run_id, "handoffs/other", T0)
    assert set(journal.keys_with_prefix("handoff/")) == {key, "handoff/AD2026-00002"}
    assert journal.keys_with_prefix("handoff_") == {}, "LIKE wildcards in a prefix are literal"


def test_the_audit_trail_says_who_changed_what_and_why(journal: Journal) -> None:
    run_id = journal.start_run("months", TODAY, T0)
    journal.record(
        run_id,
        ["month/close/2027-01"],
        entity_set="Month",
        target_id="m-1",
        before={"IsActive": True},
        after={"IsActive": False},
        reason="vol",
        actor="staff:anna",
        at=T0,
    )
    (entry,) = journal.audit_trail(key="month/close/2027-01")
    assert (entry["actor"], entry["before"], entry["after"], entry["reason"]) == (
        "staff:anna",
        {"IsActive": True},
        {"IsActive": False},
        "vol",
    )


def test_a_change_is_recorded_with_its_further_keys_and_audit_line_all_at_once(journal: Journal) -> None:
    run_id = journal.start_run("accountability-reminders", TODAY, T0)
    journal.mark(run_id, "reminder/x", T0, state="pending")
    journal.record(
        run_id,
        ["reminder/x", "reminder-sent/x"],
        entity_set="create_task",
        target_id="t-1",
        before={},
        after={"task": "Verantwoording"},
        reason="due",
        actor="job:accountability-reminders",
        at=T0,
    )
    assert journal.state_of("reminder/x") == ("done", None), "an earlier intent is completed"
    assert journal.state_of("reminder-sent/x") == ("done", None)
    (entry,) = journal.audit_trail(key="reminder/x")
    assert (entry["target_id"], entry["after"]) == ("t-1", {"task": "Verantwoording"})


def line(key: str, *marks: str, label: str = "AD2027-0001") -> dict[str, object]:
    return {
        "keys": [key, *marks],
        "entity_set": "move_status",
        "target_id": "r-1",
        "before": {"status": "A"},
        "after": {"status": "B"},
        "reason": "due",
        "actor": "job:progress-statuses",
        "at": T0,
        "label": label,
    }


def test_a_group_of_changes_is_committed_at_once_in_order_with_their_further_keys(journal: Journal) -> None:
    run_id = journal.start_run("progress-statuses", TODAY, T0)
    journal.mark(run_id, "move/2", T0, state="pending")
    journal.record_many(
        run_id, [line("move/1"), line("move/2", label="AD2027-0002"), line("task/3", "sent/3", label="x")]
    )
    assert journal.states_of(["move/1", "move/2", "sent/3", "never"]) == {
        "move/1": ("done", None),
        "move/2": ("done", None),
        "sent/3": ("done", None),
    }, "an earlier intent is completed; a key never recorded is absent"
    assert [e["label"] for e in journal.audit_trail(run_id=run_id)] == ["AD2027-0001", "AD2027-0002", "x"]


def test_a_group_with_a_bad_line_keeps_none_of_its_lines(journal: Journal) -> None:
    run_id = journal.start_run("progress-statuses", TODAY, T0)
    broken = {**line("move/2"), "reason": None}  # the audit trail requires a reason
    with pytest.raises(StoreError):
        journal.record_many(run_id, [line("move/1"), broken])
    assert journal.states_of(["move/1", "move/2"]) == {}
    assert journal.audit_trail(run_id=run_id) == []


def test_states_of_many_keys_asks_in_chunks_and_finds_every_one(journal: Journal) -> None:
    run_id = journal.start_run("audit", TODAY, T0)
    keys = [f"k/{n}" for n in range(1234)]
    journal.mark_many(run_id, keys[::2], T0)
    found = journal.states_of(keys)
    assert set(found) == set(keys[::2])


def test_a_claim_excludes_other_holders_until_it_expires_or_is_released(journal: Journal) -> None:
    ttl = dt.timedelta(minutes=10)
    journal.claim("job:audit", "host-a", T0, ttl)
    journal.claim("job:audit", "host-a", T0 + dt.timedelta(minutes=5), ttl)  # renewing is fine
    with pytest.raises(LockHeldError, match="host-a"):
        journal.claim("job:audit", "host-b", T0 + dt.timedelta(minutes=14), ttl)
    journal.claim("job:audit", "host-b", T0 + dt.timedelta(minutes=16), ttl)  # host-a's claim expired
    journal.release("job:audit", "host-b")
    journal.claim("job:audit", "host-c", T0 + dt.timedelta(minutes=17), ttl)


def test_an_unusable_store_url_is_a_store_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        open_journal("postgresql+psycopg://tribe:hunter2@127.0.0.1:1/none")
    assert "hunter2" not in str(caught.value)
    assert "127.0.0.1:1" in str(caught.value)


def test_a_sqlite_journal_makes_its_folder(tmp_path: Path) -> None:
    open_journal(f"sqlite:///{tmp_path / 'deep' / 'er' / 'journal.db'}").close()
    assert (tmp_path / "deep" / "er" / "journal.db").exists()
