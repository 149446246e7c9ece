"""Wire records <-> domain objects, through the tenant mapping from the settings. Pure."""
