"""Independent work side by side, dependent work in order: lanes, and waits across them.

Each item names its lane; the items of one lane run one after another in the order given, and
different lanes run at the same time, at most `width` at once. An item may also wait for items of
other lanes (`waits_for`, by key): it starts only once those, if they are in the batch and come
before it, have ended. The executor uses it for writes: a record's own writes share a lane, and a
transition waits for the effect it depends on (a task, a hand-off file), while writes to different
records are in flight together. With `width` 1 it is plain order.

Stopping is checked before each item starts: once `stop()` names a reason, nothing new starts, what
is under way ends, and the reason is raised. An exception from an item ends the run the same way.
Results come back in the order of the items, whatever order they finished in.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
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
    key_of: Callable[[T], Hashable] | None = None,
    waits_for: Callable[[T], Collection[Hashable]] = lambda _item: (),
) -> list[R]:
    """`work(item)` for every item; see the module docstring. `stop()` returns the exception to end
    the run with (e.g. `InterruptedRun`), or None to go on."""
    if width <= 1:
        in_order = []
        for item in items:
            if (reason := stop()) is not None:
                raise reason
            in_order.append(work(item))
        return in_order
    waiting = _predecessors(items, lane_of, key_of, waits_for)
    followers: dict[int, list[int]] = {}
    for index, before in enumerate(waiting):
        for earlier in before:
            followers.setdefault(earlier, []).append(index)
    ready = [index for index, before in enumerate(waiting) if not before]
    results: dict[int, R] = {}
    failure: BaseException | None = None
    with ThreadPoolExecutor(width, thread_name_prefix="tribe-write") as pool:
        running: dict[Future[R], int] = {}
        while ready or running:
            while ready and len(running) < width and failure is None:
                if (reason := stop()) is not None:
                    failure = reason
                    break
                index = ready.pop(0)
                running[pool.submit(work, items[index])] = index
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in sorted(finished, key=running.__getitem__):
                index = running.pop(future)
                error = future.exception()
                if error is not None:
                    failure = failure or error
                    continue
                results[index] = future.result()
                for follower in followers.get(index, ()):
                    waiting[follower].discard(index)
                    if not waiting[follower]:
                        ready.append(follower)
            ready.sort()
    if failure is not None:
        raise failure
    return [results[index] for index in range(len(items))]


def _predecessors(
    items: Sequence[T],
    lane_of: Callable[[T], Hashable],
    key_of: Callable[[T], Hashable] | None,
    waits_for: Callable[[T], Collection[Hashable]],
) -> list[set[int]]:
    """For each item, the earlier items it must wait for: its lane's previous one and its waits."""
    last_in_lane: dict[Hashable, int] = {}
    index_of_key: dict[Hashable, int] = {}
    waiting: list[set[int]] = []
    for index, item in enumerate(items):
        before: set[int] = set()
        lane = lane_of(item)
        if lane in last_in_lane:
            before.add(last_in_lane[lane])
        last_in_lane[lane] = index
        for key in waits_for(item):
            if key in index_of_key:
                before.add(index_of_key[key])
        if key_of is not None:
            index_of_key[key_of(item)] = index
        waiting.append(before)
    return waiting
