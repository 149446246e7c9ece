"""`tribe-sync requests list`, `forecasts list`, `accountability report`: what staff look at.

They read the read model (a delta refresh first when it is older than `mirror.max_age_s`; `--fresh`
re-reads the CRM), say how old their data is, and show every record: one that does not map is listed
as a problem with its order number, in a section of its own (`problems` in `--json`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from tribe_sync.bootstrap import Services
from tribe_sync.cli.context import AppContext, app_context
from tribe_sync.cli.options import parse_month, parse_quarter, parse_quarter_filter, parse_state
from tribe_sync.cli.output import counted_table, emit_json, table
from tribe_sync.cli.views import (
    Fresh,
    Limit,
    emit_list,
    other_problems_line,
    other_sets_problems_line,
    problems_in,
    problems_of,
    problems_table,
    read_model_as_of,
)
from tribe_sync.cli.wording import (
    STOCK_COLUMNS,
    actor_words,
    change_words,
    day_words,
    dutch_date,
    forecast_state_words,
    local_moment,
    processor_words,
    reason_words,
    task_status_words,
    task_words,
)
from tribe_sync.domain.accountability import STOCK_PROBLEMS
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.store.readmodel.queries import (
    ForecastLine,
    ProblemRow,
    ReadModel,
    RequestLine,
    RequestRow,
    StockRow,
)
from tribe_sync.store.readmodel.refresh import MirrorSet

if TYPE_CHECKING:
    from tribe_sync.mappers.schema import TenantSchema

requests = typer.Typer(help="Requests (aanvragen).", no_args_is_help=True)
forecasts = typer.Typer(help="Forecasts (prognoses).", no_args_is_help=True)
accountability = typer.Typer(
    help="Accountability (verantwoording): stock per organisation.", no_args_is_help=True
)

Json = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
Org = Annotated[str | None, typer.Option(help="Organisation: its ID or part of its name.")]

REQUEST_SETS = (MirrorSet.ORGANISATIONS, MirrorSet.REQUESTS)
FORECAST_SETS = (MirrorSet.ORGANISATIONS, MirrorSet.FORECASTS)
STOCK_SETS = (MirrorSet.ORGANISATIONS, MirrorSet.REQUESTS, MirrorSet.REPORTS)


# The CSV staff open in a spreadsheet: the organisation by name, Dutch headers, ISO dates (which a
# spreadsheet sorts and reads as dates); IDs only in --json.


K = TypeVar("K")
V = TypeVar("V")
STATUS_WORDS = {s.name: s.label for s in RequestStatus}


class SaidOnce(dict[K, V]):
    """Words for a value a long list repeats thousands of times (a few hundred days, months and
    quarters in 36,000 rows), each worked out on its first look-up only; every later one is a plain
    dictionary hit. One per list: a view runs in a fresh process (or fork) every time."""

    def __init__(self, words: Callable[[K], V]) -> None:
        super().__init__()
        self._words = words

    def __missing__(self, value: K) -> V:
        said = self[value] = self._words(value)
        return said


def _quarter_and_deadline(quarter: tuple[int, int]) -> tuple[str, str]:
    """A quarter's words and the day its forecast is due, in words."""
    found = Quarter(*quarter)
    return found.label, day_words(found.forecast_deadline)


def _csv_rows(rows: list[dict[str, Any]]) -> list[dict[str, object]]:
    return [{header: row.get(key) for key, header in STOCK_COLUMNS.items()} for row in rows]


def _status(text: str | None, schema: TenantSchema) -> RequestStatus | None:
    """`--status` as a status; None without one."""
    if not text:
        return None
    from tribe_sync.reports import parse_status  # noqa: PLC0415 - with the snapshot's types: for --status only

    return parse_status(text, schema)


ORGS_NAMED = 3  # names a too-loose --org notice lists before "en N andere"


