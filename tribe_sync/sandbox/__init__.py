"""A local Tribe CRM: the foundation's tenant behind Tribe's protocol, on loopback.

It imports nothing from `client/`, `mappers/` or `jobs/` (docs/design.md, principle 8): it declares
the tenant itself, from docs/tenant.md, so that a misunderstanding shared by both sides cannot hide.
"""
