"""`tribe-sync sandbox serve`: a local Tribe CRM holding the foundation's tenant."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated

import typer

from tribe_sync.cli.context import app_context
from tribe_sync.cli.options import parse_day
from tribe_sync.sandbox.generator import SCALES
from tribe_sync.sandbox.server import build_state, serve
from tribe_sync.sandbox.state import Faults

app = typer.Typer(help="A local Tribe CRM for trying everything without credentials.", no_args_is_help=True)


def _rate(value: str | None) -> int | None:
    if value is None:
        return None
    match = re.fullmatch(r"\s*(\d+)\s*(/\s*min)?\s*", value)
    if not match or int(match[1]) < 1:
        raise typer.BadParameter("give calls per minute, e.g. 1000/min")
    return int(match[1])


@app.command("serve")
def serve_command(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on; keep it on loopback.")] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=0, max=65535, help="Port (the settings' default CRM is 8765).")
    ] = 8765,
    scale: Annotated[str, typer.Option(help=f"Data size: {', '.join(SCALES)}.")] = "small",
    seed: Annotated[int, typer.Option(help="Seed of the data generator (same seed, same data).")] = 1,
    db: Annotated[
        Path | None, typer.Option(help="SQLite file to keep the data in (default: memory).")
    ] = None,
    latency_ms: Annotated[
        int, typer.Option("--latency-ms", min=0, help="Delay added to every API call.")
    ] = 0,
    fail_rate: Annotated[
        float,
        typer.Option("--fail-rate", min=0.0, max=1.0, help="Fraction of API calls answered 429 or 5xx."),
    ] = 0.0,
    rate_limit: Annotated[
        str | None, typer.Option("--rate-limit", help="Sliding-window limit, e.g. 1000/min.")
    ] = None,
    token_ttl_s: Annotated[
        float, typer.Option("--token-ttl", min=0, help="Seconds an access token lives.")
    ] = 3600,
    today: Annotated[str | None, typer.Option(help="Date the data is generated around (YYYY-MM-DD).")] = None,
    client_id: Annotated[str, typer.Option(help="Accepted OAuth2 client id.")] = "sandbox",
    client_secret: Annotated[str, typer.Option(help="Accepted OAuth2 client secret.")] = "sandbox",
) -> None:
    """Serve Tribe's token endpoint and OData API on loopback, with generated tenant data."""
    context = app_context(ctx)
    if scale not in SCALES:
        raise typer.BadParameter(f"choose one of {', '.join(SCALES)}", param_hint="--scale")
    anchor = parse_day(today, dt.date.today())
    faults = Faults(
        latency_ms=latency_ms,
        fail_rate=fail_rate,
        rate_limit_per_min=_rate(rate_limit),
        token_ttl_s=token_ttl_s,
    )
    state = build_state(
        scale=scale,
        seed=seed,
        db=str(db) if db else ":memory:",
        anchor=anchor,
        faults=faults,
        clients={client_id: client_secret},
    )
    if host not in ("127.0.0.1", "localhost", "::1"):
        context.err.print(
            f"[yellow]warning:[/yellow] serving on {host}, not loopback; anyone who can reach it can "
            "use the sandbox's known credentials"
        )
    context.err.print(
        f"Tribe sandbox ({scale}, seed {seed}) on http://{host}:{port}  "
        f"token: /oauth2/token  OData: /v1/odata/  client: {client_id}"
    )
    serve(state, host, port)