def organisation_ids(model: ReadModel, org: str | None, context: AppContext) -> list[str] | None:
    """The organisations `--org` names (an ID or part of a name); a usage error if none does. A whole
    name (any case) names that one organisation, even where it is part of others' names ("Bibliotheek
    Venlo 1" and "… 13"). When it names more than one, stderr says how many and which, so that a
    too-loose filter (`--org 5` matches every name with a 5) is noticed; the list and its JSON stay as
    they are."""
    if org is None:
        return None
    if not org.strip():  # an empty name matches every organisation: the filter would silently do nothing
        raise typer.BadParameter(
            "geef (een deel van) de naam van een organisatie; leeg kan niet", param_hint="--org"
        )
    found = model.organisations(org)
    if not found:
        raise typer.BadParameter(
            f"geen organisatie gevonden bij {org!r} (geef een deel van de naam)", param_hint="--org"
        )
    whole = [o for o in found if o.name.casefold() == org.strip().casefold()]
    if len(found) > 1 and len(whole) == 1:
        return [whole[0].id]
    if len(found) > 1:
        names = ", ".join(o.name for o in found[:ORGS_NAMED])
        rest = len(found) - ORGS_NAMED
        context.err.print(
            f"let op: --org {org!r} past bij {len(found)} organisaties: {names}"
            + (f" en {rest} andere" if rest > 0 else "")
            + "; geef de hele naam voor één organisatie",
            highlight=False,
            soft_wrap=True,
        )
    return [o.id for o in found]


@requests.command("list")
def list_requests(
    ctx: typer.Context,
    status: Annotated[
        str | None, typer.Option(help="WAITING, PROCESSING, ... (or the CRM code or Dutch label).")
    ] = None,
    org: Org = None,
    month: Annotated[str | None, typer.Option(help="Delivery month: 2027-01 or januari 2027.")] = None,
    newest_first: Annotated[bool, typer.Option("--newest-first", help="Newest request first.")] = False,
    limit: Limit = None,
    fresh: Fresh = False,
    as_json: Json = False,
) -> None:
    """Requests, oldest first (an organisation's queue order), filtered by status, organisation and
    delivery month; requests that do not map are listed as problems."""
    context = app_context(ctx)
    with Services(context.settings) as services:
        try:
            wanted = _status(status, services.schema)
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--status") from None
        target = parse_month(month, "--month") if month else None
        as_of = read_model_as_of(context, services, REQUEST_SETS, fresh=fresh)
        model = services.read_model
        chosen: dict[str, Any] = {
            "status": wanted,
            "organisation_ids": organisation_ids(model, org, context),
            "month": target,
            "newest_first": newest_first,
            "limit": limit,
        }
        problems = model.problems([s.value for s in REQUEST_SETS])
        if as_json:  # each row as the database writes it: the same object as RequestRow.as_dict
            emit_list("requests", model.requests_json(**chosen), problems, as_of)
            return
        # Streamed: counted first for the title, then each row written as the database gives it.
        filtered = any(given is not None for given in (wanted, org, target))
        listed: dict[str, set[str]] = {MirrorSet.REQUESTS.value: set(), MirrorSet.ORGANISATIONS.value: set()}
        total = model.count_requests(status=wanted, organisation_ids=chosen["organisation_ids"], month=target)
        count = total if limit is None else min(total, limit)
        counted_table(
            context,
            f"Aanvragen ({count} van {total})" if count < total else f"Aanvragen ({count})",
            ["ordernummer", "organisatie", "status", "aantal", "leveringsmaand", "aangevraagd", "leverdatum"],
            _request_cells(model.request_lines(**chosen), listed if filtered else None),
            count,
        )
        shown: Iterable[ProblemRow] = problems
        others = 0
        # Under a list of the whole programme (--limit only cuts its rows) every problem belongs.
        if filtered:
            shown, others = problems_of(problems, listed)
        if target is not None and not count and not any(m.month == target.code for m in model.months()):
            # A hint, not a refusal: a script may ask for a month before Tribe has it (exit 0 stays).
            context.err.print(
                f"er is geen leveringsmaand {target.label} in Tribe; "
                "`tribe-sync months list` toont de maanden",
                highlight=False,
            )
        problems_table(context, shown)
        other_problems_line(context, others, "tribe-sync requests list")


