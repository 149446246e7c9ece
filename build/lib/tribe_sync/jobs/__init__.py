"""Scheduled jobs: each a pure `plan()` over a snapshot and an idempotent `apply()`."""
