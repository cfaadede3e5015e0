"""Read one YAML file into plain values that remember their line numbers.

PyYAML lives here and nowhere else. Aliases are refused (no "billion laughs"),
duplicate keys are refused, and every problem names its file and line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Hashable, Iterator
from pathlib import Path
from typing import Any

import yaml

from mbcbot.errors import Problem

MAX_FILE_BYTES = 2_000_000  # far above any reviewed pack; stops runaway files early

_BaseLoader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_CONTENT = re.compile(r"^[^\S\n]*[^\s#]", re.MULTILINE)  # a line that is neither blank nor a comment (found early)
_SCALAR = yaml.ScalarNode
_STR, _INT, _MAP, _SEQ = (f"tag:yaml.org,2002:{name}" for name in ("str", "int", "map", "seq"))


class LineDict(dict[Any, Any]):
    """A mapping that knows its own line and the line of each key."""

    line = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[Any, int] = {}

    def line_of(self, key: object) -> int:
        """The line where `key` stands, else the mapping's own line."""
        return self.lines.get(key, self.line)


class LineList(list[Any]):
    """A sequence that knows its own line and the line of each item."""

    line = 0

    def __init__(self) -> None:
        super().__init__()
        self.lines: list[int] = []

    def line_of(self, index: int) -> int:
        """The line where item `index` starts."""
        return self.lines[index] if index < len(self.lines) else self.line


class _Refused(Exception):
    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line, self.message = line, message


class _Loader(_BaseLoader):  # type: ignore[misc]
    # The composer calls these around every node, for path resolvers; this loader has none, so they do nothing
    # (PyYAML's own return at once too), here without a Python call each: a third of the calls of a large file.
    descend_resolver = staticmethod(slice)  # (parent, index) -> an unused slice
    ascend_resolver = staticmethod(tuple)  # () -> an unused empty tuple

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        """The tag PyYAML's resolver gives, for a loader without path resolvers, without its per-call lists."""
        if kind is yaml.ScalarNode:
            if implicit[0]:
                for tag, pattern in _IMPLICIT.get(value[:1], _ANY_START):
                    if pattern.match(value):
                        return tag
            return _STR
        return _SEQ if kind is yaml.SequenceNode else _MAP

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        if node in self.constructed_objects:
            raise _Refused(node.start_mark.line + 1, "YAML aliases (*name) are not allowed here")
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError) as error:  # a scalar YAML cannot make, such as the date 2022-81-19
            raise _Refused(node.start_mark.line + 1, f"{node.value!r} is not a valid value ({error})") from None


_ANY_START = tuple(_BaseLoader.yaml_implicit_resolvers.get(None, []))
_IMPLICIT = {  # a scalar's first character ("" when empty) -> the implicit tags it may have, in the resolver's order
    start: tuple(found) + _ANY_START for start, found in _BaseLoader.yaml_implicit_resolvers.items() if start is not None
}


def _mapping(loader: _Loader, node: yaml.Node) -> Iterator[LineDict]:
    _expect(node, yaml.MappingNode, "mapping")  # "!!map [1, 2]" is refused as the safe loader refuses it
    data = LineDict()
    yield data
    _fill_mapping(data, node, loader.construct_object)


def _sequence(loader: _Loader, node: yaml.Node) -> Iterator[LineList]:
    _expect(node, yaml.SequenceNode, "sequence")
    data = LineList()
    yield data
    _fill_sequence(data, node, loader.construct_object)


def _expect(node: yaml.Node, kind: type[yaml.Node], name: str) -> None:
    if not isinstance(node, kind):
        found = type(node).__name__.removesuffix("Node").lower()
        raise yaml.constructor.ConstructorError(None, None, f"expected a {name} node, but found {found}", node.start_mark)


def _fill_mapping(data: LineDict, node: yaml.Node, build: Callable[..., Any], texts: bool = False) -> None:
    """`data` filled from a mapping node; with `texts`, text scalars are taken as they are, without `build`."""
    data.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        key = key_node.value if texts and key_node.tag == _STR and type(key_node) is _SCALAR else build(key_node, deep=True)
        if type(key) is not str and (not isinstance(key, Hashable) or isinstance(key, (list, dict))):
            raise _Refused(line, "a key must be a plain value")
        if key in data:
            raise _Refused(line, f"duplicate key {key!r} (first on line {data.lines[key]})")
        text = texts and value_node.tag == _STR and type(value_node) is _SCALAR
        data[key] = value_node.value if text else build(value_node, deep=True)
        data.lines[key] = line


