"""Who closed a delivery month by hand: the name the CLI (`months close --by`) and the console both show.

The CRM's closed-by field says only `staff` (the portal and the closing job read it, docs/tenant.md);
the person's name lives in the journal's audit trail, under the change key of the staff close, as the
actor `staff:NAME` (the console's user name, or `--by`, else the login).
"""

from __future__ import annotations

from collections.abc import Iterable

from tribe_sync.domain.calendar import Month
from tribe_sync.domain.months import ClosedBy
from tribe_sync.jobs import keys
from tribe_sync.store.journal import Journal
from tribe_sync.store.readmodel.queries import MonthRow

__all__ = ["closed_by_names", "closed_by_text", "closed_by_words", "reopened_by_names"]


def closed_by_names(journal: Journal | None, rows: Iterable[MonthRow]) -> dict[str, str]:
    """The name of who closed each staff-closed month (by `YYYY-MM`), where the journal knows it."""
    return _staff_names(journal, rows, open_=False)


def reopened_by_names(journal: Journal | None, rows: Iterable[MonthRow]) -> dict[str, str]:
    """The name of who reopened each month staff reopened (by `YYYY-MM`), where the journal knows it."""
    return _staff_names(journal, rows, open_=True)


def _staff_names(journal: Journal | None, rows: Iterable[MonthRow], *, open_: bool) -> dict[str, str]:
    if journal is None:
        return {}
    names: dict[str, str] = {}
    for row in rows:
        if row.is_open != open_ or row.closed_by != ClosedBy.STAFF:
            continue
        trail = journal.audit_trail(key=keys.month_staff(Month.parse(row.month), open_=open_))
        if trail:
            names[row.month] = str(trail[-1]["actor"]).removeprefix("staff:")
    return names


def closed_by_words(journal: Journal | None, rows: Iterable[MonthRow]) -> dict[str, str]:
    """`closed_by_text` of each month (by `YYYY-MM`) that has any: who closed it, or reopened it."""
    rows = list(rows)
    closers, reopeners = closed_by_names(journal, rows), reopened_by_names(journal, rows)
    said = {
        row.month: closed_by_text(
            row.closed_by,
            (reopeners if row.is_open else closers).get(row.month),
            is_open=row.is_open,
        )
        for row in rows
    }
    return {month: text for month, text in said.items() if text}


def closed_by_text(closed_by: str | None, name: str | None, *, is_open: bool = False) -> str:
    """`medewerker (anna)`, `medewerker` when the name is not known, `automatisch` for the job.

    A month staff reopen keeps closed-by `staff` in the CRM (the closing job reads it: staff reopened
    it, leave it open), so an open month says `heropend door medewerker (anna)`, or nothing if no one
    ever closed it by hand."""
    if is_open:
        if closed_by != ClosedBy.STAFF:
            return ""
        return f"heropend door medewerker ({name})" if name else "heropend door medewerker"
    if closed_by == ClosedBy.STAFF:
        return f"medewerker ({name})" if name else "medewerker"
    return "automatisch" if closed_by == ClosedBy.JOB else ""
