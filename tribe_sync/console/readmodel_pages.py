"""The pages on the read model: Leveringsmaanden, Aanvragen, Organisaties, Prognoses, Problemen.

They read the read-model engineer's query module (`tribe_sync.store.readmodel.queries`) and nothing
else; a page first has the read model refreshed by delta when it is older than `mirror.max_age_s`.
Closing or reopening a month is a staff plan applied by the one executor under the closing job's
claim, exactly as `tribe-sync months close|open` does, with the person as actor.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection
from typing import Any

from tribe_sync.console.app import Console, Ctx, Page
from tribe_sync.console.audit_words import actor_words, change_words
from tribe_sync.console.charts import MonthBar, month_chart
from tribe_sync.console.format import dutch_datetime
from tribe_sync.console.labels import FORECAST_STATES, PROBLEM_TITLES, processor_words
from tribe_sync.console.paging import Pager
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import ForecastState
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.errors import CRMError, LockHeldError
from tribe_sync.jobs.reasons import reason_words
from tribe_sync.jobs.staff import CLOSING_JOB, month_plan
from tribe_sync.month_closers import closed_by_words
from tribe_sync.store.plans import Trigger
from tribe_sync.store.readmodel.refresh import MirrorSet
from tribe_sync.store.users import Role

__all__ = ["register_read_model"]

# A forecast's state in the command line's words (console.labels.FORECAST_STATES), with its tone.
FORECAST_TONES = {"effective": "ok", "late": "bad", "superseded": "neutral"}
PROBLEM_TODO = {
    "unknown_phase": "Zet de aanvraag in Tribe in een bekende fase.",
    "missing_field": "Vul het ontbrekende veld in Tribe in.",
    "unknown_reference": "Kies in Tribe een bestaand record voor de verwijzing.",
    "wrong_type": "Corrigeer de waarde in Tribe.",
    "no_product_line": "Voeg in Tribe de productregel (laptop en aantal) toe.",
    "several_product_lines": "Laat in Tribe één productregel over; splits anders de aanvraag.",
    "bad_quantity": "Zet in Tribe een aantal van 1 of meer.",
    "invalid_order_number": "Controleer het ordernummer in Tribe (AD2026-00351).",
    "negative_forecast": "Vraag de organisatie een prognose van 0 of meer in te dienen.",
    "negative_report": "Corrigeer de verantwoording in Tribe.",
    "handed_out_above_received": "Verbeter de verantwoording of het geleverde aantal in Tribe.",
    "report_for_undelivered_request": "Controleer in Tribe bij welke aanvraag de verantwoording hoort.",
}
PROBLEM_TITLES_BY_CODE = {str(code): title for code, title in PROBLEM_TITLES.items()}
SET_KINDS = {
    "requests": "Aanvraag",
    "organisations": "Organisatie",
    "months": "Leveringsmaand",
    "forecasts": "Prognose",
    "reports": "Verantwoording",
    "tasks": "Taak",
}
ALLOCATED = {s for s in RequestStatus if s.at_least(RequestStatus.PROCESSING)}


def freshness(console: Console, sets: Collection[MirrorSet]) -> tuple[dt.datetime | None, str]:
    """Have the read model refreshed by delta when it is older than `mirror.max_age_s`, and say how
    old it is. When Tribe cannot be reached the page shows what the read model has, and says so."""
    services = console.services
    unreachable = " Tribe is nu niet bereikbaar: dit is wat er het laatst gelezen is."
    try:
        found = services.mirror.ensure_fresh(sets, dt.timedelta(seconds=services.settings.mirror.max_age_s))
        as_of: dt.datetime | None = found.as_of
        note = (
            unreachable
            if found.unreachable is not None
            else " Tribe wordt nu opnieuw gelezen: dit is wat er al is."
            if found.under_way
            else ""
        )
    except CRMError:  # never read yet, and Tribe cannot be reached
        as_of = services.mirror.as_of(sets)
        note = unreachable
    if as_of is None:
        return None, "Er zijn nog geen gegevens uit Tribe gelezen." + note
    age = max(0, int((services.clock() - as_of).total_seconds() // 60))
    return as_of, f"Gegevens uit Tribe van {dutch_datetime(as_of, console.tz)} ({age} min. oud).{note}"


def freshness_of(console: Console, sets: Collection[MirrorSet]) -> str:
    return freshness(console, sets)[1]


def register_read_model(console: Console) -> None:
    for register in (_months, _requests, _organisations, _forecasts, _problems):
        register(console)
    console.derived.warm_with(lambda: _overview_derived(console))


def _months(console: Console) -> None:
    services = console.services
    read = services.read_model

    def fresh(*sets: MirrorSet) -> str:
        return freshness(console, sets)[1]

    # -- Leveringsmaanden ------------------------------------------------------------------------

    def months_page(ctx: Ctx, status: int = 200, **values: Any) -> Page:
        freshness = fresh(MirrorSet.MONTHS, MirrorSet.REQUESTS)
        rows = read.months()
        today = services.today()
        window = [m for m in rows if Month.parse(m.month) >= Month.of(today) - 2]
        bars = [MonthBar(m.month, m.label, m.requested, m.capacity, m.is_open) for m in window]
        return Page(
            "months.html",
            "Leveringsmaanden",
            {
                "freshness": freshness,
                "months": window,
                "chart": month_chart(bars),
                "may_act": ctx.user.role.allows(Role.APPROVER),
                "closed_by": closed_by_words(services.journal, window),
                **values,
            },
            status=status,
        )

    @console.page("/leveringsmaanden")
    def months(ctx: Ctx) -> Page:
        return months_page(ctx)

    def set_month(ctx: Ctx, open_: bool) -> Page:
        code = str(ctx.request.path_params["month"])
        reason = ctx.form.get("reden", "").strip()
        try:
            target = Month.parse(code)
        except ValueError:
            return months_page(ctx, 404, error="Die maand bestaat niet.")
        if not reason:
            return months_page(ctx, 400, error="Geef een reden op; die komt in Tribe en in het logboek.")
        try:
            snapshot = services.crm.snapshot({"months"})
            plan = month_plan(snapshot, target, services.today(), open_=open_, reason=reason)
            if not plan.changes:
                return months_page(ctx, notice=f"{target.label} is al {'open' if open_ else 'gesloten'}.")
            report = services.executor().apply(
                plan,
                actor=f"staff:{ctx.user.name}",
                claim=f"job:{CLOSING_JOB}",
                trigger=Trigger.CONSOLE.value,
            )
            services.mirror.refresh([MirrorSet.MONTHS])
            console.derived.forget()
        except LookupError:
            return months_page(ctx, 404, error=f"Er is geen leveringsmaand {target.label} in Tribe.")
        except LockHeldError:
            return months_page(
                ctx, 409, error="De sluitingstaak draait nu; er is niets gewijzigd. Probeer het zo opnieuw."
            )
        except CRMError:
            return months_page(ctx, 503, error="Tribe is nu niet bereikbaar; er is niets gewijzigd.")
        verb = "heropend" if open_ else "gesloten"
        return months_page(ctx, notice=f"{target.label} is {verb} (run {report.run_id}).")

    @console.action("/leveringsmaanden/{month}/sluiten", Role.APPROVER)
    def close_month(ctx: Ctx) -> Page:
        return set_month(ctx, open_=False)

    @console.action("/leveringsmaanden/{month}/openen", Role.APPROVER)
    def open_month(ctx: Ctx) -> Page:
        return set_month(ctx, open_=True)


def _requests(console: Console) -> None:
    services = console.services
    read = services.read_model
    derived = console.derived

    def fresh(*sets: MirrorSet) -> str:
        return freshness(console, sets)[1]

    # -- Aanvragen -------------------------------------------------------------------------------

    def request_values(row: Any) -> dict[str, Any]:
        return {
            **row.as_dict(),
            "status": row.status,
            "requested_on": row.requested_on,
            "delivery_date": row.delivery_date,
            "processor_confirmed_on": row.processor_confirmed_on,
            "month_label": Month.parse(row.month).label,
            "organisation": row.organisation,
            "delivered_quantity": row.delivered_quantity,
            "reference": row.reference,
        }

    def month_options() -> list[tuple[str, str]]:
        return [(m.month, m.label) for m in read.months()]

    @console.page("/aanvragen")
    def requests(ctx: Ctx) -> Page:
        freshness = fresh(MirrorSet.REQUESTS, MirrorSet.ORGANISATIONS, MirrorSet.MONTHS)
        query = ctx.query
        status = RequestStatus.__members__.get(query.get("status", ""))
        month = None
        if query.get("maand"):
            try:
                month = Month.parse(query["maand"])
            except ValueError:
                month = None
        organisations = None
        needle = query.get("organisatie", "").strip()
        if needle:
            organisations = [o.id for o in read.organisations(needle)]
        number = query.get("ordernummer", "").strip().upper() or None
        filters: dict[str, Any] = {
            "status": status,
            "organisation_ids": organisations,
            "month": month,
            "number": number,
        }
        total = 0 if organisations == [] else read.count_requests(**filters)
        pager = Pager.of("/aanvragen", query, total)
        shown = (
            [
                request_values(r)
                for r in read.requests(**filters, newest_first=True, limit=pager.size, offset=pager.start)
            ]
            if total
            else []
        )
        return Page(
            "requests_table.html" if ctx.htmx else "requests.html",
            "Aanvragen",
            {
                "freshness": freshness,
                "shown": shown,
                "pager": pager,
                "no_organisation": needle if organisations == [] else "",
                "statuses": [(s.name, s.label) for s in RequestStatus],
                "month_options": derived.get(
                    "month_options", lambda: [(m.month, m.label) for m in read.months()]
                ),
            },
        )

    @console.page("/aanvragen/{number}")
    def request(ctx: Ctx) -> Page:
        fresh(MirrorSet.REQUESTS, MirrorSet.ORGANISATIONS)
        number = str(ctx.request.path_params["number"]).upper()
        row = next(iter(read.requests(number=number, limit=1)), None)
        # What is wrong with it: a request that does not map has only these; one that breaks a rule
        # (an invalid phone number, a month closed when it was requested) is shown with a warning.
        problems = [
            {"message": p.message_nl or p.message, "code": p.code, "record_id": p.record_id}
            for p in read.problems(["requests"], number=number)
        ]
        if row is None and problems:
            return Page(
                "request_unreadable.html",
                f"Aanvraag {number}",
                {
                    "number": number,
                    "problems": problems,
                    "tribe_url": services.settings.crm.record_link(problems[0]["record_id"]),
                },
            )
        if row is None:
            return Page("not_found.html", "Niet gevonden", status=404)
        history = [
            {
                "at": entry["at"],
                "what": change_words(str(entry.get("entity_set") or ""), entry["before"], entry["after"]),
                "reason": reason_words(entry["reason"]),
                "actor": actor_words(str(entry["actor"])),
                "run_id": entry["run_id"],
            }
            for entry in services.journal.audit_trail(target_id=row.id)
        ]
        return Page(
            "request.html",
            f"Aanvraag {row.order_number}",
            {
                "r": request_values(row),
                "product": read.product_names().get(row.product or "", row.product),
                "processor": processor_words(row.processor_id, read.processor_names()),
                "history": history,
                "problems": problems,
                "tribe_url": services.settings.crm.record_link(row.id),
            },
        )


def _organisations(console: Console) -> None:
    services = console.services
    read = services.read_model
    derived = console.derived

    def fresh(*sets: MirrorSet) -> str:
        return freshness(console, sets)[1]

    def all_rows(today: dt.date, quarter: Quarter) -> list[dict[str, Any]]:
        """Every organisation's row, most stock first: once per read-model refresh (and day)."""
        totals = read.totals_per_organisation(quarter)
        stock = {s.organisation_id: s for s in read.stock()}
        forecasts: dict[str, int] = defaultdict(int)
        for f in read.forecasts(year=quarter.year, quarter=quarter.number, state=ForecastState.EFFECTIVE):
            forecasts[f.organisation_id] += f.quantity
        rows: list[dict[str, Any]] = []
        for o in read.organisations():
            s, t = stock.get(o.id), totals.get(o.id)
            rows.append(
                {
                    "name": o.name,
                    "folded": o.name.casefold(),
                    "id": o.id,
                    "approved": o.approved,
                    "requested": t.requested if t else 0,
                    "allocated": t.allocated if t else 0,
                    "received": s.received if s else 0,
                    "handed_out": s.handed_out if s else 0,
                    "in_stock": s.in_stock if s else 0,
                    "stock_age": s.stock_age_days(today) if s else None,
                    "last_report": s.last_report if s else None,
                    "forecast": forecasts.get(o.id),
                    "quarter_requested": t.requested_in_quarter if t else 0,
                }
            )
        rows.sort(key=lambda r: (-r["in_stock"], -r["requested"], r["name"]))
        return rows

    def rows_of_today() -> list[dict[str, Any]]:
        today = services.today()
        return derived.get(("organisations", today), lambda: all_rows(today, Month.of(today).quarter))

    derived.warm_with(rows_of_today)

    # -- Organisaties ----------------------------------------------------------------------------

    @console.page("/organisaties")
    def organisations(ctx: Ctx) -> Page:
        freshness = fresh(MirrorSet.ORGANISATIONS, MirrorSet.REQUESTS, MirrorSet.REPORTS, MirrorSet.FORECASTS)
        quarter = Month.of(services.today()).quarter
        rows = rows_of_today()
        needle = ctx.query.get("naam", "").strip()
        if needle:
            folded = needle.casefold()
            rows = [r for r in rows if folded in r["folded"] or r["id"] == needle]
        pager = Pager.of("/organisaties", ctx.query, len(rows))
        return Page(
            "organisations.html",
            "Organisaties",
            {
                "freshness": freshness,
                "organisations": pager.rows(rows),
                "pager": pager,
                "needle": needle,
                "quarter_label": f"K{quarter.number} {quarter.year}",
            },
        )


