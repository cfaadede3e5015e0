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
        """The non-empty text at `key`, stripped; "" when missing (`keys` reports what is required)."""
        if key not in data:
            return ""
        return (self.text_value(data[key], data.line_of(key), f"{what} '{key}'") or "").strip()

    def text_value(self, value: Any, line: int, what: str, rule: str = "non-empty text") -> str | None:
        """`value` when it is non-empty text; else None, with a problem that says how YAML read it."""
        if isinstance(value, str) and value.strip():
            return value
        self.problem(line, f"{what} must be {rule}, not {_read_as(value)}")
        return None

    def texts(self, data: LineDict, key: str, what: str) -> tuple[str, ...]:
        """A list of non-empty strings at `key`, stripped (missing means empty)."""
        if key not in data:
            return ()
        items = self.sequence(data[key], data.line_of(key), f"{what} '{key}'")
        label = f"{what} '{key}' item"
        found = (self.text_value(item, items.line_of(index), label) for index, item in enumerate(items))
        return tuple(text.strip() for text in found if text)


def _read_as(value: Any) -> str:
    """What YAML read a value as where text was expected, and how to write it as text."""
    if isinstance(value, bool):
        return f"{_kind(value)}: YAML reads an unquoted yes, no, on, off, true or false as a boolean, so quote the word ('yes')"
    if value is None:
        return (
            f"{_kind(value)}: YAML reads an empty value, or an unquoted null or ~, as nothing, so write the text, quoted ('null')"
        )
    if isinstance(value, (dict, list, str)):
        return _kind(value)
    return f"{_kind(value)}: quote it"  # a number or a date


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
