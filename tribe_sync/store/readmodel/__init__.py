"""The read model (issue 15): the programme's non-personal fields, kept fresh from the CRM.

`refresh` keeps it (delta by `LastMutationDate`, full re-read that also removes deletions); `queries`
is what staff lists, reports and the console read. Jobs never read it: what a job writes is planned
from a fresh CRM read (ARCHITECTURE.md principle 1).
"""