def _request_cells(
    lines: Iterable[RequestLine], listed: dict[str, set[str]] | None
) -> Iterator[tuple[str, ...]]:
    """Each request's cells as staff read them, as text, a status, month or day put into words once
    for all the rows that share it; `listed` (if given) collects which requests and organisations
    were shown, for the problems of a filtered list."""
    requests = listed[MirrorSet.REQUESTS.value] if listed is not None else None
    organisations = listed[MirrorSet.ORGANISATIONS.value] if listed is not None else None
    months: SaidOnce[str, str] = SaidOnce(lambda code: Month.parse(code).label)
    days = SaidOnce(day_words)
    for request_id, organisation_id, number, organisation, status, quantity, month, on, delivered in lines:
        if requests is not None and organisations is not None:
            requests.add(request_id)
            organisations.add(organisation_id)
        yield (
            number,
            organisation,
            STATUS_WORDS[status],
            str(quantity),
            months[month],
            days[on],
            days[delivered],
        )


@requests.command("show")
def show_request(
    ctx: typer.Context,
    number: Annotated[str, typer.Argument(help="The order number, e.g. AD2026-00351.")],
    fresh: Fresh = False,
    as_json: Json = False,
) -> None:
    """Everything about one request: its fields, its status history with who and why (the journal's
    audit trail, allocation reasons included), its stock, and the tasks we made for it."""
    context = app_context(ctx)
    wanted = number.strip().upper()
    with Services(context.settings) as services:
        as_of = read_model_as_of(context, services, (*STOCK_SETS, MirrorSet.TASKS), fresh=fresh)
        model = services.read_model
        found = next(model.requests(number=wanted), None)
        problems = list(model.problems(["requests"], number=wanted))
        if found is None and not problems:
            raise typer.BadParameter(
                f"er is geen aanvraag {wanted} in Tribe (stand van "
                f"{local_moment(as_of, services.schema.timezone)})"
            )
        history = services.journal.audit_trail(target_id=found.id) if found else []
        handed_out, last_report = model.handed_out(found.id) if found else (0, None)
        whole = model.stock(organisation_id=found.organisation_id) if found else []
        tasks = model.tasks(found.id, found.organisation_id) if found else []
        processors = model.processor_names()
        tz = services.schema.timezone
        phases = services.schema.tenant.task_phases
    steps = [
        {
            "at": entry["at"].isoformat() if entry["at"] else None,
            "key": entry["key"],
            "before": entry["before"],
            "after": entry["after"],
            "reason": entry["reason"],
            "reason_nl": reason_words(entry["reason"]),
            "by": entry["actor"],
        }
        for entry in history
    ]
    stock = None
    if found is not None:
        received = found.delivered_quantity if found.delivered_quantity is not None else found.quantity
        delivered = found.status.name == "CLOSED"
        stock = {
            "received": received if delivered else 0,
            "handed_out": handed_out,
            "in_stock": max(received - handed_out, 0) if delivered else 0,
            "last_report": last_report.isoformat() if last_report else None,
        }
    # The processor by name from the read model, which keeps them: no call to Tribe for it.
    processor = (processors.get(found.processor_id or "") or None) if found else None
    document = {
        "request": {**found.as_dict(), "processor": processor} if found else None,
        "history": steps,
        "stock": stock,
        "tasks": [{"key": t.key, "status": t.status} for t in tasks],
        "problems": [p.as_dict() for p in problems],
        "as_of": as_of.isoformat(),
    }
    if as_json:
        emit_json(document)
        return
    if found is not None:
        table(
            context,
            f"Aanvraag {found.order_number}",
            ["gegeven", "waarde"],
            _request_lines(found, processor_words(found.processor_id, processors)),
        )
        table(
            context,
            f"Geschiedenis ({len(history)})",
            ["wanneer", "wijziging", "door", "waarom"],
            [
                (
                    local_moment(e["at"], tz),
                    change_words(e["before"], e["after"], e["entity_set"]),
                    actor_words(e["actor"]),
                    reason_words(e["reason"]),
                )
                for e in history
            ],
        )
        if stock is not None:
            # This request's own devices: staff took 0 here for the organisation's stock, so the
            # title says whose it is, and the organisation's total follows by name.
            table(
                context,
                "Voorraad van deze aanvraag (niet de hele organisatie)",
                ["ontvangen", "uitgegeven", "nog op voorraad", "laatste verantwoording"],
                [(stock["received"], stock["handed_out"], stock["in_stock"], dutch_date(last_report))],
            )
            context.out.print(_organisation_stock_line(found.organisation, whole), highlight=False)
        table(
            context,
            f"Taken in Tribe ({len(tasks)})",
            ["taak", "status in Tribe"],
            [(task_words(t.key), task_status_words(t.status, phases.open, phases.done)) for t in tasks],
        )
    problems_table(context, problems)


