"""The store's tables (SQLAlchemy Core): the same schema on SQLite and PostgreSQL.

Always equal to the head of `migrations/versions/` (a test compares them): change both together."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

__all__ = [
    "applied",
    "audit",
    "claims",
    "console_secrets",
    "crm_calls",
    "metadata",
    "mirror_catalogue",
    "mirror_forecasts",
    "mirror_months",
    "mirror_organisations",
    "mirror_problems",
    "mirror_quarter_stock",
    "mirror_reports",
    "mirror_requests",
    "mirror_sets",
    "mirror_stock",
    "mirror_tasks",
    "plans",
    "rate_calls",
    "read_sizes",
    "runs",
    "users",
]

metadata = MetaData()

runs = Table(
    "tribe_sync_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False, index=True),
    Column("today", Date, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("outcome", String(16), nullable=False),  # running, ok, problems, failed
    Column("dry_run", Boolean, nullable=False, default=False),
    Column("counts", JSON, nullable=False, default=dict),
    Column("error", Text),
    Column("holder", String(128)),  # host:pid:tag of the process that ran it
    # What started it: schedule, catch-up, webhook, staff, approved-plan (see store.plans.Trigger).
    Column("trigger", String(16)),
    Column("plan_id", Integer),  # the approved plan it applied, if any
    # What the run found and held back, by name (order number, organisation, month) and code:
    # {"problems": [{"code", "label"}], "held": [{"code", "label", "step"}]} (revision 0009). Never a
    # problem's message: that can quote a phone number or e-mail address.
    Column("notes", JSON),
)

# One row per change key that was carried out; the key is the idempotency guard.
applied = Table(
    "tribe_sync_applied",
    metadata,
    Column("key", String(255), primary_key=True),
    Column("run_id", Integer, ForeignKey(runs.c.id), nullable=False),
    Column("state", String(16), nullable=False),  # pending (intent written), done
    Column("detail", Text),
    Column("at", DateTime(timezone=True), nullable=False),
)

audit = Table(
    "tribe_sync_audit",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey(runs.c.id), nullable=False, index=True),
    Column("key", String(255), nullable=False, index=True),
    Column("entity_set", String(128)),
    Column("target_id", String(64)),
    Column("label", String(255)),  # what a person recognises: an order number, a month
    Column("before", JSON),
    Column("after", JSON),
    Column("reason", Text, nullable=False),
    Column("actor", String(128), nullable=False),  # "job:<name>" or "staff:<who>"
    Column("at", DateTime(timezone=True), nullable=False),
)

# A job run's claim, so that two runs of one job never apply at the same time (issue: daemon).
claims = Table(
    "tribe_sync_claims",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)

# Calls to Tribe in the last minute, shared by every process on a PostgreSQL store.
rate_calls = Table(
    "tribe_sync_rate_calls",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(timezone=True), nullable=False, index=True),
)

# CRM calls per minute (every process on the store adds to its minute's row), for the console's
# "CRM budget used in the last hour"; rows older than a day are pruned.
crm_calls = Table(
    "tribe_sync_crm_calls",
    metadata,
    Column("minute", DateTime(timezone=True), primary_key=True),
    Column("calls", Integer, nullable=False),
    Column("rate_limited", Integer, nullable=False),  # answers 429 Too Many Requests
)

# How many records each of our reads matched last time (`client.sizes`), so that a new process sends
# a big read's pages together from the start. Keyed by entity set and a hash of the filter: no data.
read_sizes = Table(
    "tribe_sync_read_sizes",
    metadata,
    Column("key", String(160), primary_key=True),
    Column("total", Integer, nullable=False),
    Column("seen_at", DateTime(timezone=True), nullable=False),
)

# Console accounts: an argon2id hash, never the password; the role decides what a person may do.
users = Table(
    "tribe_sync_users",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("role", String(16), nullable=False),  # viewer, approver, admin
    Column("password_hash", String(255), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("password_changed_at", DateTime(timezone=True), nullable=False),
)

# The store's own name/value rows: the console's session-signing key when none is configured (made once,
# shared by every replica) and a demo's clock offset (see store.clock).
console_secrets = Table(
    "tribe_sync_console_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(255), nullable=False),
)

# -- the read model (issue 15): the programme's non-personal fields, refreshed from the CRM ---------
# Disposable: `mirror refresh --full` rebuilds it. Never a person's name, e-mail address or phone
# number, nor a request's delivery-contact fields or free texts. `mutated_at` is the CRM's
# LastMutationDate, `synced_at` the start of the refresh that last wrote the row (a full refresh
# removes the rows it did not see: deletions in the CRM).


def _mirrored(name: str, *columns: Column[Any]) -> Table:
    return Table(
        name,
        metadata,
        Column("id", String(64), primary_key=True),
        *columns,
        Column("mutated_at", DateTime(timezone=True)),
        Column("synced_at", DateTime(timezone=True), nullable=False),
    )


mirror_sets = Table(
    "tribe_sync_mirror_sets",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("cursor", DateTime(timezone=True)),  # when the last read began (our clock)
    Column("last_delta_at", DateTime(timezone=True)),
    Column("last_full_at", DateTime(timezone=True)),
    Column("stale_since", DateTime(timezone=True)),  # a webhook said it changed
    Column("records", Integer, nullable=False, default=0),
    Column("problems", Integer, nullable=False, default=0),
)

mirror_organisations = _mirrored(
    "tribe_sync_mirror_organisations",
    Column("name", String(255), nullable=False),
    Column("approved", Boolean, nullable=False),
)

mirror_requests = _mirrored(
    "tribe_sync_mirror_requests",
    Column("number", String(32), nullable=False, index=True),
    Column("organisation_id", String(64), nullable=False, index=True),
    Column("status", String(32), nullable=False, index=True),
    Column("quantity", Integer, nullable=False),
    Column("product", String(64), nullable=False),
    Column("month", String(7), nullable=False, index=True),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("requested_on", Date, nullable=False),
    Column("delivery_date", Date),
    Column("reference", String(255)),
    Column("processor_id", String(64)),
    Column("processor_confirmed_on", Date),
    Column("delivered_quantity", Integer),
)

# Lists come in queue order (oldest first) or newest first, often with a limit: the index holds the
# whole order, so a list streams from it without a sort (revision 0012 added `id`).
Index(
    "ix_tribe_sync_mirror_requests_queue",
    mirror_requests.c.requested_at,
    mirror_requests.c.number,
    mirror_requests.c.id,
)

mirror_months = _mirrored(
    "tribe_sync_mirror_months",
    Column("month", String(7), nullable=False, index=True),
    Column("is_open", Boolean, nullable=False),
    Column("capacity", Integer),
    Column("closed_by", String(16)),
    Column("closed_reason", Text),
    Column("closed_at", DateTime(timezone=True)),
)

mirror_forecasts = _mirrored(
    "tribe_sync_mirror_forecasts",
    Column("organisation_id", String(64), nullable=False, index=True),
    Column("year", Integer, nullable=False),
    Column("quarter", Integer, nullable=False),
    Column("product", String(64), nullable=False),
    Column("quantity", Integer, nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("submitted_on", Date, nullable=False),
    # Effective, superseded or late: decided at refresh time over the forecasts of its organisation
    # by the domain's rule (store.readmodel.derived), so a list reads it instead of recomputing it.
    Column("state", String(16)),
)

Index("ix_tribe_sync_mirror_forecasts_quarter", mirror_forecasts.c.year, mirror_forecasts.c.quarter)
# The forecasts list's whole order: organisation, quarter, product, submission, ID (0012 added `id`),
# then what it shows besides (0013), so that the list reads the index alone, in order.
Index(
    "ix_tribe_sync_mirror_forecasts_listed",
    mirror_forecasts.c.organisation_id,
    mirror_forecasts.c.year,
    mirror_forecasts.c.quarter,
    mirror_forecasts.c.product,
    mirror_forecasts.c.submitted_at,
    mirror_forecasts.c.id,
    mirror_forecasts.c.quantity,
    mirror_forecasts.c.submitted_on,
    mirror_forecasts.c.state,
)

mirror_reports = _mirrored(
    "tribe_sync_mirror_reports",
    Column("request_id", String(64), nullable=False, index=True),
    Column("handed_out", Integer, nullable=False),
    Column("reported_at", DateTime(timezone=True), nullable=False),
    Column("reported_on", Date, nullable=False),
)

mirror_tasks = _mirrored(
    "tribe_sync_mirror_tasks",
    Column("key", String(255), nullable=False, index=True),  # the task's ImportId: our change key
    Column("status", String(64)),  # the task's phase code
)

# What is wrong with the mirrored records: shown by every list and the console as problems. A record
# that does not map (`mapped` false) is not in its table; one that breaks a rule of the programme
# (an invalid phone number, a month closed when it was requested) is, with one row here per rule.
# Never the offending personal value itself: the messages name the field, not what it held.
mirror_problems = Table(
    "tribe_sync_mirror_problems",
    metadata,
    Column("set_name", String(32), primary_key=True),
    Column("record_id", String(64), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("number", String(64), index=True),  # the request's order number, as the CRM holds it
    Column("mapped", Boolean, nullable=False),
    Column("label", String(255)),  # what staff find the record by: order number, organisation (quarter)
    Column("message", Text, nullable=False),
    Column("message_nl", Text, nullable=False),
    Column("synced_at", DateTime(timezone=True), nullable=False),
)

# Per organisation with delivered requests: its stock, by the domain's rule, kept at refresh time.
mirror_stock = Table(
    "tribe_sync_mirror_stock",
    metadata,
    Column("organisation_id", String(64), primary_key=True),
    Column("received", Integer, nullable=False),
    Column("handed_out", Integer, nullable=False),
    Column("in_stock", Integer, nullable=False),
    Column("oldest_undistributed_delivery", Date),
    Column("last_report", Date),
)

# Per organisation, its stock at the end of each quarter in which it moved (a delivery, a report), by
# the domain's rule (`stock_at_quarter_ends`), kept at refresh time with `mirror_stock` (revision 0014):
# at the end of any other quarter it stood as at the last of these before it. `quarter` counts quarters
# (year * 4 + number - 1, so K1 2027 is 8108); -1: before any quarter (a delivery without a date).
mirror_quarter_stock = Table(
    "tribe_sync_mirror_quarter_stock",
    metadata,
    Column("organisation_id", String(64), primary_key=True),
    Column("quarter", Integer, primary_key=True),
    Column("received", Integer, nullable=False),
    Column("handed_out", Integer, nullable=False),
    Column("in_stock", Integer, nullable=False),
    Column("oldest_undistributed_delivery", Date),
    Column("last_report", Date),
)

# The codes a request is checked against (products, target groups): read with a full refresh of the
# requests, so a delta needs no extra call for them.
mirror_catalogue = Table(
    "tribe_sync_mirror_catalogue",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("active", Boolean, nullable=False),
    Column("name", String(255)),  # what staff call a product ("Laptop"), not its code (revision 0010)
)


# Saved plans and their approval: who submitted, who decided, when, why; the plan as a document.
plans = Table(
    "tribe_sync_plans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job", String(64), nullable=False),
    Column("today", Date, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # see store.plans.PlanStatus
    Column("digest", String(64), nullable=False),  # of the changes: an identical re-plan is no new row
    Column("document", JSON, nullable=False),
    Column("source", String(16), nullable=False),  # staff or daemon
    Column("submitted_by", String(128), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("decided_by", String(128)),
    Column("decided_at", DateTime(timezone=True)),
    Column("note", Text),
    Column("run_id", Integer),  # the run that applied it
    Column("replaced_by", Integer),  # a stale plan's fresh successor
    Column("updated_at", DateTime(timezone=True), nullable=False),
    # Counted when saved, so that lists never open the document (it carries the digest of every record).
    Column("change_count", Integer),
    Column("held_count", Integer),
    Index("ix_tribe_sync_plans_job_today", "job", "today"),
)
