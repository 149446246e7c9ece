from __future__ import annotations

import itertools

import pytest

from tribe_sync.domain.orders import OrderNumber
from tribe_sync.domain.statuses import RequestStatus as S


def test_the_five_statuses_come_in_order_with_their_portal_labels() -> None:
    assert [(s.name, s.label) for s in S] == [
        ("WAITING", "Wacht op toekenning"),
        ("PROCESSING", "Verwerking bestelling"),
        ("AT_PROCESSOR", "Aanvraag naar verwerker"),
        ("AWAITING_DELIVERY_DATE", "In afwachting van leverdatum"),
        ("CLOSED", "Gesloten"),
    ]


def test_a_job_may_only_move_a_request_to_the_very_next_status() -> None:
    allowed = {(a, b) for a, b in itertools.product(S, S) if a.can_advance_to(b)}
    assert allowed == {
        (S.WAITING, S.PROCESSING),
        (S.PROCESSING, S.AT_PROCESSOR),
        (S.AT_PROCESSOR, S.AWAITING_DELIVERY_DATE),
        (S.AWAITING_DELIVERY_DATE, S.CLOSED),
    }
    assert S.CLOSED.next is None


@pytest.mark.parametrize("text", ["AD2025-00351", " AD2026-12345 "])
def test_order_numbers_parse_and_print_back(text: str) -> None:
    assert str(OrderNumber.parse(text)) == text.strip()


@pytest.mark.parametrize("text", ["AD2025-351", "ad2025-00351", "AD25-00351", "AD2025_00351", ""])
def test_malformed_order_numbers_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="order number"):
        OrderNumber.parse(text)


def test_order_numbers_sort_by_year_then_serial() -> None:
    assert OrderNumber.parse("AD2025-99999") < OrderNumber.parse("AD2026-00001")
