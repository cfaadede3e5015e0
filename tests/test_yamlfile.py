"""read_yaml builds the values PyYAML's safe loader builds, with lines, and refuses what it must."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from mbcbot.yamlfile import LineDict, LineList, read_yaml

ROOT = Path(__file__).resolve().parent.parent

DOCUMENTS = [
    "a: 1\nb: 012\nc: 0x1f\nd: 1_000\ne: -3\nf: +4\ng: 0\nh: 1:30\n",
    "yes: no\nnull: ~\nempty:\nfloat: 1.5e3\ninf: .inf\ndate: 2022-01-19\nstamp: 2001-12-14t21:59:43.10-05:00\n",
    "quoted: '1'\ndouble: \"2022-01-19\"\nplain: text here\nblock: |\n  two\n  lines\nfolded: >\n  one\n  line\n",
    "list: [1, two, 3.0, [4, {five: 5}]]\nset: !!set {a, b}\nbinary: !!binary aGVsbG8=\npairs: !!omap [{x: 1}, {y: 2}]\n",
    "- first\n- second: 2\n  third: [3]\n- - nested\n",
    "just text\n",
    "3\n",
    "empty: ''\nnothing:\ntext: \"R&D, *not* an alias\"\nint: !!int '12'\nstr: !!str 12\n",
]


def _plain(value: object) -> object:
    """The value with LineDicts and LineLists as plain dicts and lists."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_those_of_the_safe_loader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    value, problems = read_yaml(path)
    assert problems == []
    assert _plain(value) == _plain(yaml.safe_load(text))


KNOWLEDGE_FILES = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "knowledge").rglob("*.yaml"))


@pytest.mark.parametrize("name", KNOWLEDGE_FILES)
def test_the_knowledge_reads_as_the_python_safe_loader_reads_it(name: str) -> None:
    """yaml.safe_load is PyYAML's pure-Python loader: what read_yaml falls back to without libyaml."""
    value, problems = read_yaml(ROOT / name)
    assert problems == []
    assert _plain(value) == yaml.safe_load((ROOT / name).read_text(encoding="utf-8"))


def test_without_libyaml_the_python_loader_reads_the_knowledge(tmp_path: Path) -> None:
    script = (
        "import sys, yaml\n"
        "del yaml.CSafeLoader\n"
        "from pathlib import Path\n"
        "from mbcbot.yamlfile import read_yaml\n"
        "for name in sys.argv[1:]:\n"
        "    value, problems = read_yaml(Path(name))\n"
        "    print(name, problems, type(value).__name__)\n"
    )
    done = subprocess.run([sys.executable, "-c", script, *KNOWLEDGE_FILES], cwd=ROOT, capture_output=True, text=True)
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout.splitlines() == [f"{name} [] LineDict" for name in KNOWLEDGE_FILES]


def test_every_mapping_and_list_knows_its_lines(tmp_path: Path) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text("top:\n  - a\n  - key: 1\n    other: [x, y]\nlast: 2\n", encoding="utf-8")
    value, _ = read_yaml(path)
    assert isinstance(value, LineDict) and (value.line, value.line_of("top"), value.line_of("last")) == (1, 1, 5)
    items = value["top"]
    assert isinstance(items, LineList) and (items.line_of(0), items.line_of(1)) == (2, 3)
    assert (items[1].line, items[1].line_of("other"), items[1]["other"].line) == (3, 4, 4)


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", 1, "YAML aliases (*name) are not allowed here"),  # on the anchor's line
        ("a: &x 1\nb: [*x]\n", 1, "YAML aliases (*name) are not allowed here"),
        ("s: !!set {&k a: null}\nt: *k\n", 1, "YAML aliases (*name) are not allowed here"),
        ("a: 1\nb: 2\na: 3\n", 3, "duplicate key 'a' (first on line 1)"),
        ("? [1, 2]\n: x\n", 1, "a key must be a plain value"),
        ("when: 2022-81-19\n", 1, "'2022-81-19' is not a valid value"),
        ("a: 1\nb: !!map [1, 2]\n", 2, "YAML syntax error: expected a mapping node, but found sequence"),
        ("a: 1\nb: !!seq {x: 1}\n", 2, "YAML syntax error: expected a sequence node, but found mapping"),
        ("a: !!str {x: 1}\n", 1, "YAML syntax error: expected a scalar node, but found mapping"),
        ("a: !!str [x]\n", 1, "YAML syntax error: expected a scalar node, but found sequence"),
        ("a: &x text\nb: *x\n", 1, "YAML aliases (*name) are not allowed here"),
        ("&a [*a]\n", 1, "YAML aliases (*name) are not allowed here"),  # a list holding itself
    ],
)
def test_what_is_refused_names_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    path = tmp_path / "doc.yaml"
    path.write_text(text, encoding="utf-8")
    value, problems = read_yaml(path)
    assert value is None and len(problems) == 1
    assert problems[0].line == line and problems[0].message.startswith(message)


def _only_blanks_and_comments(text: str) -> bool:
    """The definition of an empty file: every line, by any line break, blank or a comment."""
    return all(not line.strip() or line.lstrip().startswith("#") for line in text.splitlines())


@settings(max_examples=500, deadline=None)
@given(st.text(st.sampled_from(["#", "a", " ", "\t", "\n", "\r", "\x0b", "\x85", "\u2028", "\u3000", ":"]), max_size=12))
def test_a_file_is_empty_when_only_blanks_and_comments_stand_in_it(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("empty") / "doc.yaml"
    path.write_bytes(text.encode("utf-8"))
    _, problems = read_yaml(path)
    empty = [problem for problem in problems if problem.message == "file is empty"]
    assert bool(empty) == _only_blanks_and_comments(text)
