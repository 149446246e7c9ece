"""`tribe-sync mirror refresh|status`: the read model that staff lists, reports and the console read."""

from __future__ import annotations

import datetime as dt
import signal
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn
from zoneinfo import ZoneInfo

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.output import emit_json, table
from tribe_sync.errors import ConfigError, LockHeldError, TribeSyncError
from tribe_sync.failures import describe_failure
from tribe_sync.store.readmodel.refresh import REFRESH_CLAIM, MirrorSet, SetRefresh

app = typer.Typer(
    help="The read model: the programme's non-personal fields, kept fresh from the CRM.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


@app.command("refresh")
def refresh(
    ctx: typer.Context,
    full: Annotated[
        bool, typer.Option("--full", help="Re-read everything; removes what the CRM no longer has.")
    ] = False,
    as_json: Json = False,
) -> None:
    """Read what changed in the CRM since the last refresh (a set never read is read whole)."""
    context = app_context(ctx)
    zone = ZoneInfo(context.settings.programme.timezone)
    done: list[SetRefresh] = []
    with Services(context.settings) as services, _released_on_sigterm():
        mirror = services.mirror
        try:
            mirror.refresh(
                full=full,
                done=done,
                on_wait=lambda _held: context.err.print(
                    f"Another refresh of the read model is under way; waiting up to "
                    f"{round(mirror.wait.total_seconds())} s for it to finish…",
                    highlight=False,
                ),
            )
        except (KeyboardInterrupt, SystemExit) as stop:  # Ctrl+C, or SIGTERM (_released_on_sigterm)
            code = 130 if isinstance(stop, KeyboardInterrupt) else stop.code
            context.err.print(f"interrupted: {_kept(done, mirror.sets())}", highlight=False, soft_wrap=True)
            raise typer.Exit(code if isinstance(code, int) else 1) from None
        except LockHeldError as exc:
            _failed(context, as_json, done, _still_under_way(exc, mirror.wait, zone), 1)
        except TribeSyncError as exc:
            if not as_json or isinstance(exc, ConfigError):
                raise
            failure = describe_failure(exc, context.loaded_settings)
            _failed(context, as_json, done, failure.message, failure.exit_code)
    rows = _rows(done)
    if as_json:
        emit_json({"sets": rows})
        return
    table(
        context,
        "Read model refreshed (local times)",
        ["set", "mode", "read", "problems", "removed", "cursor"],
        [
            (r["set"], r["mode"], r["read"], r["problems"], r["removed"], _shown(r["cursor"], zone))
            for r in rows
        ],
    )


@app.command("status")
def status(ctx: typer.Context, as_json: Json = False) -> None:
    """Per set: last delta and full refresh, records, problems, cursor, age, and whether it is stale."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        now = services.clock()
        rows = [_status_row(row, now) for row in services.mirror.status()]
        held = services.journal.holder_of(REFRESH_CLAIM, now)
        under_way = (
            None
            if held is None
            else {"holder": held[0], "until": _iso(held[1]), "holder_gone": services.is_dead(held[0])}
        )
    if as_json:
        emit_json(
            {"sets": rows, "max_age_s": context.settings.mirror.max_age_s, "refresh_under_way": under_way}
        )
        return
    zone = ZoneInfo(context.settings.programme.timezone)
    table(
        context,
        "Read model (local times)",
        ["set", "records", "problems", "age (s)", "last delta", "last full", "cursor", "stale since"],
        [
            (
                r["set"],
                r["records"] if r["last_delta_at"] else "—",  # not 0: nothing is known of it yet
                r["problems"] if r["last_delta_at"] else "—",
                r["age_s"],
                _shown(r["last_delta_at"], zone) or "never read",
                _shown(r["last_full_at"], zone),
                _shown(r["cursor"], zone),
                _shown(r["stale_since"], zone),
            )
            for r in rows
        ],
    )
    for line in _status_notes(rows, under_way):
        context.out.print(line, highlight=False, soft_wrap=True)


def _status_notes(rows: list[dict[str, Any]], under_way: Mapping[str, Any] | None) -> list[str]:
    """What the table alone would not say: a refresh under way, or one stopped halfway (its process
    is gone), whose unfinished sets still show their previous refresh; and the sets never read."""
    notes = []
    if under_way is not None and under_way["holder_gone"]:
        notes.append(
            f"A refresh was stopped before it finished ({under_way['holder']} is gone): the sets it did "
            "not finish show their previous refresh. The next refresh takes its claim over."
        )
    elif under_way is not None:
        notes.append(
            f"A refresh is under way ({under_way['holder']}): the sets it has not finished yet show "
            "their previous refresh."
        )
    never = [r["set"] for r in rows if not r["last_delta_at"]]
    if never:
        notes.append(f"Never read: {', '.join(never)}. Run `tribe-sync mirror refresh` to read them.")
    return notes


def _rows(done: Iterable[SetRefresh]) -> list[dict[str, Any]]:
    return [
        {
            "set": r.name.value,
            "mode": r.mode.value,
            "read": r.read,
            "problems": r.problems,
            "removed": r.removed,
            "cursor": _iso(r.cursor),
        }
        for r in done
    ]


def _failed(context: AppContext, as_json: bool, done: list[SetRefresh], message: str, code: int) -> NoReturn:
    """A refresh that could not be done: with `--json` one document on stdout, as `jobs run --json`
    has it (`error` next to what was done: the sets finished before it failed), else a line."""
    if as_json:
        emit_json({"sets": _rows(done), "error": message})
    else:
        context.err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _still_under_way(held: LockHeldError, wait: dt.timedelta, zone: ZoneInfo) -> str:
    """Another process's refresh did not finish while we waited: what to do, in local time."""
    said = (
        f"another refresh of the read model is still under way after {round(wait.total_seconds())} s "
        "of waiting; it carries on by itself. Run `tribe-sync mirror status` to see when it has "
        "finished, or `tribe-sync mirror refresh` again later"
    )
    if held.until is not None:
        lapses = f"{held.until.astimezone(zone):%H:%M:%S}"
        said += f" (if it was stopped, a refresh can start again at {lapses} local time at the latest)"
    return said + "."


def _kept(done: list[SetRefresh], sets: Iterable[MirrorSet]) -> str:
    """What an interrupted refresh kept: the sets it finished are refreshed; the one it was reading
    has the records read so far updated and its cursor unmoved; the rest are as they were."""
    finished = [r.name for r in done]
    rest = [s for s in sets if s not in finished]
    parts = []
    if finished:
        parts.append(f"{', '.join(s.value for s in finished)} refreshed and kept")
    if rest:
        parts.append(
            f"{rest[0].value} partly read (the records read so far are updated; its cursor and last "
            "refresh stay as they were)"
        )
    if rest[1:]:
        parts.append(f"{', '.join(s.value for s in rest[1:])} as before")
    if rest:
        parts.append("run it again to finish")
    return "; ".join(parts) + "."


@contextmanager
def _released_on_sigterm() -> Iterator[None]:
    """SIGTERM (a service manager stopping us, `kill`) ends the refresh the way Ctrl+C does: the
    refresh claim is released on the way out, so the next refresh need not wait for it to expire.
    (After SIGKILL the next refresh on this host sees the holder is gone and takes the claim over.)"""

    def stop(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread gets signals
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _status_row(row: Mapping[str, Any], now: dt.datetime) -> dict[str, Any]:
    last = _aware(row.get("last_delta_at"))
    return {
        "set": row["name"],
        "records": row.get("records", 0),
        "problems": row.get("problems", 0),
        "last_delta_at": _iso(last),
        "last_full_at": _iso(_aware(row.get("last_full_at"))),
        "cursor": _iso(_aware(row.get("cursor"))),
        "stale_since": _iso(_aware(row.get("stale_since"))),
        "age_s": round((now - last).total_seconds()) if last else None,
    }


def _shown(iso: str | None, zone: ZoneInfo) -> str:
    """An ISO moment (as --json has it) for a person: local time to the second, no microseconds."""
    if iso is None:
        return ""
    return f"{dt.datetime.fromisoformat(iso).astimezone(zone):%Y-%m-%d %H:%M:%S}"


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    return value.replace(tzinfo=dt.UTC) if value is not None and value.tzinfo is None else value


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value is not None else None
