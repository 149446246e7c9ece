"""Bounded malloc arenas (see `tribe_sync.malloc`): applied once per process where glibc is, harmless
anywhere else."""

from __future__ import annotations

import platform

from tribe_sync.malloc import bound_arenas


def test_arenas_are_bounded_on_glibc_and_asking_again_changes_nothing() -> None:
    first = bound_arenas()
    assert bound_arenas() is first, "once per process"
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert first is True
