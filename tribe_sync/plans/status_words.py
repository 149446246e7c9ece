"""A saved plan's status (store.plans.PlanStatus) in the words staff read, Dutch.

Here, with the plans, because the plans service says them in its refusals and the CLI and console
show them; the service must not reach into the console for its words. A module of its own, without
the store: the CLI's lists read these words and must not load the store's plans and its drivers.
"""

from __future__ import annotations

__all__ = ["PLAN_STATUSES", "plan_status_words"]

PLAN_STATUSES = {
    "pending": "wacht op goedkeuring",
    "approved": "goedgekeurd",
    "applied": "uitgevoerd",
    "rejected": "afgewezen",
    "stale": "verouderd",
    "expired": "verlopen",
}


def plan_status_words(status: str) -> str:
    return PLAN_STATUSES.get(str(status), str(status))
