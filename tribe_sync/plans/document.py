"""A plan as a document: what `jobs plan --out` saves, what staff approve, what `jobs apply` checks.

Pure: no I/O, no clock. The document carries the plan's changes (in the executor's own JSON form),
the settings that shaped it and a digest of every CRM record the plan was made from (ID,
`LastMutationDate` and a short hash of the fields read). Comparing a saved document with a fresh one
says, per record, what is different and why: changes added, gone or altered, the records that changed
underneath (a new request, a changed forecast, a closed month) and the settings that moved.

A checksum over the whole document (the checksum itself left out) tells an edited file from one that
the world has moved past; both are refused.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = [
    "PLAN_FORMAT",
    "ChangeDiff",
    "DiffKind",
    "Difference",
    "PlanFormatError",
    "RecordDiff",
    "SettingDiff",
    "build_document",
    "changes_digest",
    "checksum",
    "compare",
    "read_document",
]

PLAN_FORMAT = 1

# What a person calls each kind of record the snapshot reads (the digest's keys).
RECORD_NOUNS: dict[str, str] = {
    "requests": "request",
    "months": "delivery month",
    "forecasts": "forecast",
    "organisations": "organisation",
    "contacts": "contact person",
    "reports": "accountability report",
    "products": "product",
    "processors": "processor",
    "tasks": "task",
}


class PlanFormatError(ValueError):
    """The text is not a plan document this version understands (not JSON, wrong format, fields missing)."""


class DiffKind(StrEnum):
    ADDED = "added"  # in the fresh plan, not in the saved one
    GONE = "gone"  # in the saved plan, no longer planned
    ALTERED = "altered"  # same key, different content


class RecordChange(StrEnum):
    NEW = "new"
    GONE = "gone"
    CHANGED = "changed"


@dataclass(frozen=True)
class ChangeDiff:
    kind: DiffKind
    key: str
    label: str
    step: str
    record_id: str | None
    fields: tuple[str, ...] = ()  # altered: which fields differ
    caused_by: tuple[str, ...] = ()  # descriptions of changed records this change is about

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "key": self.key,
            "label": self.label,
            "step": self.step,
            "record_id": self.record_id,
            "fields": list(self.fields),
            "caused_by": list(self.caused_by),
        }

    def describe(self) -> str:
        what = {
            DiffKind.ADDED: "newly planned",
            DiffKind.GONE: "no longer planned",
            DiffKind.ALTERED: "planned differently",
        }[self.kind]
        line = f"{self.label} ({self.step}): {what}"
        if self.fields:
            line += f" ({', '.join(self.fields)} differ)"
        if self.caused_by:
            line += f"; because {'; '.join(self.caused_by)}"
        return line


@dataclass(frozen=True)
class RecordDiff:
    kind: RecordChange
    entity: str  # the snapshot part: requests, months, forecasts, ...
    record_id: str
    label: str
    before: str | None = None  # LastMutationDate in the saved plan
    after: str | None = None  # LastMutationDate now

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "entity": self.entity,
            "record_id": self.record_id,
            "label": self.label,
            "before": self.before,
            "after": self.after,
        }

    def describe(self) -> str:
        noun = RECORD_NOUNS.get(self.entity, self.entity)
        if self.kind is RecordChange.NEW:
            return f"{noun} {self.label} is new"
        if self.kind is RecordChange.GONE:
            return f"{noun} {self.label} is gone"
        when = f" (last changed {self.after})" if self.after and self.after != self.before else ""
        return f"{noun} {self.label} changed{when}"


@dataclass(frozen=True)
class SettingDiff:
    key: str
    before: Any
    after: Any

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "before": self.before, "after": self.after}

    def describe(self) -> str:
        return f"setting {self.key} was {json.dumps(self.before)}, is now {json.dumps(self.after)}"


@dataclass(frozen=True)
class Difference:
    """Why a saved plan is not what would be done now. Empty means: apply it."""

    changes: tuple[ChangeDiff, ...] = ()
    records: tuple[RecordDiff, ...] = ()
    settings: tuple[SettingDiff, ...] = ()
    edited: bool = False
    other: tuple[str, ...] = field(default=())  # job or day differ: not the same plan at all

    @property
    def stale(self) -> bool:
        """The plan's changes are not what a fresh plan would do (records moving alone do not count)."""
        return bool(self.changes or self.other)

    def as_dict(self) -> dict[str, Any]:
        return {
            "edited": self.edited,
            "changes": [c.as_dict() for c in self.changes],
            "records": [r.as_dict() for r in self.records],
            "settings": [s.as_dict() for s in self.settings],
            "other": list(self.other),
        }

    def lines(self) -> list[str]:
        """The difference for a person: one line per change, then what moved underneath."""
        out: list[str] = []
        if self.edited:
            out.append("the plan file was edited after it was made (its checksum does not match)")
        out += list(self.other)
        out += [c.describe() for c in self.changes]
        if self.records:
            out.append("records that changed since the plan was made:")
            out += [f"  {r.describe()}" for r in self.records]
        out += [s.describe() for s in self.settings]
        return out


