"""Keep a process's memory near what it uses: bounded malloc arenas, big buffers given back whole.

The client reads pages on up to `crm.max_in_flight` threads at once, and glibc gives each thread that
allocates concurrently an arena of its own (up to eight per core). A page's JSON text is about 170 kB;
freed on one thread, it leaves a hole in that thread's arena that the next page, parsed on another
thread, does not reuse. glibc also raises its mmap threshold to the largest block freed so far, so
after the first pages even these big buffers come from the arenas instead of being mapped and given
back. Together that kept tens of MB per process that nothing used any more: at 10x scale a job's peak
RSS went past 200 MB although far less was live.

`bound_arenas` sets two arenas and a fixed mmap threshold, once per process, before the threads start.
Only where the C library is glibc (`mallopt`); elsewhere it does nothing and says so.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import sys

__all__ = ["bound_arenas"]

log = logging.getLogger("tribe_sync")

_M_MMAP_THRESHOLD = -3  # glibc's mallopt parameters (malloc.h)
_M_ARENA_MAX = -8
_done: list[bool] = []


def bound_arenas(arenas: int = 2, mmap_threshold: int = 128 * 1024) -> bool:
    """At most `arenas` malloc arenas, and blocks of `mmap_threshold` bytes or more mapped (and
    unmapped when freed) whatever was freed before. True if glibc took both settings."""
    if _done:
        return _done[0]
    applied = False
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
            mallopt = libc.mallopt
        except (OSError, AttributeError):
            mallopt = None
        if mallopt is not None:
            mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
            applied = bool(mallopt(_M_ARENA_MAX, arenas)) and bool(mallopt(_M_MMAP_THRESHOLD, mmap_threshold))
    if not applied:
        log.debug("malloc arenas left as they are (no glibc mallopt here)")
    _done.append(applied)
    return applied
