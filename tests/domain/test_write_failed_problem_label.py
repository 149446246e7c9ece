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