def _fill_sequence(data: LineList, node: yaml.Node, build: Callable[..., Any], texts: bool = False) -> None:
    """`data` filled from a sequence node; with `texts`, text scalars are taken as they are, without `build`."""
    data.line = node.start_mark.line + 1
    for item in node.value:
        data.append(item.value if texts and item.tag == _STR and type(item) is _SCALAR else build(item, deep=True))
        data.lines.append(item.start_mark.line + 1)


_Loader.add_constructor(_MAP, _mapping)
_Loader.add_constructor(_SEQ, _sequence)


class _Builder:
    """Builds a composed document: text, whole numbers, mappings and lists here, anything else by the loader.

    The same values as `loader.construct_document`, a few times faster on large packs.
    """

    def __init__(self, loader: _Loader, anchored: bool) -> None:
        self._loader = loader
        # A node met twice is an alias, refused as the loader refuses it; with no anchor there can be none.
        self._seen: dict[yaml.Node, Any] | None = loader.constructed_objects if anchored else None

    def build(self, node: yaml.Node, deep: bool = True) -> Any:
        """The value of `node` and everything below it."""
        seen, tag, kind = self._seen, node.tag, type(node)
        if seen is not None and node in seen:
            raise _Refused(node.start_mark.line + 1, "YAML aliases (*name) are not allowed here")
        if kind is yaml.ScalarNode:
            value = node.value
            if tag == _STR:
                found: Any = value
            elif tag == _INT and value.isdecimal() and value.isascii() and (value[0] != "0" or value == "0"):
                found = int(value)  # YAML reads other forms ("012", "0x1f", "1_000") its own way
            else:
                return self._loader.construct_object(node, deep=True)
        elif tag == _MAP and kind is yaml.MappingNode:
            found = LineDict()
            _fill_mapping(found, node, self.build, texts=seen is None)  # no node met twice: text needs no check
        elif tag == _SEQ and kind is yaml.SequenceNode:
            found = LineList()
            _fill_sequence(found, node, self.build, texts=seen is None)
        else:
            return self._loader.construct_object(node, deep=True)
        if seen is not None:
            seen[node] = found
        return found


def shown(path: Path) -> str:
    """The path as a person reads it: relative to here when below here."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def read_yaml(path: Path) -> tuple[Any, list[Problem]]:
    """The file's data and no problems, or None and what is wrong with it."""
    where = shown(path)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            return None, [Problem(where, 1, f"file is {size} bytes; the limit is {MAX_FILE_BYTES}")]
        raw = path.read_bytes()
    except OSError as error:
        return None, [Problem(where, 1, f"cannot be read: {error.strerror or error}")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        return None, [Problem(where, line, f"is not valid UTF-8 (byte {error.start})")]
    if not _CONTENT.search(text) and all(not s.strip() or s.lstrip().startswith("#") for s in text.splitlines()):
        return None, [Problem(where, 1, "file is empty")]
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            return (None if root is None else _Builder(loader, anchored="&" in text).build(root)), []
        finally:
            loader.constructed_objects.clear()  # the node tree goes now, even while the collector is paused
            loader.dispose()
    except _Refused as refused:
        return None, [Problem(where, refused.line, refused.message)]
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(part) for part in (error.context, error.problem) if part)
        if mark and "tab" not in what and text[mark.index : mark.index + 1] == "\t":
            what += " (a tab character: indent with spaces)"
        return None, [Problem(where, line, f"YAML syntax error: {what}")]
    except yaml.YAMLError as error:
        return None, [Problem(where, 1, f"YAML error: {error}")]
    except RecursionError:
        return None, [Problem(where, 1, "nesting is too deep")]


def yaml_text(data: Any) -> str:
    """Readable, diff-friendly YAML: block style, keys in the given order, multi-line text as literal blocks."""

    class _Dumper(yaml.SafeDumper):
        pass

    def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
        style = "|" if "\n" in value else None
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)

    _Dumper.add_representer(str, _text)
    return str(yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100, default_flow_style=None))