# -- building and reading ----------------------------------------------------------------------


def build_document(
    *,
    job: str,
    today: dt.date,
    created_at: dt.datetime,
    settings: Mapping[str, Any],
    plan: Mapping[str, Any],
    records: Mapping[str, Mapping[str, Mapping[str, Any]]],
    created_by: str | None = None,
) -> dict[str, Any]:
    """The plan document: `plan` is the executor's JSON of the plan (changes, problems, held, summary)."""
    document: dict[str, Any] = {
        "plan_format": PLAN_FORMAT,
        "job": job,
        "today": today.isoformat(),
        "created_at": created_at.isoformat(),
        "created_by": created_by,
        "settings": _jsonable(settings),
        **{k: _jsonable(v) for k, v in plan.items() if k not in ("job", "today", "dry_run")},
        "records": _jsonable(records),
    }
    document["checksum"] = checksum(document)
    return document


def read_document(text: str) -> dict[str, Any]:
    """Parse a saved plan; PlanFormatError says what is wrong with it in a person's words."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PlanFormatError(f"not a plan file: not JSON ({exc.msg} at line {exc.lineno})") from None
    if not isinstance(document, dict):
        raise PlanFormatError("not a plan file: the document is not a JSON object")
    found = document.get("plan_format")
    if found != PLAN_FORMAT:
        raise PlanFormatError(f"not a plan file of format {PLAN_FORMAT} (plan_format is {found!r})")
    missing = [k for k in ("job", "today", "created_at", "changes", "records") if k not in document]
    if missing:
        raise PlanFormatError(f"the plan file lacks {', '.join(missing)}")
    if not isinstance(document["changes"], list) or not isinstance(document["records"], dict):
        raise PlanFormatError("the plan file's changes must be a list and its records an object")
    try:
        dt.date.fromisoformat(str(document["today"]))
        dt.datetime.fromisoformat(str(document["created_at"]))
    except ValueError:
        raise PlanFormatError("the plan file's today or created_at is not a date") from None
    return document


def checksum(document: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of everything but the checksum itself."""
    body = {k: v for k, v in document.items() if k != "checksum"}
    return "sha256:" + hashlib.sha256(_canonical(body).encode()).hexdigest()


def changes_digest(changes: Sequence[Mapping[str, Any]]) -> str:
    """One value for "the same changes": equal plans of one job and day share it (no duplicates)."""
    return hashlib.sha256(_canonical(list(changes)).encode()).hexdigest()


def created_at(document: Mapping[str, Any]) -> dt.datetime:
    moment = dt.datetime.fromisoformat(str(document["created_at"]))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


# -- comparing ---------------------------------------------------------------------------------


