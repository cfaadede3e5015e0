"""A private cache of validated knowledge, so a command starts without re-reading YAML.

The cache is keyed by the size, modification time and CRC-32 of every
knowledge file and of mbcbot's own source, and by the Python version: any
change to any of them means a full load and validation. It holds reviewed
content only, never anything a person typed.
Set MBCBOT_NO_CACHE=1 to turn it off, MBCBOT_CACHE_DIR to move it.

The file holds data only, never code. Plain values (text, numbers, tuples,
sets, lists, dicts) are written with marshal, which keeps their types and
sharing; the few objects marshal cannot hold (frozen records, frozen maps,
the matcher's own objects) become rows of a table, rebuilt in order from
classes the caller names (`kinds`) and nothing else. A checksum of key and payload is checked before anything is
read, so a damaged or mismatched file is never used.

It is used only in a folder the user owns and no one else can write (else
the cache is off), opened without following links, and written through an
exclusive temporary file. Anything odd about it means a full load, never an
error.
"""

from __future__ import annotations

import marshal
import os
import stat
import sys
import zlib
from collections.abc import Iterable
from typing import Any

from mbcbot import __version__
from mbcbot.files import FileRefused, read_capped

NO_CACHE_ENV = "MBCBOT_NO_CACHE"
CACHE_DIR_ENV = "MBCBOT_CACHE_DIR"
SUFFIX = ".knowledge"
FORMAT = b"mbcbot-cache 2\n"
FINGERPRINT_BYTES = 16_000_000  # far above any knowledge or source file; what is larger is refused when loaded
PLAIN = (str, int, float, bool, bytes, type(None))
CONTAINERS = (tuple, list, frozenset, set, dict)

# A row: (kind, class name, values, positions of the values that are rows built before it).
# kind: "record" (a NamedTuple, from its fields), "map" (a dict type, from keys and values in turn),
# "object" (a plain class, from attribute names and values in turn), or the name of a built-in container.
Row = tuple[str, str, list[Any], list[int]]


def cache_dir() -> str | None:
    """Where the cache lives, or None when it is turned off."""
    if os.environ.get(NO_CACHE_ENV):
        return None
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return configured
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "mbcbot")


def _files(folder: str) -> list[str]:
    found = []
    for top, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        found += [os.path.join(top, name) for name in sorted(names) if not name.endswith(".pyc")]
    return found


def fingerprint(root: str) -> str:
    """A key that changes with any knowledge file, any of mbcbot's source, or Python."""
    parts = [__version__, sys.version, os.path.abspath(root)]
    for path in _files(os.path.dirname(os.path.abspath(__file__))) + _files(root):
        parts.append(f"{path}:{_file_print(path)}")
    text = "\n".join(parts).encode("utf-8", "replace")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def _file_print(path: str) -> str:
    """Size, modification time and CRC-32 of a regular file; for a pipe, a device or a file too large to be
    knowledge, only what stands there (loading it names the problem), so a fingerprint never waits or reads forever."""
    try:
        info = os.stat(path)
        content = read_capped(path, FINGERPRINT_BYTES)
    except (OSError, FileRefused) as error:
        return f"refused:{error}"
    return f"{info.st_size}:{info.st_mtime_ns}:{zlib.crc32(content):08x}"


