from __future__ import annotations

import datetime as dt

from tests.factories import SCHEMA, T
from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy
from tribe_sync.domain.tasks import TaskIntent
from tribe_sync.mappers.write import (
    month_close_body,
    month_create_body,
    month_open_body,
    phase_body,
    processor_confirmation_body,
    task_body,
)


def test_a_phase_change_writes_only_the_reference() -> None:
    assert phase_body("p-1") == {"Phase": {"ID": "p-1"}}


def test_closing_and_opening_a_month_write_active_and_who_and_why() -> None:
    m = T.month
    assert month_close_body(SCHEMA, ClosedBy.JOB, "vol") == {
        "IsActive": False,
        m.closed_by: "job",
        m.closed_reason: "vol",
    }
    assert month_open_body(SCHEMA, "extra laptops") == {
        "IsActive": True,
        m.closed_by: "staff",
        m.closed_reason: "heropend: extra laptops",
    }
    assert month_create_body(SCHEMA, Month(2027, 3), 400) == {
        "Code": "2027-03",
        "IsActive": True,
        m.capacity: 400,
    }


def test_a_processor_confirmation_writes_the_dates_it_has() -> None:
    f = T.request
    assert processor_confirmation_body(SCHEMA, dt.date(2027, 1, 5), None) == {
        f.processor_confirmed_on: "2027-01-05"
    }
    assert processor_confirmation_body(SCHEMA, dt.date(2027, 1, 5), dt.date(2027, 1, 20)) == {
        f.processor_confirmed_on: "2027-01-05",
        f.delivery_date: "2027-01-20",
    }


def test_a_task_carries_its_key_in_import_id_and_links_organisation_and_contact() -> None:
    intent = TaskIntent(
        key="reminder/accountability/2026-Q4/first/org-1",
        subject="S",
        body="B",
        start=dt.date(2026, 10, 1),
        due=dt.date(2026, 10, 15),
        organisation_id="org-1",
        contact_id="k-1",
    )
    assert task_body(intent, open_phase_id="open") == {
        "Subject": "S",
        "Description": "B",
        "StartDate": "2026-10-01",
        "EndDate": "2026-10-15",
        "ImportId": "reminder/accountability/2026-Q4/first/org-1",
        "Relationship": {"ID": "org-1"},
        "Contact": {"ID": "k-1"},
        "Phase": {"ID": "open"},
    }
