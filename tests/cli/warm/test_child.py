"""The child ends a command as Python's own exit would have ended the client's process."""

from __future__ import annotations

import os

import pytest

from tribe_sync.cli.warm import child


@pytest.mark.parametrize(("code", "exit_code"), [(None, 0), (0, 0), (2, 2), (130, 130), (256, 0), (-1, 255)])
def test_a_number_given_to_sys_exit_is_the_exit_code_the_shell_sees(code: int | None, exit_code: int) -> None:
    assert child._exit_code(code) == exit_code


def test_anything_else_given_to_sys_exit_is_said_on_stderr_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert child._exit_code("fout: kapot") == 1
    assert capsys.readouterr().err == "fout: kapot\n"


def test_standard_streams_are_buffered_as_pythons_start_up_buffers_them() -> None:
    read, write = os.pipe()
    try:
        saved = os.dup(1), os.dup(2)
        os.dup2(write, 1)
        os.dup2(write, 2)
        try:
            out = child._stream(1, "utf-8", "strict", unbuffered=False)
            err = child._stream(2, "utf-8", "backslashreplace", unbuffered=False)
            through = child._stream(1, "utf-8", "strict", unbuffered=True)
        finally:
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
        assert (out.line_buffering, out.write_through) == (False, False)  # a pipe: block-buffered
        assert err.line_buffering
        assert err.errors == "backslashreplace"
        assert through.write_through
        assert repr(out) == "<_io.TextIOWrapper name='<stdout>' mode='w' encoding='utf-8'>"
    finally:
        os.close(read)
        os.close(write)
