"""A private cache of validated knowledge, so a command starts without re-reading YAML.

The cache is keyed by the size, modification time and CRC-32 of every
knowledge file and of mbcbot's own source, and by the Python version: any
change to any of them means a full load and validation. It holds reviewed content only, never anything a person typed.
Set MBCBOT_NO_CACHE=1 to turn it off, MBCBOT_CACHE_DIR to move it.

Compiling the safety and conversation patterns is most of the cost of a
start, so the cache keeps each pattern's compiled program as well, for the
exact Python that made it; any doubt, and the pattern is compiled again.
"""

from __future__ import annotations

import copyreg
import io
import os
import pickle
import re
import stat
import sys
import zlib
from typing import Any

from mbcbot import __version__

NO_CACHE_ENV = "MBCBOT_NO_CACHE"
CACHE_DIR_ENV = "MBCBOT_CACHE_DIR"


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
        info = os.stat(path)
        with open(path, "rb") as handle:
            parts.append(f"{path}:{info.st_size}:{info.st_mtime_ns}:{zlib.crc32(handle.read()):08x}")
    text = "\n".join(parts).encode("utf-8", "replace")
    return f"{zlib.crc32(text):08x}{zlib.adler32(text):08x}{len(text):x}"


def cached(root: str) -> Any:
    """What was stored for this exact knowledge and code, or None."""
    folder = cache_dir()
    if folder is None:
        return None
    path = os.path.join(folder, f"{fingerprint(root)}.pickle")
    try:
        info = os.stat(path)
        if info.st_uid != os.getuid() or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return None
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, TypeError, ValueError):
        return None


def store(root: str, value: Any) -> None:
    """Keep `value` for this knowledge and code; quietly does nothing when it cannot."""
    folder = cache_dir()
    if folder is None:
        return
    name = f"{fingerprint(root)}.pickle"
    temporary = os.path.join(folder, f"{name}.{os.getpid()}.tmp")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = {**copyreg.dispatch_table, re.Pattern: _compiled_pattern}
        pickler.dump(value)
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as handle:
            handle.write(buffer.getvalue())
        os.replace(temporary, os.path.join(folder, name))
        for old in os.listdir(folder):
            if old.endswith(".pickle") and old != name:
                os.unlink(os.path.join(folder, old))
    except Exception:  # a cache that cannot be written only costs time
        if os.path.exists(temporary):
            os.unlink(temporary)


def _compiled_pattern(pattern: re.Pattern[str]) -> tuple[Any, tuple[Any, ...]]:
    """Pickle a pattern with its compiled program, so loading it skips the slow parser."""
    try:
        from re import _compiler, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern.pattern, pattern.flags)
        program = [int(op) for op in _compiler._code(parsed, pattern.flags)]
        names = parsed.state.groupdict
        index = [None] * parsed.state.groups
        for name, number in names.items():
            index[number] = name
        state = (pattern.pattern, pattern.flags | parsed.state.flags, program, parsed.state.groups - 1, dict(names), tuple(index))
        if _rebuilt_pattern(*state) == pattern:
            return _rebuilt_pattern, state
    except Exception:  # any doubt: store the plain pattern
        pass
    return re.compile, (pattern.pattern, pattern.flags)


def _rebuilt_pattern(
    source: str, flags: int, program: list[int], groups: int, names: dict[str, int], index: tuple[Any, ...]
) -> Any:
    """A pattern from its stored program (made by this very Python), else compiled anew."""
    try:
        import _sre  # type: ignore[import-not-found]

        return _sre.compile(source, flags, program, groups, names, index)
    except Exception:
        return re.compile(source, flags)