def _organisation_stock_line(organisation: str, whole: list[StockRow]) -> str:
    """The organisation's stock over all its delivered requests (the read model's `mirror_stock`)."""
    if not whole:
        return f"{organisation} als geheel: nog niets geleverd, dus geen voorraad"
    row = whole[0]
    return (
        f"{organisation} als geheel (alle geleverde aanvragen): {row.in_stock} op voorraad "
        f"({row.received} ontvangen, {row.handed_out} uitgegeven)"
    )


def _request_lines(found: RequestRow, processor: str) -> list[tuple[str, object]]:
    """One request as staff read it: names and Dutch labels, no record IDs (those are in --json)."""
    return [
        ("organisatie", found.organisation),
        ("status", found.status.label),
        ("aantal", f"{found.quantity} ({found.product.lower()})"),
        ("leveringsmaand", Month.parse(found.month).label),
        ("aangevraagd op", dutch_date(found.requested_on)),
        ("referentie", found.reference or "—"),
        ("verwerker", processor),
        ("bevestigd door verwerker op", dutch_date(found.processor_confirmed_on)),
        ("leverdatum", dutch_date(found.delivery_date)),
        ("geleverd aantal", "—" if found.delivered_quantity is None else found.delivered_quantity),
    ]


@forecasts.command("list")
def list_forecasts(
    ctx: typer.Context,
    year: Annotated[int | None, typer.Option(min=2000, max=2100, help="Only this year.")] = None,
    quarter: Annotated[
        str | None,
        typer.Option(help="Only this quarter: 1-4, or K1 2027 / 2027-Q1 (which sets the year)."),
    ] = None,
    org: Org = None,
    state: Annotated[
        str | None,
        typer.Option(
            help="Only forecasts that telt, are vervangen or te laat (or effective, superseded, late)."
        ),
    ] = None,
    limit: Limit = None,
    fresh: Fresh = False,
    as_json: Json = False,
) -> None:
    """Forecasts: which one counts (effective), which were replaced (superseded), which came late."""
    wanted = parse_state(state)
    year, number = parse_quarter_filter(quarter, year)
    context = app_context(ctx)
    with Services(context.settings) as services:
        as_of = read_model_as_of(context, services, FORECAST_SETS, fresh=fresh)
        model = services.read_model
        chosen: dict[str, Any] = {
            "year": year,
            "quarter": number,
            "organisation_ids": organisation_ids(model, org, context),
            "state": wanted,
            "limit": limit,
        }
        problems = list(model.problems([s.value for s in FORECAST_SETS]))
        if as_json:  # each row as the database writes it (with the rules' deadline and state)
            emit_list("forecasts", model.forecasts_json(**chosen), problems, as_of)
            return
        total = model.count_forecasts(**{k: v for k, v in chosen.items() if k != "limit"})
        count = total if limit is None else min(total, limit)
        # Streamed: the rows go out as the database gives them, in words said once per value.
        counted_table(
            context,
            f"Prognoses ({count} van {total})" if count < total else f"Prognoses ({count})",
            ["organisatie", "kwartaal", "product", "aantal", "ingediend", "deadline", "stand"],
            _forecast_cells(model.forecast_lines(**chosen)),
            count,
        )
        problems_table(context, problems)


def _forecast_cells(lines: Iterable[ForecastLine]) -> Iterator[tuple[str, ...]]:
    """Each forecast's cells as staff read them, as text. A quarter, a day, a product or a state
    recurs thousands of times in the whole programme: each is put into words once, in a dictionary;
    a row's quarter and product are mostly the row before's (the list is in that order)."""
    quarters = SaidOnce(_quarter_and_deadline)
    days = SaidOnce(day_words)
    products = SaidOnce(str.lower)
    states = SaidOnce(forecast_state_words)
    last: tuple[int, int, str] | None = None
    quarter_said = deadline_said = product_said = ""
    for organisation, year, number, product, quantity, submitted_on, state in lines:
        if last is None or last[0] != year or last[1] != number or last[2] != product:
            last = (year, number, product)
            quarter_said, deadline_said = quarters[year, number]
            product_said = products[product]
        yield (
            organisation,
            quarter_said,
            product_said,
            str(quantity),
            days[submitted_on],
            deadline_said,
            states[state],
        )


