"""The shape of the code, read with `ast`: imports point down, one home per library, small modules, no prose in code."""

from __future__ import annotations

import ast
import string
import sys
from pathlib import Path

import pytest

from knowledge_edits import KNOWLEDGE
from mbcbot.knowledge import load_knowledge

SOURCE = Path(__file__).resolve().parents[1] / "src" / "mbcbot"
MAX_LINES = 400  # a module well past this is likely two concepts; never split one only to pass
# Each module's layer; a module may import only from lower layers.
LAYERS = {
    "mbcbot": 0,
    "cache": 2,
    "errors": 0,
    "files": 0,
    "model": 1,
    "text": 1,
    "yamlfile": 2,
    "review": 2,
    "spelling": 2,
    "phrases": 2,
    "regexes": 2,
    "questions": 2,
    "safety": 3,
    "safetyfile": 4,
    "queries": 3,
    "schema": 3,
    "conversation": 4,
    "lexicon": 4,
    "replies": 4,
    "matching": 4,
    "knowledge": 5,
    "smalltalk": 5,
    "stamping": 6,
    "navigation": 5,
    "dialogue": 6,
    "bot": 7,
    "transcripts": 8,
    "remote": 2,
    "botium": 7,
    "recording": 9,
    "replaying": 10,
    "console": 8,
    "chat": 9,
    "web": 9,
    "web.settings": 9,
    "web.state": 9,
    "web.limits": 9,
    "web.jsonbodies": 9,
    "web.widget": 9,
    "web.metrics": 9,
    "web.connections": 10,
    "web.chatroute": 10,
    "web.guard": 11,
    "web.app": 12,
    "web.server": 13,
    "cli": 14,
    "__main__": 15,
}
LEAVES = {"errors", "model", "text"}
# Each third-party library's one home; the web framework, Starlette, is the web front end's (every web/ module).
LIBRARY_HOMES = {
    "yaml": "yamlfile",
    "rapidfuzz": "spelling",
    "prompt_toolkit": "chat",
    "uvicorn": "web.server",
    "orjson": "web.jsonbodies",
    "prometheus_client": "web.metrics",
}
WEB_LIBRARY = "starlette"


def _module_name(path: Path) -> str:
    """A source file's module name below mbcbot: "bot", "web.app", "web" (a package), "mbcbot" (the top)."""
    parts = path.relative_to(SOURCE).with_suffix("").parts
    parts = parts[:-1] if parts[-1] == "__init__" else parts
    return ".".join(parts) or "mbcbot"


MODULES = {_module_name(path): path for path in sorted(SOURCE.rglob("*.py"))}  # every module, web/ too