def _forecasts(console: Console) -> None:
    services = console.services
    read = services.read_model
    derived = console.derived

    def fresh(*sets: MirrorSet) -> str:
        return freshness(console, sets)[1]

    def of_quarter(quarter: Quarter) -> dict[str, Any]:
        """A quarter's forecasts with their states, counts and who has none: once per refresh."""
        rows = read.forecasts(year=quarter.year, quarter=quarter.number)
        names = read.product_names()
        counts = Counter(str(f.state.value) for f in rows)
        have = {f.organisation_id for f in rows}
        return {
            "counts": {k: counts.get(k, 0) for k in ("effective", "late", "superseded")},
            "missing": sorted(o.name for o in read.organisations() if o.approved and o.id not in have),
            "rows": [
                {
                    "organisation": f.organisation,
                    "product": names.get(f.product, f.product),
                    "quantity": f.quantity,
                    "submitted_on": f.submitted_on,
                    "state_label": FORECAST_STATES.get(f.state.value, f.state.value),
                    "tone": FORECAST_TONES.get(f.state.value, "neutral"),
                }
                for f in rows
            ],
        }

    def current_quarter() -> dict[str, Any]:
        quarter = Month.of(services.today()).quarter
        return derived.get(("forecasts", str(quarter)), lambda: of_quarter(quarter))

    derived.warm_with(current_quarter)

    # -- Prognoses -------------------------------------------------------------------------------

    @console.page("/prognoses")
    def forecasts_page(ctx: Ctx) -> Page:
        freshness = fresh(MirrorSet.FORECASTS, MirrorSet.ORGANISATIONS)
        current = Month.of(services.today()).quarter
        quarters = _quarters_around(current)
        chosen_code = ctx.query.get("kwartaal", str(quarters[1]))
        quarter = next((q for q in quarters if str(q) == chosen_code), quarters[1])
        found = derived.get(("forecasts", str(quarter)), lambda: of_quarter(quarter))
        reminders = len(services.journal.keys_with_prefix(f"reminder/forecast/{quarter}"))
        pager = Pager.of("/prognoses", ctx.query, len(found["rows"]))
        return Page(
            "forecasts.html",
            "Prognoses",
            {
                "freshness": freshness,
                "quarters": [(str(q), f"K{q.number} {q.year}") for q in quarters],
                "chosen": str(quarter),
                "counts": found["counts"],
                "titles": {state: words.capitalize() for state, words in FORECAST_STATES.items()},
                "missing": found["missing"],
                "deadline": quarter.forecast_deadline,
                "reminders": reminders,
                "rows": pager.rows(found["rows"]),
                "pager": pager,
            },
        )


