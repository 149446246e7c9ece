"""Plannen: saved plans waiting for a decision, the decision explained, Goedkeuren and Afwijzen.

Everything goes through the plans engineer's functions (`tribe_sync.plans.service`), so the console
can do nothing the command line cannot: Goedkeuren is `plans approve --apply` with the logged-in
person as the approver (four eyes, expiry and staleness included), and the approved plan is carried
out by `apply_approved`, the one executor, exactly as saved or not at all.

The explanation is read from the saved document (what the approver approves), enriched from the read
model where that is cheap: which organisation each request belongs to, its status in the CRM now, and
the forecast a quarterly cap came from. Comparing against the CRM itself (`check`) reads Tribe, so it
is a separate page the approver asks for, and is done again when a plan is refused as stale.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import re
import threading
from collections import OrderedDict, defaultdict
from dataclasses import dataclass
from typing import Any

from tribe_sync.cli.wording import held_words
from tribe_sync.console.app import Console, Ctx, Page
from tribe_sync.console.format import dutch_date, dutch_number
from tribe_sync.console.labels import is_uncapped, job_label, outcome, plan_status_words, problem_title
from tribe_sync.console.plan_words import STEP_LABELS, difference_lines, refused_words
from tribe_sync.domain.calendar import Month, Quarter
from tribe_sync.domain.forecasts import ForecastState
from tribe_sync.errors import CRMError, LockHeldError, PlanError, PlanRefused, StoreError
from tribe_sync.jobs.plan import change_from_json, problem_from_json
from tribe_sync.jobs.reasons import reason_words
from tribe_sync.plans.service import apply_approved, approve, check, plan_store, reject
from tribe_sync.store.plans import PlanRow, PlanSource, PlanStatus, PlanSummary
from tribe_sync.store.readmodel.queries import ForecastRow, RequestRow
from tribe_sync.store.readmodel.refresh import MirrorSet
from tribe_sync.store.users import Role

__all__ = ["PLAN_STATUS", "Explained", "difference_lines", "explain", "register_plans"]

PLANS_SHOWN = 100
NOTE_MAX = 500
ROWS_SHOWN = 100  # per round or step table of a plan's page, unless the person asks for everything
DOCUMENTS_KEPT = 8
NOTHING_TO_APPROVE = (
    "Dit plan wijzigt niets: er valt niets goed te keuren. Wijs het af om het van de lijst te halen; "
    "de volgende ronde maakt zo nodig een nieuw plan."
)

_TONES = {
    PlanStatus.PENDING: "warn",
    PlanStatus.APPROVED: "warn",
    PlanStatus.APPLIED: "ok",
    PlanStatus.REJECTED: "neutral",
    PlanStatus.STALE: "bad",
    PlanStatus.EXPIRED: "bad",
}
# status -> (Dutch label, tone): the plans' status words (console.labels.PLAN_STATUSES, as the command
# line says them); an approved plan here also says it has not been carried out yet. The tone only adds
# colour and a mark, the word is always there.
PLAN_STATUS = {
    status: (
        "goedgekeurd, nog niet uitgevoerd" if status is PlanStatus.APPROVED else plan_status_words(status),
        tone,
    )
    for status, tone in _TONES.items()
}
DECISIONS = {
    "allocated": ("toegekend", "ok"),
    "held": ("blijft wachten", "warn"),
    # Allocated in an earlier run and since carried on (handed off, delivered): the plan leaves it as it
    # is, so it is not a loss; the rounds of now are only shown as a note.
    "not_chosen": ("eerder toegekend, blijft zo", "neutral"),
}

_ROUND = re.compile(r"\b(?:round|ronde) (\d+)\b")  # allocation reasons are Dutch; held notices English
_ROOM = re.compile(
    r"(?:only (\d+)|none) of the (month's capacity|organisation's quarterly forecast) left, (\d+) asked"
)
_NOT_CHOSEN = re.compile(r"would not choose it now \((capacity|cap|no_forecast)\)")


def quarter_label(quarter: Quarter) -> str:
    return f"{quarter.number}e kwartaal {quarter.year}"


@dataclass
class Decision:
    """One request in one round: allocated or held, and why, in words."""

    round: int
    order_number: str
    organisation: str
    quantity: int | None
    decision: str  # allocated / held / not_chosen
    why: str
    change: str  # the change in its own words (`describe()`), for an allocated request
    now: str  # its status in the read model now ("" if unknown)
    moved: bool  # the read model holds it in another status than the plan expects
    # What is wrong with the request's data (an age group under 18, an invalid phone number, ...), for
    # the approver to weigh: the allocation rules do not look at it, a person may.
    warnings: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return DECISIONS[self.decision][0]

    @property
    def tone(self) -> str:
        return DECISIONS[self.decision][1]


@dataclass
class Explained:
    """A plan for a person: the allocation round by round and per organisation, the other changes
    per step (each in its own words), what was held outside the rounds, and the problems found."""

    month: str
    capacity: str
    rounds: list[tuple[int, list[Decision]]]
    queues: list[tuple[str, list[Decision]]]
    uncapped: list[str]
    steps: list[tuple[str, list[dict[str, str]]]]
    held: list[dict[str, str]]
    problems: list[str]

    @property
    def empty(self) -> bool:
        return not (self.rounds or self.steps or self.held)


class _Facts:
    """What the read model knows about the plan's records, read once per page: the requests the plan
    decides on by ID (a few indexed queries, whatever their status now), and the quarter's forecasts."""

    def __init__(self, console: Console, document: dict[str, Any], month: Month | None) -> None:
        self.read = console.services.read_model
        self.derived = console.derived
        numbers: dict[str, str] = {}  # request ID -> order number, of the requests the plan decides on
        for item in [*document.get("changes", []), *document.get("held", [])]:
            if isinstance(item, dict) and item.get("step") == "allocation":
                record = str(item.get("request_id") or item.get("record_id") or "")
                numbers[record] = str(item.get("order_number") or item.get("label") or "")
        self.requests: dict[str, RequestRow] = {}
        self._forecasts: dict[tuple[str, str], ForecastRow] | None = None
        self._problems: dict[str, list[str]] | None = None
        self._ids = set(numbers)
        self.month = month
        if not numbers:
            return
        try:  # by ID, in batches: the plan's requests wherever they are now (moved on or not)
            self.requests = {row.id: row for row in self.read.requests(ids=numbers)}
        except StoreError:  # no read model yet: the plan's own words still explain it
            self.requests = {}

    def warnings(self, request_id: str) -> tuple[str, ...]:
        """The data problems the read model holds for one of the plan's requests, in Dutch."""
        if self._problems is None:
            self._problems = defaultdict(list)
            try:
                for found in self.read.problems([MirrorSet.REQUESTS.value]):
                    if found.record_id in self._ids:
                        text = found.message_nl or found.message
                        self._problems[found.record_id].append(f"{problem_title(found.code)}: {text}")
            except StoreError:
                pass  # no read model yet: the plan's own words still explain it
        return tuple(self._problems.get(request_id, ()))

    def forecast(self, row: RequestRow | None) -> str:
        """The forecast a request's cap came from: the effective one of its organisation, quarter and
        product, as the allocation chose it."""
        if row is None or self.month is None:
            return "de prognose van de organisatie"
        quarter = self.month.quarter
        if self._forecasts is None:

            def effective() -> dict[tuple[str, str], ForecastRow]:
                rows = self.read.forecasts(
                    year=quarter.year, quarter=quarter.number, state=ForecastState.EFFECTIVE
                )
                return {(f.organisation_id, f.product): f for f in rows}

            try:
                self._forecasts = self.derived.get(("effective forecasts", str(quarter)), effective)
            except StoreError:
                self._forecasts = {}
        chosen = self._forecasts.get((row.organisation_id, row.product))
        if chosen is None:
            return f"de prognose van {row.organisation} voor het {quarter_label(quarter)}"
        return (
            f"de prognose van {row.organisation} voor het {quarter_label(quarter)} "
            f"({dutch_number(chosen.quantity)} stuks, ingediend {dutch_date(chosen.submitted_on)})"
        )


