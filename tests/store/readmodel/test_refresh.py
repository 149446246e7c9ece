"""The read model is the CRM's non-personal fields: a full refresh reads them all, a delta only what
changed since the cursor (minus the overlap), and the full refresh also removes deletions and
catches the nested changes a delta cannot see."""

from __future__ import annotations

import datetime as dt
import json
import re
import signal
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import replace
from pathlib import Path
from threading import Lock
from typing import Any

import pytest
from sqlalchemy import create_engine, delete, event, update

from tests.databases import DATABASES, database_url
from tests.store.readmodel.conftest import Tenant, make_mirror
from tribe_sync.client.tribe import TribeClient
from tribe_sync.config import CRMSettings, Settings
from tribe_sync.domain.calendar import Quarter
from tribe_sync.domain.forecasts import ForecastState
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.errors import LockHeldError, ServerError
from tribe_sync.sandbox import tenant as t
from tribe_sync.sandbox.server import build_state, start
from tribe_sync.store.journal import Journal
from tribe_sync.store.readmodel.queries import ReadModel
from tribe_sync.store.readmodel.refresh import CatalogueKind, MirrorSet, RefreshMode
from tribe_sync.store.tables import mirror_catalogue, mirror_forecasts

pytestmark = pytest.mark.sandbox

REQUESTS = "Activity_SalesOrder"


def crm_requests(tenant: Tenant) -> list[dict[str, object]]:
    return tenant.sandbox.state.store.all(REQUESTS)


