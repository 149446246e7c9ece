"""The digest of the CRM records a plan was made from, named the way staff know them. Pure."""

from __future__ import annotations

from typing import Any

from tribe_sync.jobs.snapshot import Snapshot

__all__ = ["record_digest"]


def record_digest(snapshot: Snapshot) -> dict[str, dict[str, dict[str, Any]]]:
    """Per snapshot part, per record ID: its `LastMutationDate` (`changed`, when Tribe sent one), a
    hash of the fields read (`hash`) and what a person calls it (`label`: an order number, a month,
    an organisation's name), so that a stale plan can say which record moved."""
    labels = _labels(snapshot)
    return {
        part: {
            record_id: {"changed": changed, "hash": digest, "label": labels.get(record_id, record_id)}
            for record_id, (changed, digest) in sorted(records.items())
        }
        for part, records in sorted(snapshot.seen.items())
    }


def _labels(snapshot: Snapshot) -> dict[str, str]:
    labels: dict[str, str] = {o.id: o.name for o in snapshot.organisations.values()}
    labels |= {r.id: str(r.number) for r in snapshot.requests}
    labels |= {m.id: m.month.code for m in snapshot.months.values()}
    for forecast in snapshot.forecasts:
        owner = labels.get(forecast.organisation_id, "an organisation")
        labels[forecast.id] = f"of {owner} for {forecast.quarter}"
    labels |= {p.id: p.name for p in snapshot.processors.values()}
    labels |= {p.id: p.code for p in snapshot.products.values()}
    labels |= {task_id: key for key, task_id in snapshot.tasks.items()}
    return labels
