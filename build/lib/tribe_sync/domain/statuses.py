"""The five request statuses, strictly in this order; none is skipped and none goes back."""

from __future__ import annotations

from enum import Enum

__all__ = ["RequestStatus"]


class RequestStatus(Enum):
    WAITING = ("Wacht op toekenning", 0)
    PROCESSING = ("Verwerking bestelling", 1)
    AT_PROCESSOR = ("Aanvraag naar verwerker", 2)
    AWAITING_DELIVERY_DATE = ("In afwachting van leverdatum", 3)
    CLOSED = ("Gesloten", 4)

    def __init__(self, label: str, rank: int) -> None:
        self.label = label
        self.rank = rank

    @property
    def next(self) -> RequestStatus | None:
        for status in RequestStatus:
            if status.rank == self.rank + 1:
                return status
        return None

    def can_advance_to(self, target: RequestStatus) -> bool:
        """The only transition a job may make: to the very next status."""
        return self.next is target

    def at_least(self, other: RequestStatus) -> bool:
        return self.rank >= other.rank
