"""Verwerker: hand-off files for approvers only; a confirmation file previewed line by line, then
confirmed through the executor with the person as actor."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from tests.console.conftest import ConsoleWorld, login
from tribe_sync.console.format import file_size
from tribe_sync.domain.statuses import RequestStatus
from tribe_sync.sandbox.server import RunningSandbox


def at_processor(world: ConsoleWorld) -> list[str]:
    services = world.services
    snapshot = services.crm.snapshot({"requests"})
    return sorted(str(r.number) for r in snapshot.requests if r.status is RequestStatus.AT_PROCESSOR)


def confirmed_on(world: ConsoleWorld, number: str) -> dt.date | None:
    services = world.services
    snapshot = services.crm.snapshot({"requests"})
    (request,) = [r for r in snapshot.requests if str(r.number) == number]
    return request.processor_confirmed_on


def test_only_approvers_download_hand_off_files_and_only_files_from_the_outbox(world: ConsoleWorld) -> None:
    outbox = Path(world.services.settings.programme.outbox_dir)
    outbox.mkdir(parents=True)
    (outbox / "handoff-noord-2027-01-04-run1.csv").write_text("ordernummer;naam\nAD2027-00001;X\n")
    (outbox.parent / "geheim.csv").write_text("nee")
    viewer, approver = world.client(), world.client()
    login(viewer, "lees")
    login(approver, "beslis")
    assert "handoff-noord-2027-01-04-run1.csv" in viewer.get("/verwerker").text
    assert 'href="/verwerker/bestanden/' not in viewer.get("/verwerker").text
    assert viewer.get("/verwerker/bestanden/handoff-noord-2027-01-04-run1.csv").status_code == 403
    download = approver.get("/verwerker/bestanden/handoff-noord-2027-01-04-run1.csv")
    assert download.status_code == 200
    assert "attachment" in download.headers["content-disposition"]
    assert download.text.startswith("ordernummer;naam")
    for name in ("..%2Fgeheim.csv", "geheim.csv", "handoff-..%2F..%2Fgeheim.csv"):
        assert approver.get(f"/verwerker/bestanden/{name}").status_code == 404, name


def test_a_confirmation_file_is_previewed_line_by_line_then_confirmed(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    numbers = at_processor(world)
    assert numbers, "the seeded tenant has requests at the processor"
    client = world.client()
    token = login(client, "beslis")
    text = "ordernummer;bevestigd_op;leverdatum\n" + f"{numbers[0]};2027-01-04;2027-01-11\n"
    preview = client.post(
        "/verwerker/voorbeeld",
        data={"csrf_token": token},
        files={"bestand": ("bevestiging.csv", text.encode(), "text/csv")},
    )
    assert preview.status_code == 200
    assert "in orde" in preview.text
    assert "Bevestigen: 1 aanvraag vastleggen" in preview.text, "singular, not aanvraag/aanvragen"
    assert confirmed_on(world, numbers[0]) is None, "a preview writes nothing"
    content = re.search(r'name="inhoud" value="([^"]*)"', preview.text)
    assert content is not None
    done = client.post(
        "/verwerker/bevestigen",
        data={"csrf_token": token, "naam": "bevestiging.csv", "inhoud": text},
    )
    assert done.status_code == 200
    assert "vastgelegd" in done.text
    assert confirmed_on(world, numbers[0]) == dt.date(2027, 1, 4)
    (run,) = world.services.journal.runs("processor import")
    (entry,) = world.services.journal.audit_trail(run_id=int(run["id"]))
    assert entry["actor"] == "staff:beslis"


def test_a_file_with_one_bad_line_shows_every_line_and_writes_nothing(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    numbers = at_processor(world)
    client = world.client()
    token = login(client, "beheer")
    text = (
        "ordernummer;bevestigd_op;leverdatum\n"
        f"{numbers[0]};2027-01-04;2027-01-11\n"
        "AD2099-99999;2027-01-04;2027-01-11\n"
    )
    preview = client.post(
        "/verwerker/voorbeeld",
        data={"csrf_token": token},
        files={"bestand": ("bevestiging.csv", text.encode(), "text/csv")},
    )
    assert preview.status_code == 400
    assert "AD2099-99999 is geen bekende aanvraag" in preview.text
    assert "1 probleem;" in preview.text
    assert "Bevestigen:" not in preview.text
    assert world.services.journal.runs("processor import") == []


def test_an_empty_file_says_it_is_empty_and_what_it_should_hold(
    tenant_world: tuple[ConsoleWorld, RunningSandbox],
) -> None:
    world, _ = tenant_world
    client = world.client()
    token = login(client, "beheer")
    for content in (b"", b"ordernummer;bevestigd_op\n"):
        preview = client.post(
            "/verwerker/voorbeeld",
            data={"csrf_token": token},
            files={"bestand": ("leeg.csv", content, "text/csv")},
        )
        assert preview.status_code == 400
        assert "Kies een bevestigingsbestand" not in preview.text
        assert "leeg.csv" in preview.text or "1 probleem;" in preview.text
        assert "het bestand is leeg" in preview.text.lower() or "alleen een kopregel" in preview.text
    assert world.services.journal.runs("processor import") == []


def test_a_files_size_reads_as_people_say_it() -> None:
    assert [file_size(n) for n in (1, 812, 3_400, 1_234_567)] == ["1 byte", "812 bytes", "3,4 kB", "1,2 MB"]
    assert file_size(2_000) == "2 kB"