@accountability.command("report")
def report(
    ctx: typer.Context,
    quarter: Annotated[
        str | None,
        typer.Option(
            help="As it stood at the end of this quarter: K3 2026 or 2026-Q3; the current one so far."
        ),
    ] = None,
    fresh: Fresh = False,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV (for a spreadsheet).")] = False,
) -> None:
    """Per organisation: received, handed out, in stock, oldest undistributed delivery, last report."""
    context = app_context(ctx)
    if as_json and as_csv:
        raise typer.BadParameter("kies --json of --csv, niet allebei", param_hint="--csv")
    with Services(context.settings) as services:
        today = services.today()
        as_of_quarter = parse_quarter(quarter, today) if quarter else None
        as_of = read_model_as_of(context, services, STOCK_SETS, fresh=fresh)
        model = services.read_model
        if model.stock_missing():
            _stock_not_worked_out(context)
        stock = model.stock(as_of_quarter)
        problems = list(model.problems([s.value for s in STOCK_SETS]))
    rows = [s.as_dict() for s in stock]
    totals = {
        "received": sum(s.received for s in stock),
        "handed_out": sum(s.handed_out for s in stock),
        "in_stock": sum(s.in_stock for s in stock),
    }
    if as_json:
        quarter_text = str(as_of_quarter) if as_of_quarter else None
        emit_list("organisations", rows, problems, as_of, quarter=quarter_text, totals=totals)
    elif as_csv:
        from tribe_sync.peoplefiles import csv_text  # noqa: PLC0415 - for --csv only

        typer.echo(csv_text(list(STOCK_COLUMNS.values()), _csv_rows(rows)), nl=False)
    else:
        table(
            context,
            _report_title(as_of_quarter, today),
            list(STOCK_COLUMNS.values()),
            [
                *(
                    (
                        r["organisation"],
                        r["received"],
                        r["handed_out"],
                        r["in_stock"],
                        day_words(r["oldest_undistributed_delivery"]),
                        day_words(r["last_report"]),
                    )
                    for r in rows
                ),
                ("totaal", totals["received"], totals["handed_out"], totals["in_stock"], None, None),
            ],
        )
        if not rows:  # a quarter before the first delivery: say why the total is all zeros
            when = (
                ""
                if as_of_quarter in (None, Quarter.of(today))
                else f" aan het eind van {as_of_quarter.label}"
            )
            context.err.print(f"Nog geen organisatie had{when} laptops ontvangen.", highlight=False)
        # The organisations' and reports' problems, and the requests' the stock rules found (why an
        # organisation's sums do not add up); the requests' others are counted, not shown.
        shown, others = problems_in(problems, (MirrorSet.ORGANISATIONS, MirrorSet.REPORTS), STOCK_PROBLEMS)
        problems_table(context, shown)
        other_sets_problems_line(context, others, "aanvragen", "tribe-sync requests list")


def _stock_not_worked_out(context: AppContext) -> NoReturn:
    """A report of stock not worked out yet: said, with what fills it, and exit 1; never zeros."""
    context.err.print(
        "[red]fout:[/red] de voorraad is nog niet uitgerekend uit de opgeslagen aanvragen en "
        "verantwoordingen, dus er is nog geen verantwoording te tonen (geen nullen). "
        "`tribe-sync store upgrade` rekent hem uit zonder Tribe; "
        "`tribe-sync mirror refresh --full` leest Tribe opnieuw en doet het ook.",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(1)


def _report_title(quarter: Quarter | None, today: dt.date) -> str:
    """The report's heading: as of the end of a past quarter, or the current quarter so far."""
    if quarter is None:
        return "Verantwoording"
    if quarter == Quarter.of(today):
        return f"Verantwoording {quarter.label} tot nu toe"
    return f"Verantwoording aan het eind van {quarter.label}"