def _why_held(code: str, message: str, facts: _Facts, row: RequestRow | None) -> str:
    room = _ROOM.search(message)
    left, asked = (room.group(1) or "0", room.group(3)) if room else ("?", "?")
    if code == "capacity":
        return f"te weinig capaciteit: nog {left} over in de maand, {asked} gevraagd"
    if code == "cap":
        return f"kwartaalplafond uit {facts.forecast(row)}: nog {left} over, {asked} gevraagd"
    if code == "no_forecast":
        return "geen geldige prognose voor het kwartaal; zonder prognose blijft een aanvraag wachten"
    if code == "allocated_but_not_chosen":
        found = _NOT_CHOSEN.search(message)
        because = {
            "capacity": "te weinig capaciteit",
            "cap": f"het kwartaalplafond uit {facts.forecast(row)}",
            "no_forecast": "geen geldige prognose",
        }.get(found.group(1) if found else "", "de rondes")
        where = f" en inmiddels {row.status.label.lower()}" if row is not None else ""
        return (
            f"al eerder toegekend{where}; dit plan laat hem zoals hij is. De rondes van nu zouden hem "
            f"niet meer kiezen ({because}), maar een toekenning wordt nooit teruggedraaid."
        )
    return message


def explain(console: Console, document: dict[str, Any], *, is_open: bool = True) -> Explained:
    """The saved plan for a person. Nothing here reads Tribe: the document and the read model only.
    `is_open`: the plan still waits, so a request the read model holds in another status than the
    plan expects is marked as moved (after applying, the plan itself moved it)."""
    today = str(document.get("today", ""))
    month = Month.of(dt.date.fromisoformat(today)) if today else None
    facts = _Facts(console, document, month)
    capacity = ""
    if month is not None:
        try:
            for row in facts.read.months():
                if row.month == month.code:
                    capacity = "geen limiet" if row.capacity is None else dutch_number(row.capacity)
        except StoreError:
            pass
    decisions: list[Decision] = []
    steps: dict[str, list[dict[str, str]]] = defaultdict(list)
    for change in document.get("changes", []):
        if not isinstance(change, dict):
            continue
        if change.get("step") == "allocation" and change.get("kind") == "move_status":
            request = facts.requests.get(str(change.get("request_id")))
            found = _ROUND.search(str(change.get("reason", "")))
            now, moved = _now(request, str(change.get("from_status", "")) if is_open else "")
            decisions.append(
                Decision(
                    int(found.group(1)) if found else 0,
                    str(change.get("order_number") or change.get("label")),
                    request.organisation if request else "",
                    request.quantity if request else None,
                    "allocated",
                    _carried(str(change.get("reason", ""))),
                    _describe(change),
                    now,
                    moved,
                    facts.warnings(str(change.get("request_id"))),
                )
            )
            continue
        step = str(change.get("step", ""))
        steps[STEP_LABELS.get(step, step)].append(
            {
                "label": str(change.get("label", "")),
                "what": _describe(change),
                "why": reason_words(str(change.get("reason", ""))),
            }
        )
    uncapped: list[str] = []
    held: list[dict[str, str]] = []
    for notice in document.get("held", []):
        if not isinstance(notice, dict):
            continue
        code, message = str(notice.get("code", "")), str(notice.get("message", ""))
        found = _ROUND.search(message)
        if notice.get("step") == "allocation" and found:
            request = facts.requests.get(str(notice.get("record_id")))
            room = _ROOM.search(message)
            expected = "WAITING" if is_open and code != "allocated_but_not_chosen" else ""
            now, moved = _now(request, expected)
            decisions.append(
                Decision(
                    int(found.group(1)),
                    str(notice.get("label")),
                    request.organisation if request else "",
                    request.quantity if request else int(room.group(3)) if room else None,
                    "not_chosen" if code == "allocated_but_not_chosen" else "held",
                    _why_held(code, message, facts, request),
                    "",
                    now,
                    moved,
                )
            )
        elif notice.get("step") == "allocation" and code == "no_forecast":
            uncapped.append(str(notice.get("label")))
        else:
            step = str(notice.get("step", ""))
            why = held_words(code, message)  # as `plans show` and `jobs run` say it
            held.append({"step": STEP_LABELS.get(step, step), "label": str(notice.get("label")), "why": why})
    for decision in decisions:
        if decision.decision == "allocated" and decision.organisation in uncapped:
            decision.why = decision.why.split(":")[0] + ": geen geldige prognose, dus zonder kwartaalplafond"
    rounds: dict[int, list[Decision]] = defaultdict(list)
    queues: dict[str, list[Decision]] = defaultdict(list)
    for decision in sorted(decisions, key=lambda d: (d.round, d.organisation, d.order_number)):
        rounds[decision.round].append(decision)
        queues[decision.organisation or "organisatie onbekend"].append(decision)
    problems = [_problem(p) for p in document.get("problems", []) if isinstance(p, dict)]
    return Explained(
        month=month.label if month else "",
        capacity=capacity,
        rounds=sorted(rounds.items()),
        queues=sorted(queues.items()),
        uncapped=sorted(uncapped),
        steps=sorted(steps.items()),
        held=held,
        problems=problems,
    )


