"""Forecasts (prognoses): per organisation, quarter and product, the newest on-time one counts.

A forecast is a new total, not an addition; the older ones stay as history (superseded), and one
submitted after its quarter's deadline does not count at all (late).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from enum import StrEnum

from tribe_sync.domain.calendar import Quarter

__all__ = ["Forecast", "ForecastState", "classify_forecasts", "effective_forecasts"]


@dataclass(frozen=True, slots=True)
class Forecast:
    id: str
    organisation_id: str
    quarter: Quarter
    product_code: str
    quantity: int
    submitted_at: dt.datetime
    submitted_on: dt.date  # in the programme's time zone

    @property
    def key(self) -> tuple[str, Quarter, str]:
        return (self.organisation_id, self.quarter, self.product_code)

    @property
    def on_time(self) -> bool:
        return self.submitted_on <= self.quarter.forecast_deadline


class ForecastState(StrEnum):
    EFFECTIVE = "effective"
    SUPERSEDED = "superseded"
    LATE = "late"


def classify_forecasts(forecasts: Collection[Forecast]) -> dict[str, ForecastState]:
    """Each forecast's state by ID: late if after its deadline, else effective if the newest on-time
    one for its key (ties broken by ID, so the answer never depends on read order), else superseded."""
    effective = effective_forecasts(forecasts)
    winners = {forecast.id for forecast in effective.values()}
    return {
        forecast.id: ForecastState.LATE
        if not forecast.on_time
        else ForecastState.EFFECTIVE
        if forecast.id in winners
        else ForecastState.SUPERSEDED
        for forecast in forecasts
    }


def effective_forecasts(forecasts: Iterable[Forecast]) -> dict[tuple[str, Quarter, str], Forecast]:
    best: dict[tuple[str, Quarter, str], Forecast] = {}
    for forecast in forecasts:
        if not forecast.on_time:
            continue
        current = best.get(forecast.key)
        if current is None or (forecast.submitted_at, forecast.id) > (current.submitted_at, current.id):
            best[forecast.key] = forecast
    return best
