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

__all__ = ["closed_by_names", "closed_by_text"]


def closed_by_names(journal: Journal | None, rows: Iterable[MonthRow]) -> dict[str, str]:
    """The name of who closed each staff-closed month (by `YYYY-MM`), where the journal knows it."""
    if journal is None:
        return {}
    names: dict[str, str] = {}
    for row in rows:
        if row.is_open or row.closed_by != ClosedBy.STAFF:
            continue
        trail = journal.audit_trail(key=keys.month_staff(Month.parse(row.month), open_=False))
        if trail:
            names[row.month] = str(trail[-1]["actor"]).removeprefix("staff:")
    return names


def closed_by_text(closed_by: str | None, name: str | None) -> str:
    """`medewerker (anna)`, `medewerker` when the name is not known, `automatisch` for the job."""
    if closed_by == ClosedBy.STAFF:
        return f"medewerker ({name})" if name else "medewerker"
    return "automatisch" if closed_by == ClosedBy.JOB else ""
