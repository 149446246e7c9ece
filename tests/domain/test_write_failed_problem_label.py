"""A change that could not be written is named as people read it (the change's label), never by record ID."""

from __future__ import annotations

from tribe_sync.domain.problems import ProblemCode, problem


def test_a_failed_hand_off_is_named_by_its_processor_not_its_record_id() -> None:
    found = problem(
        ProblemCode.WRITE_FAILED,
        "handoff",
        "f9341c68-966b-4ea1-88be-ab134da98f1d",
        detail="cannot write hand-off file x.csv: No such file or directory",
        record="Verwerker Noord B.V.",
    )
    assert found.label == "Verwerker Noord B.V."
    assert found.as_dict()["label"] == "Verwerker Noord B.V."


def test_an_order_number_or_month_still_wins_over_the_record_label() -> None:
    found = problem(
        ProblemCode.WRITE_FAILED, "request", "x", detail="503", order_number="AD2026-00105", record="y"
    )
    assert found.label == "AD2026-00105"


def test_a_month_problem_is_named_by_the_month_in_words() -> None:
    found = problem(ProblemCode.UNKNOWN_REFERENCE, "delivery_month", None, field="month", month="2027-01")
    assert found.label == "januari 2027"


def test_a_late_forecast_problem_names_the_organisation_and_quarter() -> None:
    found = problem(
        ProblemCode.LATE_FORECAST,
        "forecast",
        "5f700fd6-bc36-4246-b5b5-d857212eeba1",
        detail="2026-12-20",
        deadline="2026-12-16",
        quarter="2027-Q1",
        organisation="Bibliotheek Noord",
    )
    assert found.label == "Bibliotheek Noord, K1 2027"
    assert "5f700fd6" not in str(found)
    assert found.message_nl == "ingediend op 20 december 2026, na de deadline van 16 december 2026"