def _problems(console: Console) -> None:
    services = console.services
    read = services.read_model
    derived = console.derived

    def all_problems() -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
        names = {o.id: o.name for o in read.organisations()}
        rows = []
        by_code: Counter[str] = Counter()
        for p in read.problems():
            by_code[p.code] += 1
            rows.append(
                {
                    "order_number": p.order_number,
                    "what": p.label or names.get(p.record_id) or SET_KINDS.get(p.set_name, p.set_name),
                    "kind": SET_KINDS.get(p.set_name, p.set_name),
                    "message": p.message_nl or p.message,
                    "todo": PROBLEM_TODO.get(p.code, "Bekijk het record in Tribe en corrigeer het."),
                    "url": services.settings.crm.record_link(p.record_id),
                }
            )
        return rows, by_code.most_common()

    derived.warm_with(lambda: derived.get("problems", all_problems))

    # -- Problemen -------------------------------------------------------------------------------

    @console.page("/problemen")
    def problems(ctx: Ctx) -> Page:
        freshness = freshness_of(console, services.mirror.sets())
        rows, by_code = derived.get("problems", all_problems)
        pager = Pager.of("/problemen", ctx.query, len(rows))
        return Page(
            "problems.html",
            "Problemen",
            {
                "freshness": freshness,
                "problems": pager.rows(rows),
                "pager": pager,
                "by_code": by_code,
                "code_labels": PROBLEM_TITLES_BY_CODE,
            },
        )