def imports(path: Path) -> set[str]:
    """Every module a file imports, anywhere in it (functions too), as dotted names."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path.name}: relative import"
            found.add(node.module)
            if node.module == "mbcbot":
                found |= {f"mbcbot.{alias.name}" for alias in node.names if f"mbcbot.{alias.name}" in _dotted()}
    return found


def _dotted() -> set[str]:
    return {f"mbcbot.{name}" for name in MODULES if name != "mbcbot"}


def own_imports(name: str) -> set[str]:
    """The mbcbot modules `name` imports, by short name."""
    found = set()
    for module in imports(MODULES[name]):
        if module == "mbcbot":
            found.add("mbcbot")
        elif module.startswith("mbcbot."):
            found.add(module.removeprefix("mbcbot."))
    return found - {name}


def third_party(name: str) -> set[str]:
    """The top-level third-party packages `name` imports."""
    tops = {module.split(".")[0] for module in imports(MODULES[name])}
    return {top for top in tops if top not in sys.stdlib_module_names and top not in ("mbcbot", "__future__")}


def test_every_module_has_a_layer() -> None:
    assert set(MODULES) - set(LAYERS) == set(), "new module: give it a layer in LAYERS"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_imports_point_down(name: str) -> None:
    upward = {other for other in own_imports(name) if LAYERS.get(other, 99) >= LAYERS[name]}
    assert not upward, f"{name} (layer {LAYERS[name]}) imports {sorted(upward)} from its own layer or above"


def test_leaves_import_only_errors_and_model() -> None:
    for name in LEAVES:
        assert own_imports(name) <= {"errors", "model"}, name


def test_the_library_never_imports_the_front_ends() -> None:
    for name in MODULES:
        if LAYERS[name] < LAYERS["console"]:
            assert not own_imports(name) & {"console", "chat", "cli"}, name


def test_only_cli_imports_chat() -> None:
    importers = {name for name in MODULES if "chat" in own_imports(name)}
    assert importers == {"cli"}


def test_each_library_lives_in_one_module() -> None:
    homes: dict[str, set[str]] = {}
    for name in MODULES:
        for library in third_party(name):
            homes.setdefault(library, set()).add(name)
    assert all(home.startswith("web.") for home in homes.pop(WEB_LIBRARY, set())), "Starlette outside web/"
    assert homes == {library: {home} for library, home in LIBRARY_HOMES.items()}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name: str) -> None:
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{name}.py has {lines} lines"


def _python_sources() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(SOURCE.rglob("*.py")))  # web/ too


def test_framing_lines_live_in_knowledge_only() -> None:
    code = " ".join(_python_sources().split())
    assert "This is general information, not medical advice" not in code
    for name, line in load_knowledge(KNOWLEDGE).conversation.lines.items():
        fixed = [text for text, _, _, _ in string.Formatter().parse(line)]
        longest = max((" ".join(part.split()) for part in fixed), key=len, default="")
        if len(longest) >= 25:
            assert longest not in code, f"framing line {name!r} is written in the code"


def test_slide_text_lives_in_knowledge_only() -> None:
    code = " ".join(_python_sources().split())
    for slide in load_knowledge(KNOWLEDGE).slides:
        for sentence in slide.sentences:
            if len(sentence) >= 25:
                assert sentence not in code, f"slide {slide.number} text is written in the code"


def test_front_ends_never_import_each_other() -> None:
    for name in (name for name in MODULES if name.startswith("web")):
        assert not own_imports(name) & {"chat", "cli", "console"}, name
    assert not own_imports("chat") & {name for name in MODULES if name.startswith("web")}


def test_answering_from_the_cache_never_imports_pyyaml(tmp_path: Path) -> None:
    """PyYAML is for reading knowledge files: a start whose knowledge comes from the cache does without it."""
    import os
    import subprocess

    program = "from mbcbot.cli import main; import sys; main(['ask', 'liver']); print('yaml' in sys.modules)"
    env = {**os.environ, "MBCBOT_CACHE_DIR": str(tmp_path)}
    env.pop("MBCBOT_NO_CACHE", None)
    runs = [subprocess.run([sys.executable, "-c", program], env=env, capture_output=True, text=True) for _ in range(2)]
    assert runs[0].stdout.strip().endswith("True")  # the first start reads the files and fills the cache
    assert runs[1].stdout.strip().endswith("False"), runs[1].stdout


def _private(name: str) -> bool:
    return any(part.startswith("_") and not (part.startswith("__") and part.endswith("__")) for part in name.split("."))


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_reaches_into_private_names_of_python_or_a_library(name: str) -> None:
    """No `_sre`, `re._parser`, `from yaml import _x`, nor `yaml._x` on an imported module: the next release just works."""
    tree = ast.parse(MODULES[name].read_text(encoding="utf-8"))
    outside: set[str] = set()  # names bound to modules of Python or of a library
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert not _private(alias.name), f"{name} imports {alias.name}"
                outside.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.ImportFrom) and node.module and not node.module.startswith("mbcbot"):
            assert not _private(node.module), f"{name} imports from {node.module}"
            for alias in node.names:
                assert not _private(alias.name), f"{name} imports {alias.name} from {node.module}"
                outside.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in outside:
            assert not _private(node.attr) or node.attr in PUBLIC_UNDERSCORED, f"{name} uses {node.value.id}.{node.attr}"


PUBLIC_UNDERSCORED = {"_asdict", "_replace", "_fields", "_field_defaults", "_make"}  # namedtuple's documented API
