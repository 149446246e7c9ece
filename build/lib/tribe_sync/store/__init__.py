"""`tribe_sync`'s own store: the run journal, applied change keys, claims and the leader lease.

Never a copy of programme data: the CRM is the system of record (ARCHITECTURE.md principle 1).
"""
