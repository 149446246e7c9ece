"""The staff web console: the programme at a glance, and its decisions, behind a login."""

from tribe_sync.console.app import create_app

__all__ = ["create_app"]
