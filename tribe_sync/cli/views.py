"""What every staff list and report shares: a read model fresh enough, its age said out loud, every
record shown (the ones that do not map as problems), and `--json` as one document streamed out."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Collection, Iterable, Mapping
from typing import Annotated, Any

import typer
from rich.markup import escape

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext
from tribe_sync.cli.output import table
from tribe_sync.cli.wording import dutch_datetime
from tribe_sync.domain.counts import counted
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
    delta refresh runs first when they are older than `mirror.max_age_s` or a webhook marked them."""
    mirror = services.mirror
    if fresh:
        mirror.refresh(sets, full=True)
        as_of = mirror.as_of(sets)
        assert as_of is not None, "just refreshed"
    else:
        as_of = mirror.ensure_fresh(sets, dt.timedelta(seconds=context.settings.mirror.max_age_s))
    age = max(0, round((services.clock() - as_of).total_seconds()))
    moment = dutch_datetime(as_of, services.schema.timezone)
    said = "zojuist uit Tribe gelezen" if fresh else f"{age} s oud; --fresh leest Tribe opnieuw"
    context.err.print(f"gegevens van {moment} ({said})", highlight=False)
    return as_of


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
    for index, row in enumerate(rows):
        text = row if isinstance(row, str) else json.dumps(row, ensure_ascii=False, default=str)
        chunk.append(("," if index else "") + "\n  " + text)
        if len(chunk) == ROWS_PER_WRITE:
            write("".join(chunk))
            chunk.clear()
    write("".join(chunk))
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


def problems_in(problems: list[ProblemRow], sets: Collection[MirrorSet]) -> tuple[list[ProblemRow], int]:
    """The problems of the sets a view shows, and how many belong to the other sets it read."""
    names = {s.value for s in sets}
    shown = [p for p in problems if p.set_name in names]
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
