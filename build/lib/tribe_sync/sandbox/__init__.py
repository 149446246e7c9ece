"""A local Tribe CRM: the foundation's tenant behind Tribe's protocol, on loopback.

It imports nothing from `client/`, `mappers/` or `jobs/` (ARCHITECTURE.md principle 7): it declares
the tenant itself, from TENANT.md, so that a misunderstanding shared by both sides cannot hide.
"""
