"""Verwerker: the hand-off files to download, and a processor's confirmation file: upload, preview
(every line checked against the CRM), then confirm. The same parsing, checks and executor as
`tribe-sync processor import`; the person who confirms is the actor in the audit trail.

Hand-off files hold personal data (delivery contacts), so only approvers may download them.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from starlette.responses import FileResponse, Response

from tribe_sync.console.app import Console, Ctx, Page
from tribe_sync.errors import CRMError
from tribe_sync.jobs.staff import (
    apply_staff_changes,
    parse_confirmations,
    plan_confirmations,
    requests_by_number,
)
from tribe_sync.store.users import Role

__all__ = ["register_processor"]

MAX_UPLOAD = 1024 * 1024
OUTCOMES = {
    "applied": "vastgelegd",
    "done-already": "stond er al",
    "skipped": "overgeslagen",
    "failed": "mislukt",
    "planned": "gepland",
}


def register_processor(console: Console) -> None:
    services = console.services
    outbox = Path(services.settings.programme.outbox_dir).expanduser()

    def files() -> list[dict[str, Any]]:
        if not outbox.is_dir():
            return []
        found = sorted(outbox.glob("handoff-*.csv"), key=lambda p: p.stat().st_mtime, reverse=True)
        return [
            {
                "name": path.name,
                "size": path.stat().st_size,
                "at": dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC),
            }
            for path in found
        ]

    def page(ctx: Ctx, status: int = 200, **values: Any) -> Page:
        return Page(
            "processor.html",
            "Verwerker",
            {"files": files(), "may_act": ctx.user.role.allows(Role.APPROVER), **values},
            status=status,
        )

    def checked(ctx: Ctx, text: str, source: str) -> tuple[list[dict[str, Any]], list[str], list[Any]]:
        """Every line of the file checked: rows to show, errors, and the planned changes."""
        rows, errors = parse_confirmations(text)
        changes: list[Any] = []
        if not errors:
            found = requests_by_number(services, [r.order_number for r in rows])
            plan = plan_confirmations(rows, found, services, source)
            errors, changes = plan.errors, plan.changes
        shown = [
            {
                "line": r.line,
                "order": r.order_number,
                "confirmed": r.confirmed_on,
                "delivery": r.delivery_date,
                "error": next((e for e in errors if e.startswith(f"line {r.line}:")), ""),
            }
            for r in rows
        ]
        return shown, errors, changes

    @console.page("/verwerker")
    def processor(ctx: Ctx) -> Page:
        return page(ctx)

    @console.page("/verwerker/bestanden/{name}", Role.APPROVER)
    def download(ctx: Ctx) -> Response | Page:
        name = str(ctx.request.path_params["name"])
        if name not in {f["name"] for f in files()}:
            return Page("not_found.html", "Niet gevonden", status=404)
        return FileResponse(outbox / name, media_type="text/csv; charset=utf-8", filename=name)

    @console.action("/verwerker/voorbeeld", Role.APPROVER)
    def preview(ctx: Ctx) -> Page:
        upload = ctx.files.get("bestand")
        if upload is None or not upload[1]:
            return page(ctx, 400, error="Kies een bevestigingsbestand van de verwerker.")
        name, content = upload
        if len(content) > MAX_UPLOAD:
            return page(ctx, 400, error="Het bestand is groter dan 1 MB.")
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return page(ctx, 400, error="Het bestand is geen UTF-8-tekst (CSV).")
        try:
            rows, errors, changes = checked(ctx, text, name)
        except CRMError:
            return page(ctx, 503, error="De CRM is nu niet bereikbaar; probeer het later opnieuw.")
        return page(
            ctx,
            200 if not errors else 400,
            preview={"name": name, "rows": rows, "errors": errors, "text": text, "changes": len(changes)},
        )

    @console.action("/verwerker/bevestigen", Role.APPROVER)
    def confirm(ctx: Ctx) -> Page:
        text = ctx.form.get("inhoud", "")
        name = ctx.form.get("naam", "bevestiging.csv")[:200]
        if not text.strip():
            return page(ctx, 400, error="Er is geen bestand om te bevestigen; laad het opnieuw.")
        try:
            rows, errors, changes = checked(ctx, text, name)
            if errors:
                return page(
                    ctx,
                    409,
                    error="Het bestand klopt niet meer met de CRM; er is niets vastgelegd.",
                    preview={"name": name, "rows": rows, "errors": errors, "text": text, "changes": 0},
                )
            run_id, outcomes, _ = apply_staff_changes(
                services, "processor import", changes, f"staff:{ctx.user.name}"
            )
        except CRMError:
            return page(ctx, 503, error="De CRM is nu niet bereikbaar; er is mogelijk niets vastgelegd.")
        done = [{"label": o.change.label, "outcome": OUTCOMES.get(o.status, o.status)} for o in outcomes]
        return page(ctx, notice=f"Bevestigingen verwerkt in run {run_id}.", done=done, run_id=run_id)
