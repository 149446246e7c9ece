"""tribe_sync: the integration layer around allemaal digitaal's Tribe CRM tenant."""

__version__ = "0.1.0"
