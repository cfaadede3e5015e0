"""Read one YAML file into plain values that remember their line numbers.

PyYAML lives here and nowhere else. Its safe loader (libyaml's when installed) reads the file, through its
public constructor API; aliases are refused (no "billion laughs"), duplicate keys are refused, and every
problem names its file and line. Only a regular file is read, and no more of it than MAX_FILE_BYTES.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from mbcbot.errors import Problem, shown
from mbcbot.files import FileRefused, read_capped

MAX_FILE_BYTES = 2_000_000  # far above any reviewed pack; stops runaway files early
MAX_NUMBER_CHARS = 100  # far above any count or digest; a longer number is a slip, and too long to print
_SafeLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's when installed: several times faster
_CONTENT = re.compile(r"^[^\S\n]*[^\s#]", re.MULTILINE)  # a line that is neither blank nor a comment (found early)
_TEXT, _MAP, _SEQ, _INT = (f"tag:yaml.org,2002:{name}" for name in ("str", "map", "seq", "int"))


class LineDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}

    def line_of(self, key: object) -> int:
        """The line where `key` stands, else the mapping's own line."""
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    def __init__(self, line: int = 0) -> None:
        super().__init__()
        self.line = line
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        """The line where item `index` starts."""
        return self.lines[index] if index < len(self.lines) else self.line


class _Refused(Exception):
    """What the loader will not build, at its line."""

    def __init__(self, node: yaml.Node, message: str) -> None:
        super().__init__(message)
        self.line, self.message = _line(node), message


class _LineLoader(_SafeLoader):  # type: ignore[misc]
    """The safe loader, whose mappings and lists remember their lines; aliases and repeated keys are refused."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        # A node met twice is an alias (*name); with no "&" in the text there is no anchor, so there can be none.
        self.met: set[yaml.Node] | None = set() if "&" in text else None

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        """The value of `node` and all below it, as the safe loader builds it: text, mappings and lists here."""
        if self.met is not None:
            if node in self.met:
                raise _Refused(node, "YAML aliases (*name) are not allowed here")
            self.met.add(node)
        if node.tag == _TEXT and type(node) is yaml.ScalarNode:
            return node.value
        if node.tag == _MAP and type(node) is yaml.MappingNode:
            return self.line_dict(node)
        if node.tag == _SEQ and type(node) is yaml.SequenceNode:
            return self.line_list(node)
        if node.tag == _INT and type(node) is yaml.ScalarNode and len(node.value) > MAX_NUMBER_CHARS:
            message = f"a number of {len(node.value)} characters is too long (at most {MAX_NUMBER_CHARS})"
            raise _Refused(node, f"{message}: write a smaller number, or quote it if it is text")
        try:
            return super().construct_object(node, deep=True)  # numbers, dates, sets ... and a tag on the wrong node
        except (ValueError, OverflowError) as error:  # a scalar YAML cannot make, such as the date 2022-81-19
            raise _Refused(node, f"{node.value!r} is not a valid value ({error})") from None

    def line_dict(self, node: yaml.MappingNode) -> LineDict:
        """The mapping, with the line of each key; a key that is not a plain value, or comes twice, is refused."""
        data = LineDict(_line(node))
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            try:
                first = data.lines.get(key)
            except TypeError:  # unhashable: a list or a mapping
                raise _Refused(key_node, "a key must be a plain value") from None
            if first is not None:
                raise _Refused(key_node, f"duplicate key {key!r} (first on line {first})")
            data[key] = self.construct_object(value_node)
            data.lines[key] = key_node.start_mark.line + 1
        return data

    def line_list(self, node: yaml.SequenceNode) -> LineList:
        """The list, with the line of each item; in a [...] list, an unquoted item that runs over a line end is
        refused: two entries with the comma between them missing read as one ("stomach\n abdomen")."""
        for item in node.value if node.flow_style else ():
            if type(item) is yaml.ScalarNode and not item.style and item.end_mark.line > item.start_mark.line:  # plain
                message = f"{item.value!r} runs over a line end inside [...]: is a comma missing? (quote it if it is one entry)"
                raise _Refused(item, message)
        data = LineList(_line(node))
        data += [self.construct_object(item) for item in node.value]
        data.lines += [item.start_mark.line + 1 for item in node.value]
        return data


def _line(node: yaml.Node) -> int:
    """The line where `node` starts, counted from 1."""
    return int(node.start_mark.line) + 1


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The file's data and no problems, or None and what is wrong with it."""
    where = shown(path)
    try:
        raw = read_capped(path, MAX_FILE_BYTES)  # a regular file only: a pipe or /dev/zero would never end
    except FileRefused as refused:
        return None, [Problem(where, 1, str(refused))]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(where, line, f"is not valid UTF-8 (byte {error.start})")]
    if not _CONTENT.search(text) and all(not s.strip() or s.lstrip().startswith("#") for s in text.splitlines()):
        return None, [Problem(where, 1, "file is empty")]
    return _data(text, where)


def _data(text: str, where: str) -> tuple[Any, list[Problem]]:
    """The data of a YAML document, or None and what is wrong with it."""
    loader = _LineLoader(text)
    try:
        return loader.get_single_data(), []
    except _Refused as refused:
        return None, [Problem(where, refused.line, refused.message)]
    except yaml.MarkedYAMLError as error:
        return None, [_syntax_error(error, text, where)]
    except yaml.YAMLError as error:
        return None, [Problem(where, 1, f"YAML error: {error}")]
    except RecursionError:
        return None, [Problem(where, 1, "nesting is too deep")]
    finally:
        loader.dispose()


def _syntax_error(error: yaml.MarkedYAMLError, text: str, where: str) -> Problem:
    """PyYAML's error as one problem at its line, with a hint when a tab is to blame."""
    mark = error.problem_mark or error.context_mark
    what = " ".join(str(part) for part in (error.context, error.problem) if part)
    if mark and "tab" not in what and text[mark.index : mark.index + 1] == "\t":
        what += " (a tab character: indent with spaces)"
    return Problem(where, mark.line + 1 if mark else 1, f"YAML syntax error: {what}")


def yaml_text(data: Any) -> str:
    """Readable, diff-friendly YAML: block style, keys in the given order, multi-line text as literal blocks."""
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None))


class _Dumper(yaml.SafeDumper):
    """The safe dumper, writing multi-line text as a literal block."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    """Text as a scalar node: a literal block when it has several lines."""
    return dumper.represent_scalar(_TEXT, value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)
