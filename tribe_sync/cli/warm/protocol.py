"""What the client and the warm process agree on: where the socket lives, whose code it serves, and
the frames they exchange. Standard library only: the client imports it before anything else.

Where: one socket per version of the code in a private folder of the user's, `$XDG_RUNTIME_DIR/tribe-sync`
(else `/tmp/tribe-sync-<uid>`), used only when it is a directory of ours that no one else may enter (0700).

Whose code: the socket's name is a key of everything that decides what a process would import and how:
the interpreter, the package's folder and version, its newest file (an edited checkout), the
site-packages folders' modification times (an upgraded or reinstalled library), the file system
encoding and UTF-8 mode, and the few environment variables that libraries read once at import
(`IMPORT_TIME_ENV`). A client whose key differs connects to another name: an old warm process is
never asked to serve new code; it idles out. The server computes the key itself and refuses to serve
a key that is not its own.

Frames: a 4-byte big-endian length and a JSON object. The conversation, one per command:

    client -> child   request (argv, environ, cwd, umask, streams' encodings, -u, ignored signals) + fds 0-2
    child  -> client  {"pid": N}            set up and ready; or {"refused": why}: the client runs it itself
    client -> child   {"go": true}          only now does the command run (a client gone quiet: never)
    child  -> client  {"exit": CODE, "peak_rss_kb": K}  or {"signal": N, ...}: end the same way
"""

from __future__ import annotations

import json
import os
import site
import socket
import stat
import struct
import sys
from _blake2 import blake2b  # what hashlib.blake2b is, without hashlib's OpenSSL (3 ms of start-up)
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "HANDSHAKE_S",
    "IDLE_S",
    "IMPORT_TIME_ENV",
    "MAX_FRAME",
    "ClosedError",
    "code_key",
    "decode",
    "encode",
    "package_dir",
    "peer_credentials",
    "private_dir",
    "receive",
    "receive_with_fds",
    "runtime_dir",
    "same_place",
    "send",
    "socket_path",
    "supported",
]

HANDSHAKE_S = 2.0  # from connecting to "go": longer than this and the client runs the command itself
IDLE_S = 900.0  # a warm process ends after this long without a command
MAX_FRAME = 16 * 1024 * 1024
SOCKET_PATH_MAX = 107  # sun_path is 108 bytes on Linux, with its terminating NUL
TEMP_SUFFIX_MAX = 12  # ".<pid>" of the name a server binds before it renames it into place

# Read by a library once, when it is imported (so a forked child would keep the server's values):
# a client with other values gets a warm process started with its own. The rest of the environment is
# the client's, set in the child before the command runs.
IMPORT_TIME_ENV = (
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONTZPATH",  # zoneinfo's search path
    "PYTHONWARNINGS",
    "PYTHONDEVMODE",
    "PYTHONOPTIMIZE",
    "TYPER_USE_RICH",  # typer.core
    "DISABLE_SQLALCHEMY_CEXT_RUNTIME",  # sqlalchemy.util
    "PSYCOPG_IMPL",  # psycopg's C, binary or Python implementation
)

_LENGTH = struct.Struct(">I")
_CREDENTIALS = struct.Struct("3i")  # struct ucred: pid, uid, gid


def supported() -> bool:
    """Whether this system has what the warm process needs: fork, descriptors passed over a unix
    socket, and the kernel's word on who is at the other end (Linux)."""
    return all(hasattr(module, name) for module, name in _NEEDED)


_NEEDED = ((os, "fork"), (socket, "AF_UNIX"), (socket, "SO_PEERCRED"), (socket, "send_fds"))


def peer_credentials(sock: socket.socket) -> tuple[int, int, int]:
    """(pid, uid, gid) of the process at the other end of a unix socket, as the kernel says."""
    pid, uid, gid = _CREDENTIALS.unpack(
        sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _CREDENTIALS.size)
    )
    return pid, uid, gid


class ClosedError(ConnectionError):
    """The other side closed the connection before a whole frame arrived."""


def runtime_dir(environ: Mapping[str, str]) -> str:
    """The private folder the sockets live in (not checked here: see `private_dir`)."""
    base = environ.get("XDG_RUNTIME_DIR")
    if base:
        return os.path.join(base, "tribe-sync")
    return f"/tmp/tribe-sync-{os.getuid()}"


def private_dir(path: str, *, create: bool) -> bool:
    """Whether `path` is a directory (not a link) of ours that only we may use (mode 0700); made so if
    it is missing and `create`. A folder someone else could write to or own is never used: they could
    put a socket of theirs where we look for ours."""
    if create:
        try:
            os.mkdir(path, 0o700)
        except FileExistsError:
            pass
        except OSError:
            return False
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return (
        stat.S_ISDIR(found.st_mode) and found.st_uid == os.getuid() and stat.S_IMODE(found.st_mode) == 0o700
    )


