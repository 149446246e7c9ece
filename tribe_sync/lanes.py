"""Independent work side by side, dependent work in order: lanes.

Each item names its lane; the items of one lane run one after another in the order given, and
different lanes run at the same time, at most `width` at once. The executor uses it for writes: a
record's own writes (and an effect before the transition that depends on it) share a lane, so they
keep their order, while writes to different records are in flight together.

Stopping is checked before each item starts: once `stop()` says so, nothing new starts, what is under
way ends, and `stopped` is raised. An exception from an item (other than the ones `work` turns into
results itself) ends the run the same way: nothing new starts and it is raised once the others end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from typing import TypeVar

__all__ = ["run_in_lanes"]

T = TypeVar("T")
R = TypeVar("R")


def run_in_lanes(
    items: Sequence[T],
    lane_of: Callable[[T], Hashable],
    work: Callable[[T], R],
    *,
    width: int,
    stop: Callable[[], BaseException | None] = lambda: None,
) -> list[R]:
    """`work(item)` for every item, lanes side by side; the results in the order of `items`.

    `stop()` returns the exception to end the run with (e.g. `InterruptedRun`) or None to go on.
    """
    if width <= 1:
        results = []
        for item in items:
            if (reason := stop()) is not None:
                raise reason
            results.append(work(item))
        return results
    lanes: dict[Hashable, list[int]] = {}
    for index, item in enumerate(items):
        lanes.setdefault(lane_of(item), []).append(index)
    results_by_index: dict[int, R] = {}
    failure: list[BaseException] = []
    lock = threading.Lock()

    def run_lane(indexes: list[int]) -> None:
        for index in indexes:
            with lock:
                if failure:
                    return
                reason = stop()
                if reason is not None:
                    failure.append(reason)
                    return
            try:
                result = work(items[index])
            except BaseException as exc:
                with lock:
                    failure.append(exc)
                return
            with lock:
                results_by_index[index] = result

    with ThreadPoolExecutor(min(width, len(lanes)) or 1, thread_name_prefix="tribe-write") as pool:
        pending: set[Future[None]] = {pool.submit(run_lane, indexes) for indexes in lanes.values()}
        while pending:
            _done, pending = wait(pending, return_when=FIRST_COMPLETED)
    if failure:
        raise failure[0]
    return [results_by_index[index] for index in range(len(items))]
