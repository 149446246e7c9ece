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
