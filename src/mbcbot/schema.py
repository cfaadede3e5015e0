"""Small checks of loaded YAML values that collect every problem with its line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mbcbot.errors import Problem
from mbcbot.yamlfile import LineDict, LineList, read_yaml


class FileCheck:
    """Collects the problems of one file; each check returns a usable value."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def problem(self, line: int, message: str) -> None:
        """Record one problem."""
        self.problems.append(Problem(self.file, line, message))

    def document(self, path: Path) -> LineDict:
        """The file's top-level mapping; empty, with its problems recorded, when it cannot be read."""
        data, problems = read_yaml(path)
        self.problems += problems
        return self.mapping(data, 1, "the file") if not problems else LineDict()

    def mapping(self, value: Any, line: int, what: str) -> LineDict:
        """`value` as a mapping, else an empty one and a problem."""
        if isinstance(value, LineDict):
            value.line = value.line or max(line, 1)  # an absent section's stand-in: at its parent's line
            return value
        empty = LineDict()
        empty.line = max(line, 1)  # what is missing from it is reported where it should stand
        if not (isinstance(value, dict) and not value):  # else an absent optional section
            self.problem(line, f"{what} must be a mapping, not {_kind(value)}")
        return empty

    def sequence(self, value: Any, line: int, what: str) -> LineList:
        """`value` as a list, else an empty one and a problem."""
        if isinstance(value, LineList):
            value.line = value.line or max(line, 1)
            return value
        empty = LineList()
        empty.line = max(line, 1)
        if not (isinstance(value, list) and not value):  # else an absent optional section
            self.problem(line, f"{what} must be a list, not {_kind(value)}")
        return empty

    def keys(self, data: LineDict, what: str, required: set[str], optional: set[str] = frozenset()) -> None:  # type: ignore[assignment]
        """Every required key present and no unknown key."""
        for key in sorted(required - set(data)):
            self.problem(data.line, f"{what} has no '{key}'")
        for key in sorted(set(data) - required - set(optional), key=str):
            self.problem(data.line_of(key), f"{what} has an unknown key {key!r}")

    def text(self, data: LineDict, key: str, what: str) -> str:
        """A non-empty string at `key`."""
        value = data.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if key in data:
            self.problem(data.line_of(key), f"{what} '{key}' must be non-empty text, not {_kind(value)}")
        return ""

    def word(self, value: Any, line: int, what: str) -> str | None:
        """`value` when it is non-empty text; None, with a problem that says how YAML read it, when not."""
        if isinstance(value, str) and value.strip():
            return value
        hint = ""
        if isinstance(value, bool) or value is None:
            hint = ": YAML reads an unquoted yes, no, on, off, true, false, null or ~ as a value, so quote the word ('yes')"
        elif isinstance(value, (int, float)):
            hint = ": quote it"
        self.problem(line, f"{what} must be non-empty text, not {_kind(value)}{hint}")
        return None

    def texts(self, data: LineDict, key: str, what: str) -> tuple[str, ...]:
        """A list of non-empty strings at `key` (missing means empty)."""
        if key not in data:
            return ()
        items = self.sequence(data[key], data.line_of(key), f"{what} '{key}'")
        good = []
        for index, item in enumerate(items):
            if isinstance(item, str) and item.strip():
                good.append(item.strip())
            else:
                self.problem(items.line_of(index), f"{what} '{key}' item must be non-empty text, not {_kind(item)}")
        return tuple(good)


def _kind(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return f"a boolean ({value})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return "empty text" if not value.strip() else f"text ({value[:30]!r})"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__