def test_a_full_refresh_holds_every_request_and_each_one_that_does_not_map_as_a_problem(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    listed = {r.id for r in tenant.model.requests()}
    problems = {p.record_id: p for p in tenant.model.problems({"requests"}) if not p.mapped}
    assert listed | set(problems) == {str(r["ID"]) for r in crm_requests(tenant)}
    assert not listed & set(problems)
    assert problems, "the sandbox seeds broken requests"
    numbers = {str(r["ID"]): r.get("Number") for r in crm_requests(tenant)}
    for found in problems.values():
        assert found.order_number == numbers[found.record_id]
        assert found.message
        assert found.message_nl


def test_a_delta_picks_up_an_edited_request_and_only_the_full_refresh_removes_a_deleted_one(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    first, second = next(iter(tenant.model.requests())), list(tenant.model.requests())[1]
    tenant.edit(REQUESTS, first.id, **{t.R_REFERENCE: "PO-4711"})
    tenant.sandbox.state.store.delete(REQUESTS, second.id)

    [delta] = tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert delta.mode is RefreshMode.DELTA
    assert delta.read < len(crm_requests(tenant)) / 2, "a delta reads what changed, not everything"
    assert next(tenant.model.requests(number=first.order_number)).reference == "PO-4711"
    assert list(tenant.model.requests(number=second.order_number)), "a delta cannot see a deletion"

    [full] = tenant.mirror.refresh([MirrorSet.REQUESTS], full=True)
    assert (full.mode, full.removed) == (RefreshMode.FULL, 1)
    assert list(tenant.model.requests(number=second.order_number)) == []


def test_a_product_line_quantity_change_is_missed_by_the_delta_and_caught_by_the_full_refresh(
    tenant: Tenant,
) -> None:
    """The sandbox models Tribe's nested records: a product line is a record of its own, and changing
    its quantity moves its own LastMutationDate, not its request's."""
    tenant.mirror.refresh(full=True)
    row = next(r for r in tenant.model.requests() if r.quantity < 50)
    record = tenant.sandbox.state.store.get(REQUESTS, row.id)
    assert record is not None
    [line_id] = record["ProductLines"]
    tenant.edit("ProductLine", str(line_id), Quantity=row.quantity + 7)

    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert next(tenant.model.requests(number=row.order_number)).quantity == row.quantity
    tenant.mirror.refresh([MirrorSet.REQUESTS], full=True)
    assert next(tenant.model.requests(number=row.order_number)).quantity == row.quantity + 7


def test_a_record_that_stops_mapping_becomes_a_problem_and_leaves_the_list_and_comes_back_when_fixed(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    row = next(iter(tenant.model.requests()))
    tenant.edit(REQUESTS, row.id, ProductLines=[])
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert list(tenant.model.requests(number=row.order_number)) == []
    [found] = [p for p in tenant.model.problems({"requests"}) if p.record_id == row.id]
    assert (found.order_number, found.code) == (row.order_number, "no_product_line")


def test_a_webhook_marks_a_set_stale_and_the_next_reader_refreshes_it_whatever_its_age(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    row = next(iter(tenant.model.requests()))
    tenant.edit(REQUESTS, row.id, **{t.R_REFERENCE: "PO-stale"})
    hour = dt.timedelta(hours=1)
    tenant.mirror.ensure_fresh([MirrorSet.REQUESTS], hour)
    assert next(tenant.model.requests(number=row.order_number)).reference != "PO-stale"
    tenant.mirror.mark_stale([MirrorSet.REQUESTS], dt.datetime.now(dt.UTC))
    tenant.mirror.ensure_fresh([MirrorSet.REQUESTS], hour)
    assert next(tenant.model.requests(number=row.order_number)).reference == "PO-stale"
    assert all(s.get("stale_since") is None for s in tenant.mirror.status())


EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
LETTER = r"[^\W\d_]"


def as_word(value: str) -> re.Pattern[str]:
    """`value` where it stands as a word, not inside a longer one: "Noor" is a person's first name,
    "Verwerker Noord B.V." a company's name (a processor, which the read model keeps)."""
    return re.compile(rf"(?<!{LETTER}){re.escape(value)}(?!{LETTER})")


def personal_data(tenant: Tenant) -> set[str]:
    """Every person's name (whole, first, last), contact's e-mail address and phone number, and each
    request's delivery contact, phone, e-mail, street and postcode the seeded tenant holds."""
    store = tenant.sandbox.state.store
    private: set[object] = set()
    for person in store.all("Relation_Person"):
        parts = [person.get(k) for k in ("FirstName", "MiddleName", "LastName")]
        private.add(" ".join(p for p in parts if isinstance(p, str) and p))
        private |= {p for p in (person.get("FirstName"), person.get("LastName")) if isinstance(p, str)}
    for contact in store.all("Relationship_Person_Contact_Standard"):
        private |= {contact.get("EmailAddress"), contact.get("PhoneNumber"), contact.get("MobilePhoneNumber")}
    for request in store.all(REQUESTS):
        private |= {
            request.get(k) for k in (t.R_CONTACT_NAME, t.R_EMAIL, t.R_PHONE, t.R_STREET, t.R_POSTCODE)
        }
    return {v for v in private if isinstance(v, str) and len(v) > 3}


def found_in_store(tenant: Tenant, private: set[str]) -> list[str]:
    """Which of `private` the store holds as a word, and "e-mail address" if it holds any: in each
    text cell of every table, read on its own (in the file a value is glued to the cell before it,
    which may end in a letter), and in the store's files as bytes (the WAL and free pages too)."""
    tenant.mirror.engine.dispose()
    assert tenant.store_file is not None
    files = sorted(p for p in tenant.store_file.parent.iterdir() if p.name.startswith("journal.db"))
    raw = b"".join(p.read_bytes() for p in files).decode("utf-8", errors="replace")
    cells: list[str] = []
    with closing(sqlite3.connect(tenant.store_file)) as db:
        tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cells += [v for row in db.execute(f'SELECT * FROM "{table}"') for v in row if isinstance(v, str)]
    texts = [raw, "\n".join(cells)]  # a line per cell: no cell's value runs into the next one's
    found = sorted(v for v in private if any(v in text and as_word(v).search(text) for text in texts))
    return found + (["e-mail address"] if any(EMAIL.search(text) for text in texts) else [])


def test_a_name_counts_as_personal_data_where_it_stands_as_a_word_not_inside_a_company_s_name() -> None:
    assert not as_word("Noor").search("Verwerker Noord B.V.")
    assert not as_word("Bos").search("Bosrand")
    for text in ("Noor", "t.a.v. Noor.", "Jan-Noor", "bel Noor (06)", "Noor Nguyen"):
        assert as_word("Noor").search(text), text


def test_no_person_s_name_e_mail_address_or_phone_number_is_in_the_store_file(tenant: Tenant) -> None:
    tenant.mirror.refresh(full=True)
    private = personal_data(tenant)
    assert private, "the seeded tenant has personal data to look for"
    assert found_in_store(tenant, private) == []


def test_the_personal_data_scan_finds_a_name_phone_number_and_e_mail_address_planted_in_the_store(
    tenant: Tenant,
) -> None:
    """The scan above can fail: a person's first name as a whole organisation name (a cell of its
    own), and a phone number and e-mail address in a request's reference, are each found."""
    private = personal_data(tenant)
    store = tenant.sandbox.state.store
    person = next(p for p in store.all("Relation_Person") if len(str(p.get("FirstName"))) > 3)
    contact = next(c for c in store.all("Relationship_Person_Contact_Standard") if c.get("PhoneNumber"))
    first, phone = str(person["FirstName"]), str(contact["PhoneNumber"])
    organisation = next(o for o in store.all("Relation_Organization") if "Voedselbank" in str(o.get("Name")))
    tenant.edit("Relation_Organization", str(organisation["ID"]), Name=first)
    request = crm_requests(tenant)[0]
    tenant.edit(REQUESTS, str(request["ID"]), **{t.R_REFERENCE: f"bel {phone} of mail x.y@example.nl"})
    tenant.mirror.refresh(full=True)
    found = found_in_store(tenant, private)
    assert {first, phone, "e-mail address"} <= set(found)


def test_a_request_s_invalid_phone_or_postcode_is_said_without_the_value_and_where_to_look(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    personal = [
        p for p in tenant.model.problems({"requests"}) if p.code in ("invalid_phone", "invalid_postcode")
    ]
    assert personal, "the sandbox seeds requests with a bad phone number or postcode"
    said = {p.code: p.message_nl for p in personal}
    assert said.get("invalid_phone", "het telefoonnummer is geen geldig Nederlands nummer (zie Tribe)") == (
        "het telefoonnummer is geen geldig Nederlands nummer (zie Tribe)"
    )
    assert said.get("invalid_postcode", "de postcode is geen Nederlandse postcode, 1234 AB (zie Tribe)") == (
        "de postcode is geen Nederlandse postcode, 1234 AB (zie Tribe)"
    )
    for found in personal:
        assert "…" not in found.message + found.message_nl
        assert "'" not in found.message_nl, "no quoted value, not even a hidden one"


@pytest.mark.parametrize("kind", DATABASES)
def test_the_read_model_refreshes_the_same_on_sqlite_and_postgresql(kind: str, tmp_path: Path) -> None:
    with start(build_state(scale="small", seed=5)) as sandbox, database_url(kind, tmp_path) as url:
        mirror, client = make_mirror(url, sandbox)
        try:
            mirror.refresh(full=True)
            mirror.refresh()
            model = ReadModel(mirror.engine)
            unmapped = [p for p in model.problems({"requests"}) if not p.mapped]
            assert len(list(model.requests())) + len(unmapped) == len(sandbox.state.store.all(REQUESTS))
            assert model.months()
            assert model.stock()
            assert model.forecasts()
        finally:
            client.close()
            mirror.engine.dispose()


def test_records_stamped_in_the_future_do_not_push_the_cursor_past_edits_made_now(tmp_path: Path) -> None:
    future = dt.date.today() + dt.timedelta(days=40)  # the generator stamps records up to its anchor
    with start(build_state(scale="small", seed=5, anchor=future)) as sandbox:
        mirror, client = make_mirror(f"sqlite:///{tmp_path / 'j.db'}", sandbox)
        try:
            mirror.refresh(full=True)
            model = ReadModel(mirror.engine)
            row = next(iter(model.requests()))
            sandbox.state.store.update(REQUESTS, row.id, {t.R_REFERENCE: "PO-now"}, sandbox.state.now())
            mirror.refresh([MirrorSet.REQUESTS])
            assert next(model.requests(number=row.order_number)).reference == "PO-now"
        finally:
            client.close()
            mirror.engine.dispose()


def test_a_delta_with_nothing_changed_costs_one_get_per_set_even_when_records_share_their_date(
    tenant: Tenant,
) -> None:
    """The generated tenant stamps whole sets with one LastMutationDate (as an import would): the
    cursor is our clock when the read began, so none of them is read again."""
    tenant.mirror.refresh(full=True)
    before = tenant.calls()
    done = tenant.mirror.refresh()
    assert [(r.mode, r.read) for r in done] == [(RefreshMode.DELTA, 0)] * len(tenant.mirror.sets())
    assert tenant.calls() - before == len(tenant.mirror.sets())


def test_a_second_process_waits_for_a_refresh_under_way_and_says_so_once_before_it_gives_up(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    journal = Journal(tenant.mirror.engine)
    journal.claim("mirror:refresh", "other-host:1:abc", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))
    told: list[LockHeldError] = []
    waiting = replace(tenant.mirror, wait=dt.timedelta(seconds=0.5), sleep=lambda _s: None, _lock=Lock())
    with pytest.raises(LockHeldError) as given_up:
        waiting.refresh([MirrorSet.REQUESTS], full=True, on_wait=told.append)
    assert len(told) == 1, "told once, when the waiting begins"
    assert given_up.value.until is not None, "when the other's claim lapses at the latest"
    journal.release("mirror:refresh", "other-host:1:abc")
    assert waiting.refresh([MirrorSet.REQUESTS])


def test_a_reader_does_not_wait_for_someone_else_s_refresh_and_shows_what_is_there_meanwhile(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    journal = Journal(tenant.mirror.engine)
    journal.claim("mirror:refresh", "other-host:1:abc", dt.datetime.now(dt.UTC), dt.timedelta(minutes=5))

    def no_waiting(_seconds: float) -> None:
        raise AssertionError("a reader waited for another process's refresh")

    reader = replace(tenant.mirror, wait=dt.timedelta(minutes=30), sleep=no_waiting, _lock=Lock())
    found = reader.ensure_fresh([MirrorSet.REQUESTS], dt.timedelta(0))  # due, but someone else is on it
    assert found.under_way
    assert found.as_of == tenant.mirror.as_of([MirrorSet.REQUESTS])


def test_a_reader_shows_the_stored_copy_when_the_crm_cannot_be_read_and_fails_only_with_nothing_stored(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh([MirrorSet.MONTHS], full=True)
    stored = tenant.mirror.as_of([MirrorSet.MONTHS])
    tenant.sandbox.state.faults.update({"fail_rate": 1.0, "fail_statuses": (503,)})
    reader = replace(tenant.mirror, reader=TribeClient.from_settings(_no_retries(tenant)), _lock=Lock())
    found = reader.ensure_fresh([MirrorSet.MONTHS], dt.timedelta(0))
    assert (found.as_of, found.under_way) == (stored, False)
    assert isinstance(found.unreachable, ServerError)
    with pytest.raises(ServerError):
        reader.ensure_fresh([MirrorSet.MONTHS, MirrorSet.REQUESTS], dt.timedelta(0))  # requests: never read


def _no_retries(tenant: Tenant) -> CRMSettings:
    url = tenant.sandbox.url
    return Settings(crm={"api_url": url, "token_url": f"{url}/oauth2/token", "max_retries": 0}).crm  # type: ignore[arg-type]


def test_refresh_and_status_count_a_set_s_problems_alike_derived_ones_included(tenant: Tenant) -> None:
    """A request made for a month already closed is a problem derived once its month is known (the
    seeded tenant has one): the refresh's count and `mirror status`'s are both what the set holds,
    that one included, also after a month's refresh alone changed it."""
    done = {r.name: r.problems for r in tenant.mirror.refresh(full=True)}
    held = {MirrorSet(s["name"]): s["problems"] for s in tenant.mirror.status()}
    problems = list(tenant.model.problems({"requests"}))
    assert "month_closed_at_submission" in {p.code for p in problems}
    assert done == held
    assert done[MirrorSet.REQUESTS] == len(problems)

    late = next(p for p in problems if p.code == "month_closed_at_submission")
    [request] = tenant.model.requests(number=late.order_number)
    month = next(m for m in tenant.model.months() if m.month == request.month)
    tenant.edit(t.MONTH, month.id, IsActive=True)  # reopened: the request was not late after all
    tenant.mirror.refresh([MirrorSet.MONTHS])
    held = {MirrorSet(s["name"]): s["problems"] for s in tenant.mirror.status()}
    assert held[MirrorSet.REQUESTS] == len(problems) - 1 == len(list(tenant.model.problems({"requests"})))


def test_a_forecast_that_does_not_map_is_named_by_its_organisation_and_quarter_in_the_read_model(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    forecast = tenant.sandbox.state.store.all(t.FORECAST)[0]
    names = {o.id: o.name for o in tenant.model.organisations()}
    organisation = names[str(forecast[t.F_ORGANISATION])]
    tenant.edit(t.FORECAST, str(forecast["ID"]), **{t.F_QUANTITY: -3, t.F_YEAR: 2027, t.F_QUARTER: 1})
    tenant.mirror.refresh([MirrorSet.FORECASTS])
    [found] = [p for p in tenant.model.problems({"forecasts"}) if p.record_id == forecast["ID"]]
    assert found.code == "negative_forecast"
    assert found.label == f"{organisation}, K1 2027"
    assert found.as_dict()["label"] == found.label


@pytest.mark.parametrize("kind", DATABASES)
def test_requests_as_json_written_by_the_database_are_the_rows_as_dicts(kind: str, tmp_path: Path) -> None:
    with start(build_state(scale="small", seed=5)) as sandbox, database_url(kind, tmp_path) as url:
        mirror, client = make_mirror(url, sandbox)
        try:
            mirror.refresh(full=True)
            model = ReadModel(mirror.engine)
            expected = [r.as_dict() for r in model.requests()]
            assert expected
            assert [json.loads(text) for text in model.requests_json()] == expected
            waiting = [
                r.as_dict() for r in model.requests(status=RequestStatus.WAITING, newest_first=True, limit=5)
            ]
            shown = model.requests_json(status=RequestStatus.WAITING, newest_first=True, limit=5)
            assert [json.loads(text) for text in shown] == waiting
        finally:
            client.close()
            mirror.engine.dispose()


@pytest.mark.parametrize("kind", DATABASES)
def test_forecasts_as_json_written_by_the_database_are_the_rows_as_dicts_even_before_a_state_is_decided(
    kind: str, tmp_path: Path
) -> None:
    with start(build_state(scale="small", seed=5)) as sandbox, database_url(kind, tmp_path) as url:
        mirror, client = make_mirror(url, sandbox)
        try:
            mirror.refresh(full=True)
            model = ReadModel(mirror.engine)
            first = next(iter(model.forecasts())).organisation_id
            with mirror.engine.begin() as tx:  # as a refresh under way leaves them: no state yet
                tx.execute(
                    update(mirror_forecasts)
                    .where(mirror_forecasts.c.organisation_id == first)
                    .values(state=None)
                )
            chosen: dict[str, Any]
            for chosen in (
                {},
                {"state": ForecastState.LATE},
                {"year": 2027, "quarter": 1},
                {"organisation_ids": [first]},
            ):
                expected = [f.as_dict() for f in model.forecasts(**chosen)]
                assert expected, chosen
                assert [json.loads(text) for text in model.forecasts_json(**chosen)] == expected
            limited = [
                json.loads(text) for text in model.forecasts_json(state=ForecastState.EFFECTIVE, limit=3)
            ]
            assert limited == [f.as_dict() for f in model.forecasts(state=ForecastState.EFFECTIVE)][:3]
        finally:
            client.close()
            mirror.engine.dispose()


def test_the_long_lists_lines_are_their_rows_in_the_same_order(tenant: Tenant) -> None:
    tenant.mirror.refresh(full=True)
    model = tenant.model
    for newest_first in (False, True):
        rows = list(model.requests(newest_first=newest_first))
        lines = list(model.request_lines(newest_first=newest_first))
        assert [
            (r.id, r.order_number, r.organisation, r.status.name, r.requested_on.isoformat(), r.delivery_date)
            for r in rows
        ] == [
            (
                r.id,
                r.order_number,
                r.organisation,
                r.status,
                r.requested_on,
                dt.date.fromisoformat(r.delivery_date) if r.delivery_date else None,
            )
            for r in lines
        ]
    forecasts = list(model.forecasts(state=ForecastState.SUPERSEDED))
    assert [(f.organisation, f.quarter, f.quantity, f.state.value) for f in forecasts][:5] == [
        (f.organisation, Quarter(f.year, f.quarter), f.quantity, f.state)
        for f in model.forecast_lines(state=ForecastState.SUPERSEDED, limit=5)
    ]


SUPPLIERS = "Relationship_Organization_Supplier"


def processors_in_tribe(tenant: Tenant) -> dict[str, str]:
    store = tenant.sandbox.state.store
    names = {str(o["ID"]): str(o["Name"]) for o in store.all("Relation_Organization")}
    return {str(s["ID"]): names[str(s["Organization"])] for s in store.all(SUPPLIERS)}


def test_the_catalogue_keeps_every_processor_by_name_a_delta_adds_a_new_one_a_full_refresh_drops_one(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    kept = processors_in_tribe(tenant)
    assert set(kept.values()) == {"Verwerker Noord B.V.", "Verwerker Zuid B.V."}, "former ones too"
    assert tenant.model.processor_names() == kept

    gone = next(i for i, name in kept.items() if name == "Verwerker Zuid B.V.")
    tenant.sandbox.state.store.delete(SUPPLIERS, gone)
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert gone in tenant.model.processor_names(), "a delta cannot see a deletion"
    tenant.mirror.refresh([MirrorSet.REQUESTS], full=True)
    assert gone not in tenant.model.processor_names()
    assert tenant.model.processor_names() == processors_in_tribe(tenant)

    store, now = tenant.sandbox.state.store, tenant.sandbox.state.now()
    west = store.create("Relation_Organization", {"Name": "Verwerker West B.V."}, now)
    new = store.create(SUPPLIERS, {"Organization": {"ID": west["ID"]}, "IsFormer": False}, now)
    request = next(iter(tenant.model.requests()))
    tenant.edit(REQUESTS, request.id, **{t.R_PROCESSOR: {"ID": new["ID"]}})
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert next(tenant.model.requests(number=request.order_number)).processor_id == new["ID"]
    assert tenant.model.processor_names()[new["ID"]] == "Verwerker West B.V.", "a request points at it"


def test_a_delta_reads_the_processors_only_when_a_request_points_at_one_it_does_not_know(
    tenant: Tenant,
) -> None:
    tenant.mirror.refresh(full=True)
    request = next(iter(tenant.model.requests()))
    known = next(iter(tenant.model.processor_names()))
    tenant.edit(REQUESTS, request.id, **{t.R_PROCESSOR: {"ID": known}})
    before = len(tenant.sandbox.state.calls("GET", f"/v1/odata/{SUPPLIERS}"))
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert len(tenant.sandbox.state.calls("GET", f"/v1/odata/{SUPPLIERS}")) == before
    with tenant.mirror.engine.begin() as tx:  # a store filled before the catalogue kept processors
        tx.execute(delete(mirror_catalogue).where(mirror_catalogue.c.kind == CatalogueKind.PROCESSORS.value))
    tenant.mirror.refresh([MirrorSet.REQUESTS])
    assert len(tenant.sandbox.state.calls("GET", f"/v1/odata/{SUPPLIERS}")) == before + 1
    assert tenant.model.processor_names() == processors_in_tribe(tenant)


@pytest.fixture
def ctrl_c_as_python_starts() -> Iterator[None]:
    """SIGINT raising KeyboardInterrupt, whatever a test before this one left installed."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.usefixtures("ctrl_c_as_python_starts")
def test_ctrl_c_while_a_batch_is_written_stops_the_refresh_after_it_and_leaves_the_store_unlocked(
    tenant: Tenant,
) -> None:
    """Ctrl+C lands in the main thread anywhere, also inside sqlite3's `executemany` with the statement
    half stepped: the connection was then closed by SQLAlchemy but kept by SQLite, write lock and all,
    and releasing the claim on the way out failed with "database is locked" (a warm child hung)."""
    assert tenant.store_file is not None
    engine = create_engine(f"sqlite:///{tenant.store_file}", connect_args={"timeout": 0.5})
    pressed: list[int] = []

    @event.listens_for(engine, "do_executemany")
    def ctrl_c_halfway(cursor: Any, statement: str, rows: Any, _context: Any) -> bool:
        if pressed or not statement.startswith("INSERT INTO tribe_sync_mirror_requests"):
            return False

        def rows_then_ctrl_c() -> Any:
            for n, row in enumerate(rows):
                if n == len(rows) // 2:
                    pressed.append(n)
                    signal.raise_signal(signal.SIGINT)
                yield row

        cursor.executemany(statement, rows_then_ctrl_c())
        return True

    interrupted = replace(tenant.mirror, engine=engine, _lock=Lock())
    try:
        with pytest.raises(KeyboardInterrupt):
            interrupted.refresh([MirrorSet.REQUESTS], full=True)
        assert pressed, "Ctrl+C came while the requests were written"
        assert Journal(engine).holder_of("mirror:refresh", dt.datetime.now(dt.UTC)) is None, "claim released"
        with engine.begin() as tx:  # nothing holds the store's write lock
            tx.execute(delete(mirror_catalogue).where(mirror_catalogue.c.kind == "nothing"))
    finally:
        engine.dispose()
