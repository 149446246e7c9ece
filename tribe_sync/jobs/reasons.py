"""Why a change is made: the words the planner keeps with a change, and staff's Dutch for them.

A change's `reason` is one of its fields, so it is part of a plan's changes: of a saved plan's digest
(`plans.document.changes_digest`, by which a stored plan is found again and the daemon knows its
pending plan is still the one) and of the stale check (`plans.document.compare` compares each change
whole). Rewording a reason the planner writes would make every plan saved before the upgrade differ
from a fresh one and be refused as stale, and the journal keeps the words of every change it recorded.
So the planner goes on writing the two reasons that are still English (`confirmed`, `delivered`), and
`reason_words` says them, and the older English ones a journal may hold, in Dutch wherever staff read
a reason: the staff commands' tables and the console. A reason in Dutch already is said as it is;
`--json` keeps `reason` and has `reason_nl` beside it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from tribe_sync.domain.calendar import day_label, month_label

__all__ = ["confirmed", "delivered", "reason_words"]


def confirmed(day: dt.date) -> str:
    """A request the processor confirmed moves on to `In afwachting van leverdatum`."""
    return f"the processor confirmed on {day.isoformat()}"


def delivered(day: dt.date) -> str:
    """A request whose delivery date is reached is closed."""
    return f"delivered on {day.isoformat()}"


_DAY = r"(\d{4}-\d{2}-\d{2})"

# Each English reason the planner writes or once wrote (a journal keeps them), by how it begins, and
# its Dutch. What follows the match (the executor's note, such as "(2 regels in handoff-….csv)") stays.
_DUTCH: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(rf"the processor confirmed on {_DAY}"),
        lambda m: f"bevestigd door de verwerker op {day_label(m[1])}",
    ),
    (re.compile(rf"delivered on {_DAY}"), lambda m: f"geleverd op {day_label(m[1])}"),
    # Before the planner's reasons were Dutch (the journal of an older version):
    (
        re.compile(r"allocated in round (\d+) of the rounds of ([^()]+?)(?: \(carried over from (\S+)\))?$"),
        lambda m: (
            f"toegekend in ronde {m[1]} van {month_label(m[2])}"
            + (f" (doorgeschoven uit {month_label(m[3])})" if m[3] else "")
        ),
    ),
    (
        re.compile(r"allocated in the rounds of (.+)$"),
        lambda m: f"toegekend in de rondes van {month_label(m[1])}",
    ),
    (re.compile(r"handed off to (.+?)(?= \(|$)"), lambda m: f"overgedragen aan {m[1]}"),
    (re.compile(rf"the delivery date {_DAY} is known"), lambda m: f"leverdatum {day_label(m[1])} is bekend"),
    (re.compile(r"plan (\d+) waits for approval"), lambda m: f"plan {m[1]} wacht op goedkeuring"),
    (
        re.compile(r"processor confirmation from (.+), line (\d+)$"),
        lambda m: f"bevestiging van de verwerker ({m[1]}, regel {m[2]})",
    ),
)


def reason_words(reason: str | None) -> str:
    """A change's reason as staff read it: `the processor confirmed on 2026-12-03` as `bevestigd door
    de verwerker op 3 december 2026`; a Dutch reason (and one this version does not know) as it is."""
    text = reason or ""
    for pattern, dutch in _DUTCH:
        found = pattern.match(text)
        if found:
            return dutch(found) + text[found.end() :]
    return text
