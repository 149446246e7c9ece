"""`tribe_sync`'s own store: the run journal, applied change keys, claims and the leader lease.

Never a copy of programme data: the CRM is the system of record (docs/design.md, principle 1).
"""