def compare(saved: Mapping[str, Any], fresh: Mapping[str, Any]) -> Difference:
    """What differs between a saved plan and a fresh one made for the same job and day."""
    other = tuple(
        f"the plan is for {name} {saved.get(name)}, the fresh plan for {fresh.get(name)}"
        for name in ("job", "today")
        if saved.get(name) != fresh.get(name)
    )
    records = _record_diffs(saved.get("records", {}), fresh.get("records", {}))
    by_id: dict[str, list[RecordDiff]] = {}
    for record in records:
        by_id.setdefault(record.record_id, []).append(record)
    mine = _by_key(saved.get("changes", []))
    now = _by_key(fresh.get("changes", []))
    diffs: list[ChangeDiff] = []
    for key in [*mine, *(k for k in now if k not in mine)]:
        before, after = mine.get(key), now.get(key)
        if before == after:
            continue
        shown = after if after is not None else before
        assert shown is not None
        kind = DiffKind.ADDED if before is None else DiffKind.GONE if after is None else DiffKind.ALTERED
        fields: tuple[str, ...] = ()
        if before is not None and after is not None:
            derived = {"describe", "label"}  # follow from the other fields; naming them says nothing
            fields = tuple(sorted(k for k in {*before, *after} - derived if before.get(k) != after.get(k)))
        ids = list(dict.fromkeys([*_record_ids(before or {}), *_record_ids(after or {})]))
        diffs.append(
            ChangeDiff(
                kind=kind,
                key=key,
                label=str(shown.get("label") or key),
                step=str(shown.get("step") or ""),
                record_id=next(iter(ids), None),
                fields=fields,
                caused_by=tuple(r.describe() for i in ids for r in by_id.get(i, [])),
            )
        )
    return Difference(
        changes=tuple(diffs),
        records=records,
        settings=_setting_diffs(saved.get("settings", {}), fresh.get("settings", {})),
        edited=saved.get("checksum") != checksum(saved),
        other=other,
    )


def _by_key(changes: Any) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for index, change in enumerate(changes if isinstance(changes, list) else []):
        if isinstance(change, dict):
            found[str(change.get("key") or f"#{index}")] = change
    return found


def _record_ids(change: Mapping[str, Any]) -> list[str]:
    """The records a change is about: its target, and any record ID its key names."""
    ids: list[str] = []
    rows = change.get("rows")
    nested = [r.get("request_id") for r in rows if isinstance(r, dict)] if isinstance(rows, list) else []
    for value in [
        *(change.get(n) for n in ("request_id", "month_id", "organisation_id", "contact_id")),
        *nested,
    ]:
        if isinstance(value, str) and value and value not in ids:
            ids.append(value)
    for part in str(change.get("key", "")).split("/"):
        if len(part) == 36 and part.count("-") == 4 and part not in ids:
            ids.append(part)
    return ids


def _record_diffs(saved: Any, fresh: Any) -> tuple[RecordDiff, ...]:
    found: list[RecordDiff] = []
    saved = saved if isinstance(saved, dict) else {}
    fresh = fresh if isinstance(fresh, dict) else {}
    for entity in [*saved, *(e for e in fresh if e not in saved)]:
        before: dict[str, Any] = saved.get(entity) or {}
        after: dict[str, Any] = fresh.get(entity) or {}
        for record_id in [*before, *(i for i in after if i not in before)]:
            old, new = before.get(record_id), after.get(record_id)
            if old == new:
                continue
            shown = new if isinstance(new, dict) else old if isinstance(old, dict) else {}
            label = str(shown.get("label") or record_id)
            if old is None:
                found.append(RecordDiff(RecordChange.NEW, entity, record_id, label, None, _changed(new)))
            elif new is None:
                found.append(RecordDiff(RecordChange.GONE, entity, record_id, label, _changed(old), None))
            else:
                found.append(
                    RecordDiff(RecordChange.CHANGED, entity, record_id, label, _changed(old), _changed(new))
                )
    return tuple(found)


def _changed(entry: Any) -> str | None:
    value = entry.get("changed") if isinstance(entry, dict) else None
    return str(value) if value is not None else None


def _setting_diffs(saved: Any, fresh: Any, prefix: str = "") -> tuple[SettingDiff, ...]:
    if not isinstance(saved, dict) or not isinstance(fresh, dict):
        return () if saved == fresh else (SettingDiff(prefix.rstrip("."), saved, fresh),)
    found: list[SettingDiff] = []
    for key in [*saved, *(k for k in fresh if k not in saved)]:
        found += _setting_diffs(saved.get(key), fresh.get(key), f"{prefix}{key}.")
    return tuple(found)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def _jsonable(value: Any) -> Any:
    """Round-trip through JSON, so that a fresh document compares equal to one read from a file."""
    return json.loads(json.dumps(value, default=str))
