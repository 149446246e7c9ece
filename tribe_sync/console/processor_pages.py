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
from tribe_sync.domain.confirmations import (
    EMPTY_FILE,
    Verdict,
    check_confirmations,
    decode,
    order_numbers,
    read_confirmation_file,
)
from tribe_sync.errors import CRMError, LockHeldError
from tribe_sync.jobs.plan import Plan
from tribe_sync.jobs.staff import PROGRESS_JOB, confirmation_plan
from tribe_sync.store.plans import Trigger
from tribe_sync.store.users import Role

__all__ = ["register_processor"]

MAX_UPLOAD = 1024 * 1024
VERDICTS = {
    Verdict.RECORD: "wordt vastgelegd",
    Verdict.UNCHANGED: "staat er al zo",
    Verdict.OLDER: "Tribe heeft een nieuwere bevestiging; blijft staan",
}
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

    def checked(data: bytes, source: str) -> tuple[list[dict[str, Any]], list[str], Plan | None]:
        """Every line of the file checked against the CRM: rows to show, errors, and the plan (None
        when a line is wrong: then nothing may be written)."""
        parsed = read_confirmation_file(data)
        found, unreadable = (
            services.crm.look_up_requests(order_numbers(parsed.lines)) if parsed.lines else ({}, {})
        )
        result = check_confirmations(parsed, found, unreadable, today=services.today())
        errors_by_line: dict[int | None, list[str]] = {}
        for error in result.errors:
            errors_by_line.setdefault(error.line, []).append(error.message)
        verdicts = {d.line.line: d.verdict for d in result.decisions}
        shown = [
            {
                "line": line.line,
                "order": line.order_number,
                "confirmed": line.confirmed_on,
                "delivery": line.delivery_date,
                "error": "; ".join(errors_by_line.get(line.line, [])),
                "verdict": VERDICTS.get(verdicts[line.line], "") if line.line in verdicts else "",
            }
            for line in parsed.lines
        ]
        errors = [str(e) for e in result.errors]
        plan = confirmation_plan(result, services.today(), source) if result.ok else None
        return shown, errors, plan

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
        if upload is None or not (upload[0] or upload[1]):
            return page(ctx, 400, error="Kies een bevestigingsbestand van de verwerker.")
        name, content = upload
        if not content:
            return page(ctx, 400, error=f"{name}: {EMPTY_FILE[0].upper()}{EMPTY_FILE[1:]}.")
        if len(content) > MAX_UPLOAD:
            return page(ctx, 400, error="Het bestand is groter dan 1 MB.")
        try:
            rows, errors, plan = checked(content, name)
        except CRMError:
            return page(ctx, 503, error="De CRM is nu niet bereikbaar; probeer het later opnieuw.")
        changes = len(plan.changes) if plan is not None else 0
        return page(
            ctx,
            200 if not errors else 400,
            preview={
                "name": name,
                "rows": rows,
                "errors": errors,
                "text": _text(content),
                "changes": changes,
            },
        )

    @console.action("/verwerker/bevestigen", Role.APPROVER)
    def confirm(ctx: Ctx) -> Page:
        text = ctx.form.get("inhoud", "")
        name = ctx.form.get("naam", "bevestiging.csv")[:200]
        if not text.strip():
            return page(ctx, 400, error="Er is geen bestand om te bevestigen; laad het opnieuw.")
        try:
            rows, errors, plan = checked(text.encode("utf-8"), name)
            if errors or plan is None:
                return page(
                    ctx,
                    409,
                    error="Het bestand klopt niet meer met de CRM; er is niets vastgelegd.",
                    preview={"name": name, "rows": rows, "errors": errors, "text": text, "changes": 0},
                )
            # Under the claim of the job that writes the same records, as `processor import` does.
            report = services.executor().apply(
                plan,
                actor=f"staff:{ctx.user.name}",
                claim=f"job:{PROGRESS_JOB}",
                trigger=Trigger.CONSOLE.value,
            )
        except LockHeldError:
            return page(
                ctx, 409, error="De statustaak draait nu; er is niets vastgelegd. Probeer het zo opnieuw."
            )
        except CRMError:
            return page(ctx, 503, error="De CRM is nu niet bereikbaar; er is mogelijk niets vastgelegd.")
        done = [
            {"label": o.change.label, "outcome": OUTCOMES.get(str(o.status), str(o.status))}
            for o in report.outcomes
        ]
        return page(
            ctx, notice=f"Bevestigingen verwerkt in run {report.run_id}.", done=done, run_id=report.run_id
        )


def _text(data: bytes) -> str:
    """The file as text for the confirm step (sent back as UTF-8, read again the same way)."""
    decoded = decode(data)
    return decoded[0] if isinstance(decoded, tuple) else ""