def socket_path(folder: str, key: str) -> str | None:
    """The socket of the warm process for `key` in `folder`; None if the name would not fit AF_UNIX."""
    path = os.path.join(folder, f"{key}.sock")
    return path if len(os.fsencode(path)) + TEMP_SUFFIX_MAX <= SOCKET_PATH_MAX else None


def package_dir() -> str:
    """The folder of the `tribe_sync` package this process runs."""
    import tribe_sync  # noqa: PLC0415 - the package's __init__ is trivial; cycles are not

    return os.path.dirname(os.path.abspath(tribe_sync.__file__ or ""))


def _newest(top: str) -> tuple[int, int]:
    """The newest modification time (ns) of any file under `top` and the number of files (so that a
    deleted module changes it too); compiled caches left out."""
    newest, count, folders = 0, 0, [top]
    while folders:
        with os.scandir(folders.pop()) as entries:
            for entry in entries:
                if entry.name == "__pycache__":
                    continue
                if entry.is_dir(follow_symlinks=False):
                    folders.append(entry.path)
                    continue
                count += 1
                newest = max(newest, entry.stat(follow_symlinks=False).st_mtime_ns)
    return newest, count


def _mtime(path: str) -> int:
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return -1


def code_key(environ: Mapping[str, str]) -> str:
    """A short key of the code a process started now with `environ` would run (see the docstring):
    `<interpreter and checkout>-<everything>`."""
    import tribe_sync  # noqa: PLC0415

    folder = package_dir()
    parts: list[object] = [
        os.path.realpath(sys.executable),  # python and python3 of one environment are one
        sys.version,
        folder,
        getattr(tribe_sync, "__version__", ""),
        _newest(folder),
        sys.getfilesystemencoding(),
        sys.flags.utf8_mode,
    ]
    parts += [(path, _mtime(path)) for path in getattr(site, "getsitepackages", list)()]
    parts += [(name, environ.get(name)) for name in IMPORT_TIME_ENV]
    return f"{_digest([sys.prefix, folder], 4)}-{_digest(parts, 8)}"


def same_place(key: str) -> str:
    """The part of `key` that says which interpreter and checkout: a newer key with the same part
    replaces the older one's socket (`server.serve`), so that its process ends before its idle time."""
    return key.split("-", 1)[0]


def _digest(parts: list[object], size: int) -> str:
    return blake2b(repr(parts).encode("utf-8", "surrogateescape"), digest_size=size).hexdigest()


def encode(message: Mapping[str, Any]) -> bytes:
    """One frame: the length, then the JSON (ASCII, so that any str, lone surrogates too, survives)."""
    body = json.dumps(message, separators=(",", ":")).encode("ascii")
    return _LENGTH.pack(len(body)) + body


def decode(body: bytes) -> dict[str, Any]:
    found = json.loads(body)
    if not isinstance(found, dict):
        raise ValueError("a frame holds a JSON object")
    return found


def send(sock: socket.socket, message: Mapping[str, Any], fds: Sequence[int] = ()) -> None:
    frame = encode(message)
    if fds:  # the descriptors travel with the frame's first bytes
        sent = socket.send_fds(sock, [frame], list(fds))
        sock.sendall(frame[sent:])
    else:
        sock.sendall(frame)


def _exactly(sock: socket.socket, size: int, start: bytes = b"") -> bytes:
    if len(start) > size:
        raise ValueError("more than one frame arrived at once")
    data = bytearray(start)
    while len(data) < size:
        chunk = sock.recv(min(size - len(data), 1 << 20))
        if not chunk:
            raise ClosedError("the connection closed in the middle of a frame" if data else "closed")
        data += chunk
    return bytes(data)


def _body(sock: socket.socket, head: bytes) -> dict[str, Any]:
    header = _exactly(sock, _LENGTH.size, head[: _LENGTH.size])
    (length,) = _LENGTH.unpack(header)
    if length > MAX_FRAME:
        raise ValueError(f"a frame of {length} bytes is more than a command needs")
    return decode(_exactly(sock, length, head[_LENGTH.size :]))


def receive(sock: socket.socket) -> dict[str, Any]:
    """The next frame; ClosedError if the other side closed the connection first."""
    return _body(sock, b"")


def receive_with_fds(sock: socket.socket, max_fds: int) -> tuple[dict[str, Any], list[int]]:
    """The next frame and the descriptors sent with it (at most `max_fds`; more are closed)."""
    head, fds, _flags, _address = socket.recv_fds(sock, 1 << 16, max_fds)
    if not head:
        for fd in fds:
            os.close(fd)
        raise ClosedError("closed")
    try:
        return _body(sock, head), fds
    except BaseException:
        for fd in fds:
            os.close(fd)
        raise
