"""What every staff list and report shares: a read model fresh enough, its age said out loud, every
record shown (the ones that do not map as problems), and `--json` as one document streamed out."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Collection, Iterable, Mapping
from typing import Annotated, Any, NoReturn
from urllib.parse import urlsplit

import typer
from rich.markup import escape

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext
from tribe_sync.cli.output import table
from tribe_sync.cli.wording import dutch_datetime
from tribe_sync.domain.counts import counted
from tribe_sync.errors import (
    APIStatusError,
    CRMError,
    CRMTimeoutError,
    CRMUnreachableError,
    LockHeldError,
    TokenError,
    TransportError,
)
from tribe_sync.failures import describe_failure
from tribe_sync.store.readmodel.queries import ProblemRow
from tribe_sync.store.readmodel.refresh import MirrorSet

__all__ = [
    "Fresh",
    "Limit",
    "emit_list",
    "other_problems_line",
    "other_sets_problems_line",
    "problems_in",
    "problems_of",
    "problems_table",
    "read_model_as_of",
]

Fresh = Annotated[
    bool,
    typer.Option("--fresh", help="Re-read these sets from the CRM now instead of the read model's copy."),
]
Limit = Annotated[int | None, typer.Option("--limit", min=1, help="Show at most this many rows.")]
ROWS_PER_WRITE = 1000


def read_model_as_of(
    context: AppContext, services: Services, sets: Collection[MirrorSet], *, fresh: bool
) -> dt.datetime:
    """Make the read model fresh enough for a view of `sets` and say on stderr how old it is.

    `--fresh` re-reads the sets whole from the CRM (a full refresh of just those sets); otherwise a
    delta refresh runs first when they are older than `mirror.max_age_s` or a webhook marked them.
    When Tribe cannot be read, or another process is refreshing, the stored copy is shown and that
    is said; only a view with nothing stored yet, or `--fresh`, fails (exit code as for any CRM
    failure), in words that name the sets, not their IDs in Tribe."""
    mirror = services.mirror
    zone = services.schema.timezone
    if fresh:
        try:
            mirror.refresh(
                sets,
                full=True,
                on_wait=lambda _held: context.err.print(
                    "Tribe wordt al door een ander proces gelezen; even wachten tot dat klaar is…",
                    highlight=False,
                ),
            )
        except (CRMError, LockHeldError) as exc:
            _not_read(context, exc, sets, mirror.as_of(sets), fresh=True)
        as_of = mirror.as_of(sets)
        assert as_of is not None, "just refreshed"
        moment = dutch_datetime(as_of, zone)
        context.err.print(f"gegevens van {moment} (zojuist uit Tribe gelezen)", highlight=False)
        return as_of

    def first_fill(never: list[MirrorSet]) -> None:
        context.err.print(
            f"De {_sets_words(never)} worden voor het eerst uit Tribe gelezen; dat kan even duren.",
            highlight=False,
        )

    def whole_read(again: list[MirrorSet]) -> None:
        context.err.print(
            f"De {_sets_words(again)} worden in hun geheel opnieuw uit Tribe gelezen; dat kan even duren.",
            highlight=False,
        )

    if mirror.as_of(sets) is not None:  # a stored copy to fall back on: Tribe gets one brief try
        services.brief_crm_reads(context.settings.mirror.view_timeout_s)
    try:
        found = mirror.ensure_fresh(
            sets,
            dt.timedelta(seconds=context.settings.mirror.max_age_s),
            on_first_fill=first_fill,
            on_whole_read=whole_read,
        )
    except (CRMError, LockHeldError) as exc:
        never = [s for s in sets if mirror.as_of([s]) is None]
        _not_read(context, exc, never or sets, None, fresh=False)
    as_of = found.as_of
    moment = dutch_datetime(as_of, zone)
    age = max(0, round((services.clock() - as_of).total_seconds()))
    if found.unreachable is not None:
        said = f"Tribe is niet bereikbaar ({_why(found.unreachable)}); dit zijn de gegevens van {moment}"
        context.err.print(f"{said} ({_age_words(age)} oud)", highlight=False)
    elif found.under_way:
        context.err.print(
            f"gegevens van {moment} ({_age_words(age)} oud); Tribe wordt op dit moment door een ander "
            "proces opnieuw gelezen, dit is wat er al is",
            highlight=False,
        )
    else:
        said = f"{_age_words(age)} oud; --fresh leest Tribe opnieuw"
        context.err.print(f"gegevens van {moment} ({said})", highlight=False)
    return as_of


def _not_read(
    context: AppContext,
    exc: CRMError | LockHeldError,
    sets: Collection[MirrorSet],
    as_of: dt.datetime | None,
    *,
    fresh: bool,
) -> NoReturn:
    """The view cannot be shown as asked: say why in Dutch, naming the sets, and exit as the edge
    would for `exc` (2 when a setting is wrong, else 1). The operator's hint for a wrong setting
    follows in English."""
    words = _sets_words(sets)
    if isinstance(exc, LockHeldError):
        said = (
            f"de {words} worden op dit moment al door een ander proces uit Tribe gelezen; "
            "probeer --fresh over een paar minuten opnieuw, of laat --fresh weg voor wat er nu is"
        )
        context.err.print(f"[red]fout:[/red] {said}", highlight=False, soft_wrap=True)
        raise typer.Exit(1)
    failure = describe_failure(exc, context.loaded_settings)
    if fresh:
        said = f"Tribe is niet bereikbaar ({_why(exc)}), dus de {words} konden niet opnieuw gelezen worden."
        if as_of is not None:
            said += " Zonder --fresh toont dit de gegevens die er al zijn."
    else:
        said = (
            f"Tribe is niet bereikbaar ({_why(exc)}) en de {words} zijn nog nooit uit Tribe gelezen: "
            "er is nog niets te tonen. Probeer het opnieuw als Tribe weer bereikbaar is."
        )
    if failure.exit_code == 2:  # a setting is wrong: what the operator must check
        said += f"\n{failure.title}: {failure.message}"
    context.err.print(f"[red]fout:[/red] {escape(said)}", highlight=False, soft_wrap=True)
    raise typer.Exit(failure.exit_code)


def _why(exc: CRMError) -> str:
    """Why Tribe could not be read, in a few Dutch words and without Tribe's internal set IDs."""
    if isinstance(exc, CRMUnreachableError):
        return f"niets antwoordt op {urlsplit(exc.url).netloc or exc.url}"
    if isinstance(exc, CRMTimeoutError):
        return "Tribe antwoordt niet op tijd"
    if isinstance(exc, TransportError):
        return "geen verbinding met Tribe"
    if isinstance(exc, TokenError):
        return "aanmelden bij Tribe lukt niet"
    if isinstance(exc, APIStatusError):
        return f"Tribe antwoordt met foutcode {exc.status}"
    return "Tribe geeft een onverwacht antwoord"