def _quarters_around(current: Quarter) -> list[Quarter]:
    previous = (
        Quarter(current.year - 1, 4) if current.number == 1 else Quarter(current.year, current.number - 1)
    )
    following = (
        Quarter(current.year + 1, 1) if current.number == 4 else Quarter(current.year, current.number + 1)
    )
    return [previous, current, following]


# -- for the Overzicht (pages.py) ----------------------------------------------------------------


def overview_facts(console: Console) -> dict[str, Any]:
    """Month fill, problems by kind and the read model's age, for the Overzicht."""
    said = freshness_of(console, console.services.mirror.sets())
    return {"freshness": said, **_overview_derived(console)}


def _overview_derived(console: Console) -> dict[str, Any]:
    """What the Overzicht shows of the read model: once per refresh (and day)."""
    services = console.services
    read = services.read_model
    today = services.today()

    def facts() -> dict[str, Any]:
        months = [m for m in read.months() if Month.parse(m.month) >= Month.of(today) - 1][:5]
        kinds: Counter[str] = Counter(SET_KINDS.get(p.set_name, p.set_name) for p in read.problems())
        counts = read.request_counts()
        return {
            "month_chart": month_chart(
                [MonthBar(m.month, m.label, m.requested, m.capacity, m.is_open) for m in months]
            ),
            "months": months,
            "problem_kinds": kinds.most_common(),
            "request_counts": [(s.label, counts.get(s, 0)) for s in RequestStatus],
        }

    found: dict[str, Any] = console.derived.get(("overview", today), facts)
    return found
