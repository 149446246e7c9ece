"""CRM calls counted per minute: counted in memory, written in batches, summed over the last hour,
pruned after a day; every process on one store adds to the same minute."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.databases import DATABASES, database_url
from tribe_sync.store.crmcalls import CallCounts, CallLog, CallRecorder
from tribe_sync.store.journal import open_journal

NOW = dt.datetime(2027, 1, 4, 9, 30, 15, tzinfo=dt.UTC)


@pytest.mark.parametrize("kind", DATABASES)
def test_two_processes_add_to_the_same_minute_and_the_hour_sums_them(kind: str, tmp_path: Path) -> None:
    with database_url(kind, tmp_path) as url:
        journal = open_journal(url)
        try:
            calls = CallLog(journal.engine)
            minute = NOW.replace(second=0)
            calls.add({minute: CallCounts(10, 1)}, now=NOW)
            calls.add(
                {minute: CallCounts(5, 0), minute - dt.timedelta(minutes=59): CallCounts(3, 2)}, now=NOW
            )
            calls.add({minute - dt.timedelta(minutes=60): CallCounts(100, 9)}, now=NOW)
            assert calls.last_hour(NOW) == CallCounts(18, 3)
        finally:
            journal.close()


def test_minutes_older_than_a_day_are_pruned_when_counts_are_written(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    try:
        calls = CallLog(journal.engine)
        old = NOW - dt.timedelta(days=1, minutes=1)
        calls.add({old.replace(second=0): CallCounts(7, 0)}, now=old)
        assert calls.since(old) == CallCounts(7, 0)
        calls.add({NOW.replace(second=0): CallCounts(1, 0)}, now=NOW)
        assert calls.since(old) == CallCounts(1, 0)
    finally:
        journal.close()


def test_the_recorder_counts_in_memory_and_writes_only_when_flushed(tmp_path: Path) -> None:
    journal = open_journal(f"sqlite:///{tmp_path / 'journal.db'}")
    now = [NOW]
    try:
        calls = CallLog(journal.engine)
        recorder = CallRecorder(lambda: calls, lambda: now[0], every_s=3600)
        for status in (200, 200, 429, 200):
            recorder.record(status)
        now[0] += dt.timedelta(minutes=1)
        recorder.record(200)
        assert calls.last_hour(now[0]) == CallCounts(0, 0), "nothing written on the caller's thread"
        assert sum(c.calls for c in recorder.pending().values()) == 5
        recorder.close()
        assert calls.last_hour(now[0]) == CallCounts(5, 1)
        assert recorder.pending() == {}
    finally:
        journal.close()


def test_counts_wait_in_memory_while_there_is_no_store_yet() -> None:
    recorder = CallRecorder(lambda: None, lambda: NOW, every_s=3600)
    recorder.record(200)
    recorder.flush()
    assert recorder.pending() == {NOW.replace(second=0): CallCounts(1, 0)}
    recorder.close()
