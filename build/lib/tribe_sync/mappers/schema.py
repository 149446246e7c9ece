"""The tenant schema: the configured names plus what follows from them (phase code <-> status)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from zoneinfo import ZoneInfo

from tribe_sync.config import SetNames, Settings, TenantSettings
from tribe_sync.domain.statuses import RequestStatus

__all__ = ["TenantSchema"]


@dataclass(frozen=True)
class TenantSchema:
    tenant: TenantSettings
    timezone: ZoneInfo

    @classmethod
    def from_settings(cls, settings: Settings) -> TenantSchema:
        return cls(settings.tenant, ZoneInfo(settings.programme.timezone))

    @property
    def sets(self) -> SetNames:
        return self.tenant.sets

    @cached_property
    def status_by_code(self) -> dict[str, RequestStatus]:
        phases = self.tenant.phases
        return {
            phases.waiting: RequestStatus.WAITING,
            phases.processing: RequestStatus.PROCESSING,
            phases.at_processor: RequestStatus.AT_PROCESSOR,
            phases.awaiting_delivery_date: RequestStatus.AWAITING_DELIVERY_DATE,
            phases.closed: RequestStatus.CLOSED,
        }

    def code_of(self, status: RequestStatus) -> str:
        return next(code for code, known in self.status_by_code.items() if known is status)
