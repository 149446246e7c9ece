"""Builds the long-lived objects from Settings: the one place that knows how they fit together."""

from __future__ import annotations

from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import Settings
from tribe_sync.mappers.schema import TenantSchema

__all__ = ["crm_client", "tenant_schema"]


def crm_client(settings: Settings) -> TribeClient:
    return TribeClient.from_settings(settings.crm)


def tenant_schema(settings: Settings) -> TenantSchema:
    return TenantSchema.from_settings(settings)