def private_folder() -> str | None:
    """The cache folder, made if need be, when it is a real folder of this user's that no one else can write."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        info = os.lstat(folder)
    except OSError:
        return None
    return folder if _private(info, stat.S_ISDIR) else None


def _private(info: os.stat_result, is_kind: Any) -> bool:
    """Whether a file or folder is of the expected kind, this user's, and writable by no one else."""
    return bool(is_kind(info.st_mode)) and info.st_uid == os.getuid() and not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cached(root: str, kinds: Iterable[type]) -> Any:
    """What was stored for this exact knowledge and code, rebuilt from `kinds` only, or None."""
    folder = private_folder()
    if folder is None:
        return None
    key = fingerprint(root)
    try:
        handle = os.open(os.path.join(folder, key + SUFFIX), os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        if not _private(os.fstat(handle), stat.S_ISREG):
            return None
        with os.fdopen(handle, "rb", closefd=False) as stream:
            content = stream.read()
        return _value(_payload(content, key), {_name(kind): kind for kind in kinds})
    except Exception:  # a cache that cannot be read only costs time
        return None
    finally:
        os.close(handle)


def store(root: str, value: Any) -> None:
    """Keep `value` for this knowledge and code; quietly does nothing when it cannot."""
    folder = private_folder()
    if folder is None:
        return
    key = fingerprint(root)
    try:
        rows: list[Row] = []
        top = _encoded(value, rows, {})
        payload = marshal.dumps(_shared((isinstance(top, _Ref), int(top) if isinstance(top, _Ref) else top, rows), {}, {}))
        import tempfile  # only when the cache is written: a start from the cache does without it

        descriptor, temporary = tempfile.mkstemp(prefix=key, suffix=".tmp", dir=folder)  # O_EXCL, mode 0600
    except Exception:  # a value the cache cannot hold, or a folder it cannot write: it only costs time
        return
    try:
        with os.fdopen(descriptor, "wb") as stream:
            stream.write(FORMAT + _digest(key, payload) + b"\n" + payload)
        os.replace(temporary, os.path.join(folder, key + SUFFIX))
        _forget_others(folder, key + SUFFIX)
    except OSError:
        if os.path.lexists(temporary):
            os.unlink(temporary)


def _forget_others(folder: str, kept: str) -> None:
    """Remove caches of other knowledge or code (and the old pickled form) from the folder."""
    for name in os.listdir(folder):
        if name != kept and (name.endswith(SUFFIX) or name.endswith(".pickle")):
            os.unlink(os.path.join(folder, name))


def _digest(key: str, payload: bytes | memoryview) -> bytes:
    """A checksum of the key and the payload (damage and mix-ups, not forgery: only the user can write here)."""
    checksum = zlib.crc32(payload, zlib.crc32(key.encode("ascii")))
    return f"{checksum:08x}:{len(payload)}".encode("ascii")


def _payload(content: bytes, key: str) -> memoryview:
    """The marshalled payload of a cache file, once its format and digest hold; ValueError otherwise."""
    ends = content.find(b"\n", len(FORMAT))  # the end of the digest line
    payload = memoryview(content)[ends + 1 :]
    if not content.startswith(FORMAT) or ends < 0 or content[len(FORMAT) : ends] != _digest(key, payload):
        raise ValueError("not a cache of this knowledge")
    return payload


def _name(kind: type) -> str:
    return f"{kind.__module__}.{kind.__qualname__}"


def _encoded(value: Any, rows: list[Row], done: dict[int, Any]) -> Any:
    """`value` as marshal holds it: itself when plain all through, else a _Ref to its row in `rows`."""
    if type(value) in PLAIN:
        return value
    seen = done.get(id(value))
    if seen is not None:
        return seen[0]
    kind = type(value)
    if kind in CONTAINERS:
        items = list(value.items()) if kind is dict else list(value)
        parts = [_encoded(part, rows, done) for pair in items for part in (pair if kind is dict else (pair,))]
        if all(not isinstance(part, _Ref) for part in parts):
            done[id(value)] = (value, value)
            return value
        row: Row = (kind.__name__, "", *_values(parts))
    elif isinstance(value, tuple) and hasattr(kind, "_fields"):
        row = ("record", _name(kind), *_values([_encoded(part, rows, done) for part in value]))
    elif isinstance(value, dict):
        parts = [_encoded(part, rows, done) for pair in value.items() for part in pair]
        plain = all(not isinstance(part, _Ref) for part in parts)
        row = ("map", _name(kind), *(([dict(value)], []) if plain else _values(parts)))  # plain: one dict, as marshal makes it
    elif hasattr(value, "__dict__") and not isinstance(value, (tuple, list, set, frozenset)):
        row = ("object", _name(kind), *_values([_encoded(p, rows, done) for pair in vars(value).items() for p in pair]))
    else:
        raise TypeError(f"the cache cannot hold a {kind.__name__}")
    rows.append(row)
    reference = _Ref(len(rows) - 1)
    done[id(value)] = (reference, value)  # the value is kept alive, so its id is not reused while encoding
    return reference


def _shared(value: Any, equal: dict[Any, Any], done: dict[int, Any]) -> Any:
    """`value` with equal strings, tuples and frozensets made one object, so marshal writes each once.

    The knowledge repeats small values many times over (a concept's words stand in every phrase that names
    the concept); written once and referred to after, the file is a quarter smaller and reads faster.
    Tuples and frozensets are told apart by the identity of their (already shared) parts, so values that are
    equal but of different types (1 and True) are never merged. Lists, dicts and sets stay distinct objects.
    """
    kind = type(value)
    if kind is str:
        return equal.setdefault(value, value)
    if kind not in CONTAINERS:
        return value
    if id(value) in done:
        return done[id(value)][0]
    if kind is dict:
        made: Any = {_shared(key, equal, done): _shared(part, equal, done) for key, part in value.items()}
    else:
        parts = [_shared(part, equal, done) for part in value]
        if kind is tuple or kind is frozenset:
            key = (kind, tuple(map(id, parts)) if kind is tuple else frozenset(map(id, parts)))
            made = equal.setdefault(key, kind(parts))
        else:
            made = kind(parts)
    done[id(value)] = (made, value)  # the original is kept alive, so its id is not reused meanwhile
    return made


class _Ref(int):
    """The number of a row, while encoding."""


def _values(parts: list[Any]) -> tuple[list[Any], list[int]]:
    """Row values (row numbers as plain ints) and the positions that hold row numbers."""
    positions = [at for at, part in enumerate(parts) if isinstance(part, _Ref)]
    return [int(part) if isinstance(part, _Ref) else part for part in parts], positions


def _value(payload: bytes | memoryview, kinds: dict[str, type]) -> Any:
    """The value a payload holds, its rows rebuilt in order; ValueError (or another error) when it is not sound."""
    is_row, root, rows = marshal.loads(payload)
    built: list[Any] = []
    for kind, name, values, positions in rows:
        for at in positions:
            values[at] = built[values[at]]
        built.append(_built(kind, kinds.get(name) if name else None, values))
    return built[root] if is_row else root


def _built(kind: str, cls: type | None, values: list[Any]) -> Any:
    """One row's object: a built-in container or an instance of `cls`."""
    if kind in BUILT_IN:
        return BUILT_IN[kind](values)
    if cls is None:
        raise ValueError(f"a {kind} of a kind the caller did not name")
    if kind == "record" and issubclass(cls, tuple):
        return cls(*values)
    if kind == "map" and issubclass(cls, dict):
        return cls(values[0] if len(values) == 1 else _pairs(values))
    if kind == "object" and not issubclass(cls, (tuple, dict)):
        made = object.__new__(cls)
        vars(made).update(_pairs(values))
        return made
    raise ValueError(f"a {kind} row naming {cls.__name__}")


def _pairs(values: list[Any]) -> dict[Any, Any]:
    """Keys and values given in turn, as a dict."""
    return dict(zip(values[::2], values[1::2], strict=True))


BUILT_IN: dict[str, Any] = {"tuple": tuple, "list": list, "frozenset": frozenset, "set": set, "dict": _pairs}
