"""The warm process's protocol, without sockets: frames, the key of the code, where the socket lives."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest

from tribe_sync.cli.warm import protocol


def test_a_frame_carries_any_json_object_and_any_string_even_an_undecodable_name() -> None:
    message = {"argv": ["tribe-sync", "requests", "list", "--org", "Stichting \udcff café"], "umask": 0o22}
    frame = protocol.encode(message)
    assert int.from_bytes(frame[:4], "big") == len(frame) - 4
    assert protocol.decode(frame[4:]) == message


def test_a_frame_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ValueError, match="object"):
        protocol.decode(b"[1, 2]")


def test_frames_and_descriptors_arrive_whole_over_a_unix_socket(tmp_path: Path) -> None:
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    with ours, theirs, open(tmp_path / "out", "w") as out:
        big = {"environ": {f"K{n}": "v" * 100 for n in range(800)}}  # more than one read, less than a buffer
        protocol.send(ours, big, fds=(out.fileno(),))
        found, fds = protocol.receive_with_fds(theirs, 3)
        assert found == big
        assert len(fds) == 1
        os.write(fds[0], b"via the passed descriptor")
        os.close(fds[0])
        protocol.send(ours, {"go": True})
        assert protocol.receive(theirs) == {"go": True}
        ours.close()
        with pytest.raises(protocol.ClosedError):
            protocol.receive(theirs)
    assert (tmp_path / "out").read_text() == "via the passed descriptor"


def test_the_key_changes_with_a_variable_a_library_reads_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    before = protocol.code_key({})
    assert protocol.code_key({}) == before
    after = protocol.code_key({"PYTHONPATH": "/elsewhere"})
    assert after != before
    assert protocol.same_place(after) == protocol.same_place(before)  # same interpreter and checkout


def test_the_key_ignores_the_rest_of_the_environment() -> None:
    assert protocol.code_key({"TRIBE_SYNC_STORE__URL": "sqlite:///x.db"}) == protocol.code_key({})


def test_the_newest_file_of_the_package_changes_when_a_module_is_edited_added_or_removed(
    tmp_path: Path,
) -> None:
    (tmp_path / "sub").mkdir()
    module = tmp_path / "sub" / "module.py"
    module.write_text("x = 1\n")
    os.utime(module, ns=(1_000, 1_000))
    first = protocol._newest(str(tmp_path))
    assert first == (1_000, 1)
    os.utime(module, ns=(2_000, 2_000))
    assert protocol._newest(str(tmp_path)) == (2_000, 1)
    other = tmp_path / "other.py"
    other.write_text("")
    os.utime(other, ns=(1_500, 1_500))
    assert protocol._newest(str(tmp_path)) == (2_000, 2)
    other.unlink()
    (tmp_path / "sub" / "__pycache__").mkdir()
    (tmp_path / "sub" / "__pycache__" / "module.cpython-311.pyc").write_text("")  # compiled: not code
    assert protocol._newest(str(tmp_path)) == (2_000, 1)


def test_the_sockets_live_in_the_runtime_folder_or_in_a_folder_of_the_user_in_tmp() -> None:
    assert protocol.runtime_dir({"XDG_RUNTIME_DIR": "/run/user/1000"}) == "/run/user/1000/tribe-sync"
    assert protocol.runtime_dir({}) == f"/tmp/tribe-sync-{os.getuid()}"


def test_a_socket_name_that_would_not_fit_af_unix_is_not_used() -> None:
    folder = "/run/user/1000/tribe-sync"
    assert protocol.socket_path(folder, "ab-cd") == f"{folder}/ab-cd.sock"
    assert protocol.socket_path("/" + "x" * 100, "ab-cd") is None


def test_the_private_folder_is_made_for_the_user_alone(tmp_path: Path) -> None:
    folder = tmp_path / "tribe-sync"
    assert protocol.private_dir(str(folder), create=True)
    assert (folder.stat().st_mode & 0o777) == 0o700


def test_a_folder_others_may_enter_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "tribe-sync"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    assert not protocol.private_dir(str(folder), create=True)


def test_a_link_to_a_private_folder_is_refused(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir(mode=0o700)
    (tmp_path / "tribe-sync").symlink_to(real)
    assert not protocol.private_dir(str(tmp_path / "tribe-sync"), create=True)


def test_a_missing_folder_is_not_made_when_only_looking(tmp_path: Path) -> None:
    assert not protocol.private_dir(str(tmp_path / "tribe-sync"), create=False)
    assert not (tmp_path / "tribe-sync").exists()
