"""Alembic migrations of the store (SQLite and PostgreSQL), shipped inside the package.

`tribe_sync.store.schema` runs them; there is no `alembic.ini`: the configuration is built in code
so that an installed package migrates its store without a source checkout. Revisions live in
`versions/`, files `NNNN_slug.py` with `revision = "NNNN"`, one head at all times.
"""
