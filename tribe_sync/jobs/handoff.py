"""Hand-off files for processors: one CSV per processor and run, written so that it is either there
whole or not at all (temp file, fsync, journal, rename, fsync of the folder).

Semicolon-separated UTF-8 with a byte-order mark, as Dutch spreadsheet programs expect; Dutch
column names; postcodes and phone numbers normalised where they are valid. The file holds names,
addresses and phone numbers that come from the portal: `tribe_sync.peoplefiles` neutralises formula-like
cells and creates it readable by its owner and group only.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from tribe_sync.domain.requests import Request
from tribe_sync.domain.validation import normalise_phone, normalise_postcode
from tribe_sync.errors import HandoffError
from tribe_sync.peoplefiles import csv_text, publish_file, stage_private_file

__all__ = ["HEADER", "DirectoryOutbox", "file_name", "handoff_row", "read_handoff_file"]

HEADER = (
    "ordernummer",
    "product",
    "aantal",
    "afleveradres",
    "postcode",
    "plaats",
    "contactpersoon",
    "telefoon",
    "e-mail",
    "referentie",
    "leveringsmaand",
)


def handoff_row(request: Request) -> dict[str, str]:
    delivery = request.delivery
    street = " ".join(p for p in (delivery.street, delivery.house_number) if p) if delivery else ""
    postcode = (delivery.postcode or "") if delivery else ""
    phone = (delivery.phone or "") if delivery else ""
    return {
        "ordernummer": str(request.number),
        "product": request.product_code,
        "aantal": str(request.quantity),
        "afleveradres": street,
        "postcode": normalise_postcode(postcode) or postcode,
        "plaats": (delivery.city or "") if delivery else "",
        "contactpersoon": (delivery.contact_name or "") if delivery else "",
        "telefoon": normalise_phone(phone) or phone,
        "e-mail": (delivery.email or "") if delivery else "",
        "referentie": request.reference or "",
        "leveringsmaand": request.month.code,
    }


def file_name(processor_name: str, today: dt.date, run_id: int) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", processor_name.lower()).strip("-") or "verwerker"
    return f"handoff-{slug}-{today.isoformat()}-run{run_id}.csv"


class DirectoryOutbox:
    """The outbox folder. `stage` writes `.<name>.partial` and syncs it; `publish` renames it into
    view and syncs the folder, so the processor sees a file whole or not at all, and only once the
    journal holds it (the executor journals between the two)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _partial(self, name: str) -> Path:
        return self.directory / f".{name}.partial"

    def stage(self, name: str, rows: Sequence[Mapping[str, str]]) -> None:
        try:
            stage_private_file(self._partial(name), csv_text(HEADER, rows), encoding="utf-8-sig")
        except OSError as exc:
            self.discard(name)
            raise HandoffError(f"cannot write hand-off file {name}: {exc.strerror or exc}") from exc

    def publish(self, name: str) -> None:
        try:
            publish_file(self._partial(name), self.directory / name)
        except OSError as exc:
            raise HandoffError(f"cannot publish hand-off file {name}: {exc.strerror or exc}") from exc

    def published(self, name: str) -> bool:
        return (self.directory / name).exists()

    def staged(self, name: str) -> bool:
        return self._partial(name).exists()

    def staged_names(self) -> list[str]:
        if not self.directory.exists():
            return []
        return sorted(p.name[1 : -len(".partial")] for p in self.directory.glob(".*.partial"))

    def discard(self, name: str) -> None:
        with contextlib.suppress(OSError):  # nothing to remove, or no folder to remove it from
            self._partial(name).unlink(missing_ok=True)

    def unwritable(self) -> str | None:
        """Stage and discard an empty probe file, as a hand-off is staged: finding out after the
        allocations were written leaves requests allocated whose file the processor never gets."""
        probe = ".write-check"
        try:
            stage_private_file(self._partial(probe), "")
        except OSError as exc:
            return f"{exc.strerror or exc}" + (f": {exc.filename}" if exc.filename else "")
        self.discard(probe)
        return None


def read_handoff_file(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))