def _age_words(seconds: int) -> str:
    return f"{seconds} s" if seconds < 120 else f"{seconds // 60} min"


def _sets_words(sets: Collection[MirrorSet]) -> str:
    names = [SETS_WORDS.get(s.value, s.value) for s in MirrorSet if s in set(sets)]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " en " + names[-1]


def emit_list(
    name: str,
    rows: Iterable[dict[str, Any] | str],
    problems: Iterable[ProblemRow],
    as_of: dt.datetime,
    **extra: Any,
) -> None:
    """`{"<name>": [...], "problems": [...], "as_of": ..., ...}` on stdout, written row by row so that
    a list of the whole programme is never held in memory at once. A row may come as a JSON text
    already (the database wrote it)."""
    write = sys.stdout.write
    write(f"{{{json.dumps(name)}: [")
    chunk: list[str] = []  # written a thousand rows at a time: one write per row cost a tenth at 10x
    before = "\n  "  # what goes before the next chunk's first row: a comma once a row is written
    for row in rows:
        chunk.append(row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str))
        if len(chunk) == ROWS_PER_WRITE:
            write(before + ",\n  ".join(chunk))
            chunk.clear()
            before = ",\n  "
    if chunk:
        write(before + ",\n  ".join(chunk))
    write('\n], "problems": [')
    for index, found in enumerate(problems):
        write(("," if index else "") + "\n  " + json.dumps(found.as_dict(), ensure_ascii=False))
    tail = {"as_of": as_of.isoformat(), **extra}
    write("\n], " + json.dumps(tail, ensure_ascii=False, default=str)[1:] + "\n")


def problems_of(
    problems: Iterable[ProblemRow], records: Mapping[str, Collection[str]]
) -> tuple[list[ProblemRow], int]:
    """The problems of the records a filtered list shows (`records`: per set, the IDs listed), and how
    many others there are: someone who asked for one month reads that month's problems, not all."""
    shown: list[ProblemRow] = []
    others = 0
    for found in problems:
        if found.record_id in records.get(found.set_name, ()):
            shown.append(found)
        else:
            others += 1
    return shown, others


def other_problems_line(context: AppContext, others: int, command: str) -> None:
    """Under a filtered list: that there are more problems, and where to see them all."""
    if others:
        context.err.print(
            f"{counted(others, 'ander probleem', 'andere problemen')} buiten deze selectie; "
            f"`{command}` zonder filters toont ze allemaal",
            highlight=False,
        )


def problems_in(
    problems: list[ProblemRow], sets: Collection[MirrorSet], codes: Collection[str] = ()
) -> tuple[list[ProblemRow], int]:
    """The problems of the sets a view shows, and those with `codes` whatever their set (the stock
    rules' problems of a request under the stock it explains); how many others belong to the other
    sets it read."""
    names = {s.value for s in sets}
    shown = [p for p in problems if p.set_name in names or p.code in codes]
    return shown, len(problems) - len(shown)


def other_sets_problems_line(context: AppContext, others: int, what: str, command: str) -> None:
    """Under a view: that records it does not show have problems (`what`, e.g. `aanvragen`), and
    which command shows them."""
    if others:
        context.err.print(
            f"{counted(others, 'probleem', 'problemen')} bij {what}; `{command}` toont ze",
            highlight=False,
        )


def problems_table(context: AppContext, problems: Iterable[ProblemRow]) -> None:
    """What is wrong with records, in a section of their own, by the name staff know the record by in
    Tribe (order number, organisation and quarter, month): a record that does not map is only here
    (staff looking for it find it here); one that breaks a rule is also in the list above."""
    rows = [
        (
            p.shown,
            SET_WORDS.get(p.set_name, p.set_name),
            "ja" if p.mapped else "nee",
            escape(p.message_nl),
            p.code,
        )
        for p in problems
    ]
    if rows:
        table(
            context,
            f"Problemen ({len(rows)}): 'in de lijst' nee betekent dat het record niet te gebruiken is",
            ["betreft", "soort", "in de lijst", "probleem", "code"],
            rows,
        )


# What each mirrored set's records are called in Dutch.
SET_WORDS = {
    "requests": "aanvraag",
    "organisations": "organisatie",
    "months": "leveringsmaand",
    "forecasts": "prognose",
    "reports": "verantwoording",
    "tasks": "taak",
}
SETS_WORDS = {
    "requests": "aanvragen",
    "organisations": "organisaties",
    "months": "leveringsmaanden",
    "forecasts": "prognoses",
    "reports": "verantwoordingen",
    "tasks": "taken",
}