def _problem(found: dict[str, Any]) -> str:
    """A data problem as staff read it: the record as they find it in Tribe first (an order number, an
    organisation and quarter, a month), then what is wrong."""
    text = str(found.get("message_nl") or found.get("message") or found.get("code"))
    try:
        label = problem_from_json(found).label
    except (KeyError, TypeError, ValueError):
        label = None
    return f"{label}: {text}" if label else text


def _describe(change: dict[str, Any]) -> str:
    """The change in its own words: `describe()` of its kind, as saved with the plan when it was made
    (what the approver approves); worked out again from the change only for a document without it."""
    saved = change.get("describe")
    if isinstance(saved, str) and saved:
        return saved
    try:
        return change_from_json(change).describe()
    except (ValueError, KeyError, TypeError):
        return str(change.get("label", ""))


def _carried(reason: str) -> str:
    found = re.search(r"carried over from (\d{4}-\d{2})", reason)  # a plan saved before reasons were Dutch
    if found:
        return f"toegekend; doorgeschoven van {Month.parse(found.group(1)).label}"
    found = re.search(r"doorgeschoven uit ([a-z]+ \d{4})", reason)
    if found:
        return f"toegekend; doorgeschoven van {found.group(1)}"
    return "toegekend: past binnen de capaciteit en het plafond"


