from __future__ import annotations

import threading
import time

import pytest

from tribe_sync.lanes import run_in_lanes


def test_items_of_one_lane_keep_their_order_even_when_the_first_is_slow() -> None:
    done: list[str] = []
    lock = threading.Lock()
    items = ["a1", "b1", "a2", "b2", "a3"]

    def work(item: str) -> str:
        if item == "a1":
            time.sleep(0.05)  # delayed on purpose: a2 must still wait for it
        with lock:
            done.append(item)
        return item.upper()

    results = run_in_lanes(items, lambda item: item[0], work, width=4)

    assert results == ["A1", "B1", "A2", "B2", "A3"], "results in the order of the items"
    assert [d for d in done if d[0] == "a"] == ["a1", "a2", "a3"]
    assert done.index("b1") < done.index("a1"), "the other lane did not wait for the slow one"


def test_lanes_run_side_by_side_but_never_more_than_the_width() -> None:
    lock, running, most = threading.Lock(), [0], [0]
    four_at_once = threading.Barrier(4, timeout=10)

    def work(item: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        if item < 4:
            four_at_once.wait()  # returns only if four lanes are under way together
        with lock:
            running[0] -= 1
        return item

    assert run_in_lanes(list(range(12)), lambda item: item, work, width=4) == list(range(12))
    assert most[0] == 4


def test_once_stopped_nothing_new_starts_and_the_reason_is_raised() -> None:
    started: list[int] = []
    stopping = threading.Event()

    def work(item: int) -> int:
        started.append(item)
        if item == 2:
            stopping.set()
        return item

    with pytest.raises(InterruptedError):
        run_in_lanes(
            list(range(10)),
            lambda _item: "one lane",
            work,
            width=4,
            stop=lambda: InterruptedError("stop") if stopping.is_set() else None,
        )
    assert started == [0, 1, 2]


def test_a_failing_item_ends_the_run_after_what_is_under_way() -> None:
    def work(item: int) -> int:
        if item == 1:
            raise RuntimeError("broken")
        return item

    with pytest.raises(RuntimeError, match="broken"):
        run_in_lanes([0, 1, 2, 3], lambda _item: "same", work, width=3)


def test_width_one_is_plain_order() -> None:
    seen: list[int] = []
    assert run_in_lanes([3, 1, 2], lambda item: item, lambda item: seen.append(item) or item, width=1) == [
        3,
        1,
        2,
    ]
    assert seen == [3, 1, 2]


def test_an_item_waits_for_the_items_of_other_lanes_it_names_however_slow() -> None:
    done: list[str] = []
    lock = threading.Lock()
    # (key, lane, waits for): the hand-off file first, then the statuses that depend on it
    items = [("file", "file", ()), ("r1", "r1", ("file",)), ("r2", "r2", ("file",)), ("r3", "r3", ())]

    def work(item: tuple[str, str, tuple[str, ...]]) -> str:
        if item[0] == "file":
            time.sleep(0.05)
        with lock:
            done.append(item[0])
        return item[0]

    results = run_in_lanes(
        items,
        lambda item: item[1],
        work,
        width=4,
        key_of=lambda item: item[0],
        waits_for=lambda item: item[2],
    )

    assert results == ["file", "r1", "r2", "r3"]
    assert done.index("file") < done.index("r1")
    assert done.index("file") < done.index("r2")
    assert done[0] == "r3", "what waits for nothing went ahead"


def test_what_waits_for_a_failed_item_never_starts() -> None:
    started: list[str] = []

    def work(item: str) -> str:
        started.append(item)
        if item == "effect":
            raise RuntimeError("crashed")
        return item

    with pytest.raises(RuntimeError):
        run_in_lanes(
            ["effect", "transition"],
            lambda item: item,
            work,
            width=4,
            key_of=lambda item: item,
            waits_for=lambda item: ("effect",) if item == "transition" else (),
        )
    assert started == ["effect"]
