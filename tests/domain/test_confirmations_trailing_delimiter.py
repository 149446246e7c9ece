"""Excel leaves a delimiter after the last column when an empty column was selected: not an unknown column."""

from __future__ import annotations

import datetime as dt

from tribe_sync.domain.confirmations import parse_confirmations


def test_a_trailing_delimiter_on_the_header_and_every_line_is_read_as_the_columns_before_it() -> None:
    text = (
        "ordernummer;bevestigd_op;leverdatum;\r\n"
        "AD2026-00105;23-11-2026;01-12-2026;\r\n"
        ";;;\r\n"
        "AD2026-00114;23-11-2026;;\r\n"
    )
    parsed = parse_confirmations(text)
    assert parsed.errors == ()
    assert [(line.line, line.order_number, line.delivery_date) for line in parsed.lines] == [
        (2, "AD2026-00105", dt.date(2026, 12, 1)),
        (4, "AD2026-00114", None),
    ]


def test_a_value_under_the_empty_trailing_header_is_still_an_error_naming_its_line() -> None:
    text = "ordernummer;bevestigd_op;\nAD2026-00105;23-11-2026;01-12-2026\n"
    parsed = parse_confirmations(text)
    assert [error.line for error in parsed.errors] == [2]
    assert parsed.lines == ()


def test_an_empty_header_between_two_columns_is_still_an_unknown_column() -> None:
    parsed = parse_confirmations("ordernummer;;bevestigd_op\nAD2026-00105;;23-11-2026\n")
    assert [error.line for error in parsed.errors] == [1]
    assert "leeg, kolom 2" in parsed.errors[0].message