def _now(request: RequestRow | None, expected: str) -> tuple[str, bool]:
    if request is None:
        return "", False
    return request.status.label, bool(expected) and request.status.name != expected


class _PlansPages:
    """The Plannen pages and actions; `register_plans` puts each behind the console's guards."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.services = console.services
        self.store = plan_store(console.services)
        self.journal = console.services.journal
        self._documents: OrderedDict[int, dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def row_values(self, row: PlanRow) -> dict[str, Any]:
        label, tone = PLAN_STATUS.get(row.status, (row.status.value, "neutral"))
        notices = row.document.get("held", [])
        # Held as the plan's page lists them: an organisation allocated without a cap was not held.
        held = [
            n
            for n in (notices if isinstance(notices, list) else [])
            if isinstance(n, dict) and not is_uncapped(str(n.get("code")), str(n.get("message", "")))
        ]
        return {
            "id": row.id,
            "job": row.job,
            "job_label": job_label(row.job),
            "today": row.today,
            "status": row.status.value,
            "status_label": label,
            "tone": tone,
            "submitted_by": "de planner (daemon)" if row.source is PlanSource.DAEMON else row.submitted_by,
            "submitted_at": row.submitted_at,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at,
            "note": row.note,
            "run_id": row.run_id,
            "replaced_by": row.replaced_by,
            "changes": row.changes,
            "held": len(held),
        }

    def run_values(self, run_id: int | None) -> dict[str, Any] | None:
        if run_id is None:
            return None
        run = self.journal.get_run(run_id)
        if run is None:
            return None
        label, tone = outcome(str(run["outcome"]))
        counts = run.get("counts") or {}
        return {
            "id": run_id,
            "outcome_label": label,
            "tone": tone,
            "applied": counts.get("applied", 0),
            "done_already": counts.get("done_already", 0),
            "skipped": counts.get("skipped", 0),
            "failed": counts.get("failed", 0),
            "error": run.get("error"),
        }

    def own_plan(self, row: PlanRow, ctx: Ctx) -> bool:
        """Four eyes: a staff member may not approve a plan they submitted themselves."""
        return (
            self.services.settings.approval.four_eyes
            and row.source is PlanSource.STAFF
            and row.submitted_by == ctx.user.name
        )

    def plans(self, ctx: Ctx) -> Page:
        """Pending and approved plans first, then the latest decided ones; no document is read."""
        rows = [self.summary_values(r) for r in self.store.summaries(limit=PLANS_SHOWN)]
        open_ = [r for r in rows if r["status"] in (PlanStatus.PENDING, PlanStatus.APPROVED)]
        decided = [r for r in rows if r["status"] not in (PlanStatus.PENDING, PlanStatus.APPROVED)]
        return Page("plans.html", "Plannen", {"open": open_, "decided": decided[:30]})

    def summary_values(self, row: PlanSummary) -> dict[str, Any]:
        label, tone = PLAN_STATUS.get(row.status, (row.status.value, "neutral"))
        return {
            "id": row.id,
            "job_label": job_label(row.job),
            "today": row.today,
            "status": row.status.value,
            "status_label": label,
            "tone": tone,
            "submitted_by": "de planner (daemon)" if row.source is PlanSource.DAEMON else row.submitted_by,
            "submitted_at": row.submitted_at,
            "decided_by": row.decided_by,
            "decided_at": row.decided_at,
            "note": row.note,
            "changes": row.changes,
            "held": row.held,
        }

    def plan_page(self, ctx: Ctx, plan_id: int, status: int = 200, **extra: Any) -> Page:
        try:
            row = self.shown(plan_id)
        except PlanError:
            return Page("not_found.html", "Niet gevonden", status=404)
        return Page(
            "plan.html",
            f"Plan {row.id}: {job_label(row.job)}",
            {
                "plan": self.row_values(row),
                "run": self.run_values(row.run_id),
                "explained": self.explained(row),
                "everything": ctx.query.get("alles") == "1",
                "rows_shown": ROWS_SHOWN,
                "may_decide": ctx.user.role.allows(Role.APPROVER)
                and row.status in (PlanStatus.PENDING, PlanStatus.APPROVED),
                "nothing_to_approve": NOTHING_TO_APPROVE if not row.changes else "",
                "later_day": row.status is PlanStatus.APPROVED and row.today > self.services.today(),
                "pending": row.status is PlanStatus.PENDING,
                "own_plan": self.own_plan(row, ctx),
                "note_max": NOTE_MAX,
                **extra,
            },
            status=status,
        )

    def explained(self, row: PlanRow) -> Explained:
        """Once per plan, state and read-model refresh: a large plan's explanation takes a while."""
        is_open = row.status in (PlanStatus.PENDING, PlanStatus.APPROVED)
        found: Explained = self.console.derived.get(
            ("explained", row.id, is_open), lambda: explain(self.console, row.document, is_open=is_open)
        )
        return found

    def warm(self) -> None:
        """The plans waiting for a decision, explained before anyone opens them."""
        for summary in self.store.summaries(limit=20):
            if summary.status in (PlanStatus.PENDING, PlanStatus.APPROVED):
                self.explained(self.shown(summary.id))

    def shown(self, plan_id: int) -> PlanRow:
        """The plan's row as it is now, with the document a person reads. A document never changes once
        saved, so it is read from the database (the slow part at large scale) once per plan and kept
        for the last few plans."""
        row = self.store.shown(plan_id, document=False)
        with self._lock:
            parts = self._documents.get(plan_id)
            if parts is not None:
                self._documents.move_to_end(plan_id)
        if parts is None:
            parts = self.store.shown(plan_id).document
            with self._lock:
                self._documents[plan_id] = parts
                while len(self._documents) > DOCUMENTS_KEPT:
                    self._documents.popitem(last=False)
        return dataclasses.replace(row, document=parts)

    def plan(self, ctx: Ctx) -> Page:
        return self.plan_page(ctx, int(ctx.request.path_params["plan_id"]))

    def plan_check(self, ctx: Ctx) -> Page:
        """The saved plan against what Tribe holds now: a fresh read and plan, nothing written."""
        plan_id = int(ctx.request.path_params["plan_id"])
        try:
            row = self.store.get(plan_id)
        except PlanError:
            return Page("not_found.html", "Niet gevonden", status=404)
        values: dict[str, Any] = {"plan_id": plan_id, "lines": [], "stale": False, "failed": ""}
        try:
            _, difference = check(self.services, row.document)
        except CRMError:
            values["failed"] = "Tribe is nu niet bereikbaar; probeer het zo opnieuw."
        except PlanError:
            values["failed"] = "Dit plan kan niet opnieuw worden gemaakt (de taak bestaat niet meer)."
        else:
            values["lines"] = difference_lines(difference, self.console.tz)
            values["stale"] = difference.stale or difference.edited
        return Page("plan_check.html", f"Plan {plan_id} tegen Tribe van nu", values)

    def approve_plan(self, ctx: Ctx) -> Page:
        plan_id = int(ctx.request.path_params["plan_id"])
        note = ctx.form.get("notitie", "").strip()[:NOTE_MAX] or None
        try:
            row = self.store.get(plan_id)
        except PlanError:
            return Page("not_found.html", "Niet gevonden", status=404)
        if row.status is PlanStatus.PENDING and not row.changes:
            return self.plan_page(ctx, plan_id, status=409, error=NOTHING_TO_APPROVE)
        if row.status is PlanStatus.PENDING:
            if self.own_plan(row, ctx):
                return self.plan_page(
                    ctx,
                    plan_id,
                    status=409,
                    error="U hebt dit plan zelf ingediend. Met vier ogen moet een collega het "
                    "goedkeuren; er is niets gewijzigd.",
                )
            try:
                approve(self.services, plan_id, by=ctx.user.name, note=note)
            except PlanRefused:
                return self.plan_page(
                    ctx,
                    plan_id,
                    status=409,
                    error=self.expired_message(),
                )
            except PlanError:
                return self.plan_page(
                    ctx, plan_id, status=409, error="Iemand anders heeft intussen over dit plan beslist."
                )
        elif row.status is not PlanStatus.APPROVED:
            return self.plan_page(
                ctx,
                plan_id,
                status=409,
                error=f"Dit plan is {PLAN_STATUS[row.status][0]}; er valt niets meer over te beslissen.",
            )
        return self.carry_out(ctx, plan_id, row)

    def expired_message(self) -> str:
        """Staff read the age limit in hours, not the setting's name (that is in the operator docs)."""
        hours = self.services.settings.approval.max_age_hours
        return f"{refused_words('expired', max_age_hours=hours)} Maak een nieuw plan."

    def carry_out(self, ctx: Ctx, plan_id: int, row: PlanRow) -> Page:
        """Apply the approved plan through the one executor; say what became of it."""
        try:
            applied = apply_approved(self.services, plan_id)
        except PlanRefused as refused:
            moved: list[str] = []
            if refused.why in ("stale", "edited"):
                try:
                    moved = difference_lines(check(self.services, row.document)[1], self.console.tz)
                except (PlanError, CRMError):
                    moved = list(refused.lines)
            error = refused_words(refused.why, max_age_hours=self.services.settings.approval.max_age_hours)
            if refused.why == "stale":
                error += (
                    " Het plan is als verouderd gemarkeerd; bij de volgende ronde maakt de planner een nieuw."
                )
            elif refused.why == "expired":
                error = self.expired_message()
            return self.plan_page(ctx, plan_id, status=409, error=error, moved=moved)
        except LockHeldError:
            return self.plan_page(
                ctx,
                plan_id,
                status=409,
                error="Goedgekeurd, maar de taak draait nu; de daemon voert het plan bij de volgende "
                "ronde uit (of probeer het zo opnieuw).",
            )
        except CRMError:
            return self.plan_page(
                ctx,
                plan_id,
                status=503,
                error="Goedgekeurd, maar Tribe is nu niet bereikbaar; er is niets geschreven. De daemon "
                "voert het plan later uit, of probeer het zo opnieuw.",
            )
        except PlanError:
            return self.plan_page(
                ctx, plan_id, status=409, error="Iemand anders heeft intussen over dit plan beslist."
            )
        if applied.only_checked:
            notice = "Goedgekeurd. Het plan geldt voor een latere dag en wordt op die dag uitgevoerd."
        elif applied.already:
            notice = "Dit plan was al uitgevoerd; er is niets opnieuw geschreven."
        elif applied.report is not None and applied.report.run_id is not None:
            # The read model catches up on its own if this fails; the plan was applied.
            with contextlib.suppress(CRMError, StoreError):
                self.services.mirror.refresh([MirrorSet.REQUESTS, MirrorSet.MONTHS, MirrorSet.TASKS])
            self.console.derived.forget()
            notice = f"Goedgekeurd en uitgevoerd in run {applied.report.run_id}."
        else:
            notice = "Goedgekeurd."
        return self.plan_page(ctx, plan_id, notice=notice)

    def reject_plan(self, ctx: Ctx) -> Page:
        plan_id = int(ctx.request.path_params["plan_id"])
        reason = ctx.form.get("reden", "").strip()[:NOTE_MAX]
        if not reason:
            return self.plan_page(
                ctx, plan_id, status=400, error="Geef een reden op om af te wijzen; die komt in het logboek."
            )
        try:
            reject(self.services, plan_id, by=ctx.user.name, reason=reason)
        except PlanError:
            return self.plan_page(
                ctx, plan_id, status=409, error="Dit plan is al beslist of uitgevoerd; er is niets gewijzigd."
            )
        return self.plan_page(ctx, plan_id, notice="Afgewezen; er is niets naar Tribe geschreven.")


def register_plans(console: Console) -> None:
    pages = _PlansPages(console)
    console.derived.warm_with(pages.warm)
    console.page("/plannen")(pages.plans)
    console.page("/plannen/{plan_id:int}")(pages.plan)
    console.page("/plannen/{plan_id:int}/controle")(pages.plan_check)
    console.action("/plannen/{plan_id:int}/goedkeuren", Role.APPROVER, back="/plannen/{plan_id}")(
        pages.approve_plan
    )
    console.action("/plannen/{plan_id:int}/afwijzen", Role.APPROVER, back="/plannen/{plan_id}")(
        pages.reject_plan
    )
