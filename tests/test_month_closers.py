"""Who closed a month by hand, said the same on the command line and in the console."""

from __future__ import annotations

from tribe_sync.month_closers import closed_by_names, closed_by_text


def test_a_staff_close_reads_as_medewerker_with_the_name_when_the_journal_knows_it() -> None:
    assert closed_by_text("staff", "anna") == "medewerker (anna)"
    assert closed_by_text("staff", None) == "medewerker"
    assert closed_by_text("job", None) == "automatisch"
    assert closed_by_text(None, None) == ""


def test_without_a_journal_no_names_are_known() -> None:
    assert closed_by_names(None, []) == {}


def test_an_open_month_says_staff_reopened_it_not_who_closed_it() -> None:
    # Reopening by staff leaves closed-by `staff` in the CRM (the job reads it): not "gesloten door".
    assert closed_by_text("staff", "anna", is_open=True) == "heropend door medewerker (anna)"
    assert closed_by_text("staff", None, is_open=True) == "heropend door medewerker"
    assert closed_by_text(None, None, is_open=True) == ""
    assert closed_by_text("job", None, is_open=True) == ""
