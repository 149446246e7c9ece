"""The month chart: numbers as text, capacity as a line, states in words, not colour alone."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from tribe_sync.console.charts import MonthBar, month_chart

NS = {"svg": "http://www.w3.org/2000/svg"}
BARS = [
    MonthBar("2027-01", "januari 2027", 1234, 500, is_open=False),
    MonthBar("2027-02", "februari 2027", 120, 500, is_open=True),
    MonthBar("2027-03", "maart 2027", 0, None, is_open=True),
]


def test_every_month_shows_its_numbers_and_state_in_words() -> None:
    svg = ET.fromstring(month_chart(BARS))
    texts = ["".join(t.itertext()) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "1.234 / 500 (vol)" in texts
    assert "120 / 500" in texts
    assert "0 / onbeperkt" in texts
    assert texts.count("gesloten") == 1
    assert texts.count("open") == 2


def test_the_chart_has_a_text_alternative_and_machine_readable_bars() -> None:
    svg = ET.fromstring(month_chart(BARS))
    assert svg.get("role") == "img"
    description = svg.find("svg:desc", NS)
    assert description is not None
    assert "januari 2027: 1.234 aangevraagd, capaciteit 500, gesloten" in (description.text or "")
    months = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("class") == "month"]
    assert [(g.get("data-month"), g.get("data-requested"), g.get("data-capacity")) for g in months] == [
        ("2027-01", "1234", "500"),
        ("2027-02", "120", "500"),
        ("2027-03", "0", ""),
    ]


def test_a_month_over_capacity_is_hatched_not_only_coloured() -> None:
    svg = ET.fromstring(month_chart(BARS))
    fills = [r.get("fill") for r in svg.iter("{http://www.w3.org/2000/svg}rect") if r.get("class") == "bar"]
    assert fills[0] == "url(#arcering)"
    assert fills[1] != "url(#arcering)"


def test_no_months_no_chart() -> None:
    assert month_chart([]) == ""
