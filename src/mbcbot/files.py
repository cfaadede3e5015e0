"""Read a file that is sure to end: a regular file only, and never more than a limit of bytes.

A named pipe, a device or a link to one (`/dev/zero`) in place of a knowledge or transcript file would hang a
command or read forever; such a file is refused, by what stands there, before anything is read.
"""

from __future__ import annotations

import os
import stat

_NO_WAITING = getattr(os, "O_NONBLOCK", 0)  # opening a pipe then cannot wait for a writer
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISCHR, "a device"),
    (stat.S_ISBLK, "a device"),
    (stat.S_ISSOCK, "a socket"),
)


class FileRefused(Exception):
    """A file that cannot be read, or is not a regular file, or is too large; the message says which."""


def read_capped(path: str | os.PathLike[str], limit: int) -> bytes:
    """The content of the regular file at `path` (links followed), at most `limit` bytes; else FileRefused."""
    try:
        _regular(os.stat(path), limit)  # before opening: opening a device can itself wait or act
        handle = os.open(path, os.O_RDONLY | os.O_CLOEXEC | _NO_WAITING)
    except OSError as error:
        raise FileRefused(f"cannot be read: {error.strerror or error}") from None
    try:
        _regular(os.fstat(handle), limit)  # what was opened, should it have been swapped since
        with os.fdopen(handle, "rb", closefd=False) as stream:
            content = stream.read(limit + 1)
    except OSError as error:
        raise FileRefused(f"cannot be read: {error.strerror or error}") from None
    finally:
        os.close(handle)
    if len(content) > limit:  # it grew while it was read
        raise FileRefused(_too_large(f"more than {limit}", limit))
    return content


def _regular(info: os.stat_result, limit: int) -> None:
    """Nothing when `info` is a regular file's of at most `limit` bytes; else FileRefused saying what is wrong."""
    if stat.S_ISREG(info.st_mode):
        if info.st_size > limit:
            raise FileRefused(_too_large(str(info.st_size), limit))
        return
    kind = next((name for is_kind, name in _KINDS if is_kind(info.st_mode)), "a special file")
    raise FileRefused(f"is {kind}, not a regular file: replace it with the file itself")


def _too_large(size: str, limit: int) -> str:
    return f"file is {size} bytes; the limit is {limit}: is it the right file?"
