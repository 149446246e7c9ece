"""The demo's clock kept with its store: every process pointed at the demo's data reads the same time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tribe_sync.bootstrap import Services
from tribe_sync.config import Settings
from tribe_sync.plans.document import created_at
from tribe_sync.store.clock import clock_offset, record_clock_offset
from tribe_sync.store.journal import open_journal

AHEAD = dt.timedelta(days=20)


def settings_at(path: Path) -> Settings:
    return Settings(store={"url": f"sqlite:///{path}"})  # type: ignore[arg-type]


def demo_store(path: Path) -> Settings:
    """A store as `demo --console` leaves it: its simulated clock 20 days ahead of the real one."""
    settings = settings_at(path)
    journal = open_journal(settings.store.url)
    try:
        record_clock_offset(journal.engine, AHEAD)
        assert clock_offset(journal.engine) == AHEAD
    finally:
        journal.close()
    return settings


def test_a_command_pointed_at_the_demos_store_reads_the_demos_clock(tmp_path: Path) -> None:
    settings = demo_store(tmp_path / "journal.db")
    with Services(settings) as command_line:
        now = command_line.clock()
    real = dt.datetime.now(dt.UTC)
    assert real + AHEAD - dt.timedelta(minutes=1) < now < real + AHEAD + dt.timedelta(minutes=1)


def test_a_plan_submitted_from_the_command_line_is_fresh_to_the_demos_console(tmp_path: Path) -> None:
    settings = demo_store(tmp_path / "journal.db")
    demo_clock = lambda: dt.datetime.now(dt.UTC) + AHEAD  # noqa: E731 - as demo --console passes it
    with Services(settings) as command_line:
        created = created_at({"created_at": command_line.clock().isoformat()})
    with Services(settings, clock=demo_clock) as console:
        age = console.clock() - created
    assert dt.timedelta(0) <= age < dt.timedelta(hours=settings.approval.max_age_hours)


def test_a_store_without_a_demo_clock_runs_on_the_real_time(tmp_path: Path) -> None:
    settings = settings_at(tmp_path / "journal.db")
    with Services(settings) as services:
        services.journal  # noqa: B018 - the store exists
        assert abs(services.clock() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_reading_the_clock_does_not_create_a_missing_store(tmp_path: Path) -> None:
    path = tmp_path / "not-yet" / "journal.db"
    with Services(settings_at(path)) as services:
        assert abs(services.clock() - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)
    assert not path.exists()
