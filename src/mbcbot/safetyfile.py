"""Reading `safety.yaml`: its concepts parsed into phrases, its rules checked, every problem as `file:line`.

How the rules are told in a message is `safety`'s business; this module only reads and checks the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import Path

from mbcbot.errors import Problem, shown
from mbcbot.model import FrozenMap, Rule, Safety
from mbcbot.phrases import Node, parsed, phrasebook
from mbcbot.safety import ROLES
from mbcbot.schema import FileCheck
from mbcbot.text import words
from mbcbot.yamlfile import LineDict, LineList, read_yaml

_PREFIX = re.compile(r"\w+\*")


def safety_from(path: Path) -> tuple[Safety, list[Problem]]:
    """The safety rules in `path`, and every problem found in them."""
    check = FileCheck(shown(path))
    data, problems = read_yaml(path)
    if problems:
        return _safety({}, (), (), frozenset()), problems
    data = check.mapping(data, 1, "the file")
    check.keys(data, "the safety file", {"concepts", "framing", "emergency", "advice"}, {"shorthand", "remembered"})
    concepts: dict[str, list[Node]] = {}
    vocabulary: set[str] = set()
    shorthand = _shorthand(check, data)
    for section, fixed in (("framing", True), ("concepts", False)):
        table = check.mapping(data.get(section, LineDict()), data.line_of(section), f"'{section}'")
        if fixed:
            check.keys(table, f"'{section}'", set(ROLES))
        for name, value in table.items():
            if check.text_value(name, table.line_of(name), "a concept name") is None:
                continue
            if not fixed and name in ROLES:
                check.problem(table.line_of(name), f"concept name {name!r} is taken by the framing")
                continue
            items = check.sequence(value, table.line_of(name), f"concept '{name}'")
            if not items:
                check.problem(table.line_of(name), f"concept '{name}' has no phrases")
            for index, item in enumerate(items):
                phrase = _phrase(check, item, items.line_of(index), str(name))
                if phrase is None:
                    continue
                concepts.setdefault(str(name), []).append(phrase)
                said = words(_PREFIX.sub(" ", str(item)))
                for short in dict.fromkeys(word for word in said if word in shorthand):
                    check.problem(
                        items.line_of(index), f"concept '{name}': write {shorthand[short]!r}, not the shorthand {short!r}"
                    )
                vocabulary.update(word for word in said if word.isalpha())
    emergency = _rules(check, data, "emergency", concepts)
    advice = _rules(check, data, "advice", concepts)
    vocabulary.update(shorthand)
    remembered = _remembered(check, data, concepts)
    return _safety(concepts, emergency, advice, frozenset(vocabulary), shorthand, remembered), check.problems


def _remembered(check: FileCheck, data: LineDict, concepts: Mapping[str, list[Node]]) -> frozenset[str]:
    """The concepts a conversation remembers from earlier messages; each must be a concept of the file."""
    names = check.sequence(data.get("remembered", []), data.line_of("remembered"), "'remembered'")
    for index, name in enumerate(names):
        if check.text_value(name, names.line_of(index), "a 'remembered' concept") is not None and name not in concepts:
            check.problem(names.line_of(index), f"'remembered' names {name!r}, which is not a concept")
    return frozenset(name for name in names if name in concepts)


def _shorthand(check: FileCheck, data: LineDict) -> dict[str, str]:
    """Text-speak and the word each stands for, one plain word each ("u": "you")."""
    table = check.mapping(data.get("shorthand", LineDict()), data.line_of("shorthand"), "'shorthand'")
    found: dict[str, str] = {}
    for short, meant in table.items():
        line = table.line_of(short)
        if None in (check.text_value(short, line, "a shorthand word"), check.text_value(meant, line, f"shorthand {short!r}")):
            continue
        if not all(words(word) == [word] for word in (short, meant)):
            check.problem(line, f"shorthand {short!r}: {meant!r}: each must be one plain lower-case word")
            continue
        found[short] = meant
    return found


def _safety(
    concepts: Mapping[str, list[Node]],
    emergency: Iterable[Rule],
    advice: Iterable[Rule],
    vocabulary: frozenset[str],
    shorthand: Mapping[str, str] | None = None,
    remembered: frozenset[str] = frozenset(),
) -> Safety:
    """The frozen safety rules, each phrase filed under the words it can open with."""
    frozen_shorthand = FrozenMap(shorthand or {})
    return Safety(FrozenMap(phrasebook(concepts)), tuple(emergency), tuple(advice), vocabulary, frozen_shorthand, remembered)


def _phrase(check: FileCheck, item: object, line: int, concept: str) -> Node | None:
    """One phrase of a concept, parsed; None, with a problem, when it cannot be."""
    phrase = check.text_value(item, line, f"concept '{concept}': a phrase")
    if phrase is None:
        return None
    try:
        return parsed(phrase)
    except ValueError as error:
        check.problem(line, f"concept '{concept}': phrase {item!r} {error}")
        return None


def _rules(check: FileCheck, data: LineDict, group: str, concepts: Mapping[str, list[Node]]) -> list[Rule]:
    rules: list[Rule] = []
    seen: set[str] = set()
    items = check.sequence(data.get(group, LineList()), data.line_of(group), f"'{group}'")
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), f"a {group} rule")
        check.keys(entry, f"a {group} rule", {"id", "when"}, {"crisis", "always", "lasting", "within", "reports", "mentions"})
        rule_id = check.text(entry, "id", f"a {group} rule")
        if rule_id in seen:
            check.problem(entry.line_of("id"), f"{group} rule id '{rule_id}' is used twice")
        seen.add(rule_id)
        flags = {}
        for flag in ("crisis", "always", "lasting"):
            value = entry.get(flag, False)
            if not isinstance(value, bool):
                check.problem(entry.line_of(flag), f"rule '{rule_id}': '{flag}' must be true or false")
            flags[flag] = value is True
        within = entry.get("within", 0)
        if not isinstance(within, int) or isinstance(within, bool) or not 0 <= within <= 50:
            check.problem(entry.line_of("within"), f"rule '{rule_id}': 'within' must be a whole number of words, 0 to 50")
            within = 0
        when = _combinations(check, entry, rule_id, concepts)
        for key in ("reports", "mentions"):
            check.texts(entry, key, f"rule '{rule_id}'")
        opening = frozenset(c[0] for c in when)
        rules.append(Rule(rule_id, flags["crisis"], when, flags["always"], within, opening, flags["lasting"]))
    return rules


def _combinations(
    check: FileCheck, entry: LineDict, rule_id: str, concepts: Mapping[str, list[Node]]
) -> tuple[tuple[str, ...], ...]:
    """A rule's combinations of concepts: each a concept name or a list of them."""
    items = check.sequence(entry.get("when", LineList()), entry.line_of("when"), f"rule '{rule_id}' 'when'")
    if not items:
        check.problem(entry.line_of("when"), f"rule '{rule_id}' has no combination in 'when'")
    found = []
    for index, item in enumerate(items):
        combo = tuple(item) if isinstance(item, list) else (item,)
        if not combo:
            check.problem(items.line_of(index), f"rule '{rule_id}': a combination is a concept name or a list of them")
            continue
        if None in [check.text_value(name, items.line_of(index), f"rule '{rule_id}': a concept name") for name in combo]:
            continue
        unknown = [name for name in combo if name not in concepts or name in ROLES]
        for name in unknown:
            check.problem(items.line_of(index), f"rule '{rule_id}' names an unknown concept '{name}'")
        if not unknown:
            found.append(combo)
    return tuple(found)


def examples(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each rule's example messages, by rule id: 'reports' it must fire on, 'mentions' it must not."""
    data, problems = read_yaml(path)
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    if problems or not isinstance(data, dict):
        return found
    for group in ("emergency", "advice"):
        for entry in data.get(group) or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                found[f"{group}:{entry['id']}"] = {key: tuple(entry.get(key) or ()) for key in ("reports", "mentions")}
    return found
