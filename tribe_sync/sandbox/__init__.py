"""A local Tribe CRM: the foundation's tenant behind Tribe's protocol, on loopback.

It imports nothing from `client/`, `mappers/` or `jobs/` (docs/design.md, principle 8): it declares
the tenant itself, from docs/tenant.md, so that a misunderstanding shared by both sides cannot hide.

`LastMutationDate`, as Tribe keeps it: every record carries its own, set by the server on each create
or update of *that* record (`CreationDate` and `LastMutationDate` are read-only). Nested records are
records of their own sets: a request's product line is a `ProductLine` (its `Quantity`, its
`Product`), an organisation's name lives on the `Relation_Organization` behind the customer
relationship. Changing one moves only its own `LastMutationDate`, never its parent's, and a delete
leaves no trace at all (a record that pointed to the deleted one expands it as null). A reader that
follows `LastMutationDate` alone therefore misses a product line's new quantity, a renamed
organisation and every deletion: the read model's full refresh is the safety net for them
(`tests/store/readmodel/test_refresh.py` pins this behaviour).

Poking it by hand (the `/_sandbox/faults`, `/_sandbox/clock` and `/_sandbox/log` controls, which
change with PUT, and editing a record through its API with a token): README.md, "Poking the sandbox
by hand".
"""
