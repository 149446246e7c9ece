from __future__ import annotations

import datetime as dt

import pytest

from tribe_sync.jobs.staff import parse_confirmations


def test_confirmations_read_dutch_or_english_headers_and_either_separator() -> None:
    rows, errors = parse_confirmations(
        "\ufefforder_number,confirmed_on,delivery_date\nAD2026-00001,2026-12-03,\n"
    )
    assert errors == []
    assert [(r.order_number, r.confirmed_on, r.delivery_date) for r in rows] == [
        ("AD2026-00001", dt.date(2026, 12, 3), None)
    ]


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "the file is empty"),
        ("ordernummer;leverdatum\nAD2026-00001;2026-12-10\n", "missing column(s) bevestigd_op"),
        ("ordernummer;bevestigd_op\nAD2026-00001;31-02-2026\n", "is not a date"),
        (
            "ordernummer;bevestigd_op;leverdatum\nAD2026-00001;2026-12-05;2026-12-01\n",
            "before the confirmation",
        ),
        ("ordernummer;bevestigd_op\nAD2026-00001;2026-12-05\nAD2026-00001;2026-12-06\n", "also on line 2"),
        ("ordernummer;bevestigd_op\n;2026-12-05\n", "no order number"),
    ],
)
def test_every_bad_row_is_named_with_its_line(text: str, error: str) -> None:
    _, errors = parse_confirmations(text)
    assert any(error in e for e in errors), errors
