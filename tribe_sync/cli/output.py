"""Shared output helpers: JSON on stdout for machines, rich tables for people."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import typer
from rich.table import Table

from tribe_sync.cli.context import AppContext

__all__ = ["PLAIN_FROM", "counted_table", "emit_json", "plain_table", "table"]


def emit_json(document: Any) -> None:
    typer.echo(json.dumps(document, ensure_ascii=False, indent=2, default=str))


# From this many rows a table is printed plain: rich measures every cell of every row before it
# prints the first, which takes seconds for the whole programme at 10x and holds it all in memory.
PLAIN_FROM = 500
LINES_PER_WRITE = 1000


def table(context: AppContext, title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    if len(rows) >= PLAIN_FROM:
        plain_table(title, columns, rows)
        return
    grid = Table(title=title, title_justify="left")
    for column in columns:
        grid.add_column(column, overflow="fold")  # on a narrow terminal a long word folds, never "…"
    for row in rows:
        grid.add_row(*("" if cell is None else str(cell) for cell in row))
    context.out.print(grid)


def counted_table(
    context: AppContext, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]], count: int
) -> None:
    """`table` of rows that come as a stream, `count` of them (counted first, for the title): a long
    one is written as its rows come and never held, a short one as `table` draws it."""
    if count >= PLAIN_FROM:
        plain_table(title, columns, rows)
    else:
        table(context, title, columns, list(rows))


def plain_table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """A long table as text, a row at a time: the title, a header line, then tab-separated cells (a
    spreadsheet or `column -t -s$'\\t'` lines them up), with markup left as it is. Each row has a cell
    a column; a cell that holds a tab or a line break has it as a space."""
    write = sys.stdout.write
    write(f"{title}\n" + "\t".join(columns) + "\n")
    tabs = len(columns) - 1
    lines: list[str] = []
    held: list[Sequence[Any]] = []
    join = "\t".join

    def flush() -> None:
        text = "\n".join(lines)
        # Checked a thousand lines at a time: a cell with a tab or a line break shows in the counts.
        if text.count("\t") != tabs * len(lines) or text.count("\n") != len(lines) - 1:
            text = "\n".join(_plain_line(row) for row in held)
        write(text + "\n")
        lines.clear()
        held.clear()

    for row in rows:
        try:
            lines.append(join(row))  # cells that are text already (a long list's words): as they are
        except TypeError:
            lines.append(join(["" if cell is None else str(cell) for cell in row]))
        held.append(row)
        if len(lines) == LINES_PER_WRITE:
            flush()
    if lines:
        flush()


def _plain_line(row: Sequence[Any]) -> str:
    cells = ["" if cell is None else str(cell) for cell in row]
    line = "\t".join(cells)
    if line.count("\t") != len(cells) - 1 or "\n" in line:  # a cell holds a tab or a line break
        line = "\t".join(_plain(cell) for cell in cells)
    return line


def _plain(cell: Any) -> str:
    return str(cell).replace("\t", " ").replace("\n", " ")
