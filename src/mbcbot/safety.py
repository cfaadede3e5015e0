"""Red flags as concepts: read `safety.yaml`, and tell which emergency or advice rule a message sets off.

A concept is a named list of phrases ("fever": fever, temperature, hot and
shivery, rigors, 38 to 43 degrees ...). A rule fires when all the concepts of
one of its combinations stand in a message ("fever" with "on chemo"). A red
flag only counts when the message reports it happening, not when it asks about
it in general ("does it cause seizures?") or tells of long ago; when that
cannot be told, it counts (safety wins ties).

Phrases are read as word stems, so one form of a word covers its plurals and
endings. A phrase may hold (a|b) for either of two wordings, (a|) for an
optional word, `word*` for any word that begins so, `_` for any one word, and
<38-43> for a whole number in that range ("38", "38c", "39.5").
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from mbcbot.errors import Problem
from mbcbot.model import FrozenMap, Rule, Safety
from mbcbot.phrases import Hit, Node, parsed, phrasebook
from mbcbot.phrases import hits as phrase_hits
from mbcbot.text import clauses, words

if TYPE_CHECKING:  # reading safety.yaml needs PyYAML; answering from the cache does not (see Bot.load)
    from mbcbot.schema import FileCheck
    from mbcbot.yamlfile import LineDict

# the framing concepts every safety file defines
ROLES = ("person", "general", "now", "not_now", "over", "asks_of", "negation", "still_urgent", "fact")
FRAMING_REACH = 2  # words after another time ("if she ever has a fit") that it still sets at that time
NEGATION_REACH = 3  # words before a red flag a "no" or "not" still negates ("hasn't had a temperature")
_PREFIX = re.compile(r"\w+\*")


def emergency_rule(safety: Safety, text: str, found: list[Hit]) -> Rule | None:
    """The emergency rule (a crisis rule first) that `text`, whose concept phrases are `found`, reports."""
    live = _not_negated(found)
    held = {hit.concept for hit in live}
    fired = [rule for rule in safety.emergency if not held.isdisjoint(rule.flags) and _fires(rule, live, held, text)]
    return next((rule for rule in fired if rule.crisis), fired[0]) if fired else None


def advice_rule(safety: Safety, text: str, found: list[Hit]) -> Rule | None:
    """The first advice rule whose concepts stand among the phrases `found`, however the message is framed, but
    for clauses told of another time and asking nothing for oneself ("my uncle took a double dose last year"),
    and for questions of fact ("how often should she have scans?")."""
    facts = [hit for hit in found if hit.concept == "fact"]
    if facts:
        found = [hit for hit in found if hit.concept in ROLES or not _overlaps(hit, facts)]
    told = [hit for hit in found if hit.concept == "not_now"]
    if told:
        mine = {_clause_of(text, hit.start) for hit in found if hit.concept == "me"}
        past = {_clause_of(text, hit.start) for hit in told} - mine
        found = [hit for hit in found if _overlaps(hit, told) or not any(start <= hit.start < end for start, end, _ in past)]
    held = {hit.concept for hit in found}
    advised = (rule for rule in safety.advice if not held.isdisjoint(rule.flags))
    return next((rule for rule in advised if any(_together(rule, combo, found, held) for combo in rule.when)), None)


def _overlaps(hit: Hit, others: list[Hit]) -> bool:
    return any(other.start <= hit.end and hit.start <= other.end for other in others)


def hits(safety: Safety, text: str) -> list[Hit]:
    """Every concept phrase in `text`, with its words' positions (the longest reading of each)."""
    return phrase_hits(safety.phrases, text)


def _together(rule: Rule, combo: tuple[str, ...], found: list[Hit], held: set[str]) -> bool:
    """Whether every concept of the combination stands among the phrases found (near one another, if the rule asks)."""
    if not all(concept in held for concept in combo):
        return False
    for concept in {name for name in combo if combo.count(name) > 1}:  # named twice: two phrases of it, apart
        if _apart([hit for hit in found if hit.concept == concept]) < combo.count(concept):
            return False
    if not rule.within or len(combo) < 2:
        return True
    first = [hit for hit in found if hit.concept == combo[0]]
    return all(
        any(abs(other.start - hit.start) <= rule.within for hit in first for other in found if other.concept == concept)
        for concept in combo[1:]
    )


def _apart(found: list[Hit]) -> int:
    """How many of the hits stand apart from one another (overlapping readings of one phrase count once)."""
    count, end = 0, -1
    for hit in sorted(found, key=lambda hit: (hit.end, hit.start)):
        if hit.start > end:
            count, end = count + 1, hit.end
    return count


def _fires(rule: Rule, live: list[Hit], held: set[str], text: str) -> bool:
    """Whether a combination of the rule stands, its red flag reported (not asked in general or long past)."""
    for combo in rule.when:
        if not _together(rule, combo, live, held):
            continue
        if rule.always or any(_reported(flag, live, text, rule.crisis) for flag in live if flag.concept == combo[0]):
            return True
    return False


def _not_negated(found: list[Hit]) -> list[Hit]:
    """The hits but the red flags with a "no", "not" or "without" just before them and no other concept between."""
    by_end = sorted(found, key=lambda hit: (hit.end, hit.start))
    ends = [hit.end for hit in by_end]
    live = []
    for hit in found:
        at = bisect_left(ends, hit.start) - 1  # the nearest phrase that ends before this one starts
        nearest = by_end[at] if at >= 0 else None
        negated = nearest is not None and nearest.concept == "negation" and hit.start - nearest.end <= NEGATION_REACH
        if hit.concept in ROLES or not negated:
            live.append(hit)
    return live


def _reported(flag: Hit, hits: list[Hit], text: str, crisis: bool = False) -> bool:
    """Whether the message reports the flag as happening to someone, rather than asking of it in general.

    Words of a crisis are taken as said of oneself unless a question word asks about them ("life isn't worth
    living with mets" is not a question about mets).
    """
    told = [hit for hit in hits if hit.concept == "not_now"]
    clause = _clause_of(text, flag.start)
    # "if mum ever has a fit, what do I do?": another time just before the flag sets it at that time
    framed = any(clause[0] <= hit.start < flag.start <= hit.end + FRAMING_REACH for hit in told)
    if any(_tells(now, flag, told, framed) for now in hits if now.concept == "now"):
        return True
    in_clause = [hit for hit in hits if clause[0] <= hit.start and hit.end < clause[1]]
    if any(hit.concept == "not_now" for hit in in_clause):
        return False  # told of another time
    passed = [hit for hit in hits if hit.concept == "over" and flag.end <= hit.start]
    if told or passed:
        sentence = _clause_of(text, flag.start, commas=False)
        if any(hit.start == sentence[0] for hit in told):
            return False  # another time opens its sentence ("Years ago, long before any of this, ...")
        if passed:
            return False  # it has passed since ("couldn't breathe for a minute, but it passed. she's fine now")
    framing = {hit.end: hit for hit in in_clause if hit.concept in ("person", "general") and hit.end < flag.start}
    for at in range(flag.start - 1, clause[0] - 1, -1):
        hit = framing.get(at)
        if hit is None:
            continue
        before = framing.get(hit.start - 1)
        if hit.concept == "general":  # a question, unless a person says it ("I could ...", not "can they cause ...")
            if before is None or before.concept != "person":
                return False
            ahead = framing.get(before.start - 1)
            return ahead is None or ahead.concept != "general"
        return before is None or before.concept != "general"  # "can I have seizures" asks; "I have" reports
    asked = [hit for hit in in_clause if hit.concept == "asks_of" and not flag.start <= hit.start <= flag.end]
    if crisis:  # words of a crisis count unless asked about in a clause that asks ("are suicide rates higher ...?")
        return not (asked and clause[2])
    return not (asked or clause[2])  # "chest pain lung mets", "... like headaches or seizures?": asked, told by no one


def _tells(now: Hit, flag: Hit, told: list[Hit], framed: bool) -> bool:
    """Whether a "now" tells of the flag: no other time stands between them, and a later "now" does not tell
    of a flag its clause sets at another time (`framed`; "if she ever had a fit at home what should I do")."""
    if now.end < flag.start:
        return not any(now.end < other.start and other.end < flag.start for other in told)
    return not framed


def _clause_of(text: str, position: int, commas: bool = True) -> tuple[int, int, bool]:
    """The word positions (start, end not included) of the clause (or, without `commas`, the sentence) holding
    word `position`, and whether it asks."""
    start = 0
    for part in clauses(text, commas=commas):
        count = len(words(part))
        if start <= position < start + count:
            return start, start + count, part.rstrip().endswith("?")
        start += count
    return 0, start, False


# Reading safety.yaml


def safety_from(path: Path) -> tuple[Safety, list[Problem]]:
    """The safety rules in `path`, and every problem found in them."""
    from mbcbot.schema import FileCheck
    from mbcbot.yamlfile import LineDict, read_yaml, shown

    check = FileCheck(shown(path))
    data, problems = read_yaml(path)
    if problems:
        return _safety({}, (), (), frozenset()), problems
    data = check.mapping(data, 1, "the file")
    check.keys(data, "the safety file", {"concepts", "framing", "emergency", "advice"})
    concepts: dict[str, list[Node]] = {}
    vocabulary: set[str] = set()
    for section, fixed in (("framing", True), ("concepts", False)):
        table = check.mapping(data.get(section, LineDict()), data.line_of(section), f"'{section}'")
        if fixed:
            check.keys(table, f"'{section}'", set(ROLES))
        for name, value in table.items():
            if not fixed and (not isinstance(name, str) or name in ROLES):
                check.problem(table.line_of(name), f"concept name {name!r} is taken by the framing")
                continue
            items = check.sequence(value, table.line_of(name), f"concept '{name}'")
            if not items:
                check.problem(table.line_of(name), f"concept '{name}' has no phrases")
            for index, item in enumerate(items):
                phrase = _phrase(check, item, items.line_of(index), str(name))
                if phrase is not None:
                    concepts.setdefault(str(name), []).append(phrase)
                    vocabulary.update(word for word in words(_PREFIX.sub(" ", str(item))) if word.isalpha())
    emergency = _rules(check, data, "emergency", concepts)
    advice = _rules(check, data, "advice", concepts)
    return _safety(concepts, emergency, advice, frozenset(vocabulary)), check.problems


def _safety(
    concepts: Mapping[str, list[Node]], emergency: Iterable[Rule], advice: Iterable[Rule], vocabulary: frozenset[str]
) -> Safety:
    """The frozen safety rules, each phrase filed under the words it can open with."""
    return Safety(FrozenMap(phrasebook(concepts)), tuple(emergency), tuple(advice), vocabulary)


def _phrase(check: FileCheck, item: object, line: int, concept: str) -> Node | None:
    """One phrase of a concept, parsed; None, with a problem, when it cannot be."""
    if not isinstance(item, str) or not item.strip():
        shown_item = "empty text" if isinstance(item, str) else f"{item!r} (quote it)"
        check.problem(line, f"concept '{concept}': a phrase must be non-empty text, not {shown_item}")
        return None
    try:
        return parsed(item)
    except ValueError as error:
        check.problem(line, f"concept '{concept}': phrase {item!r} {error}")
        return None


def _rules(check: FileCheck, data: LineDict, group: str, concepts: Mapping[str, list[Node]]) -> list[Rule]:
    from mbcbot.yamlfile import LineList

    rules: list[Rule] = []
    seen: set[str] = set()
    items = check.sequence(data.get(group, LineList()), data.line_of(group), f"'{group}'")
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), f"a {group} rule")
        check.keys(entry, f"a {group} rule", {"id", "when"}, {"crisis", "always", "within", "reports", "mentions"})
        rule_id = check.text(entry, "id", f"a {group} rule")
        if rule_id in seen:
            check.problem(entry.line_of("id"), f"{group} rule id '{rule_id}' is used twice")
        seen.add(rule_id)
        flags = {}
        for flag in ("crisis", "always"):
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
        rules.append(Rule(rule_id, flags["crisis"], when, flags["always"], within, frozenset(c[0] for c in when)))
    return rules


def _combinations(
    check: FileCheck, entry: LineDict, rule_id: str, concepts: Mapping[str, list[Node]]
) -> tuple[tuple[str, ...], ...]:
    """A rule's combinations of concepts: each a concept name or a list of them."""
    from mbcbot.yamlfile import LineList

    items = check.sequence(entry.get("when", LineList()), entry.line_of("when"), f"rule '{rule_id}' 'when'")
    if not items:
        check.problem(entry.line_of("when"), f"rule '{rule_id}' has no combination in 'when'")
    found = []
    for index, item in enumerate(items):
        combo = (item,) if isinstance(item, str) else tuple(item) if isinstance(item, list) else ()
        if not combo or not all(isinstance(name, str) for name in combo):
            check.problem(items.line_of(index), f"rule '{rule_id}': a combination is a concept name or a list of them")
            continue
        unknown = [name for name in combo if name not in concepts or name in ROLES]
        for name in unknown:
            check.problem(items.line_of(index), f"rule '{rule_id}' names an unknown concept '{name}'")
        if not unknown:
            found.append(combo)
    return tuple(found)


def examples(path: Path) -> dict[str, dict[str, tuple[str, ...]]]:
    """Each rule's example messages, by rule id: 'reports' it must fire on, 'mentions' it must not."""
    from mbcbot.yamlfile import read_yaml

    data, problems = read_yaml(path)
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    if problems or not isinstance(data, dict):
        return found
    for group in ("emergency", "advice"):
        for entry in data.get(group) or []:
            if isinstance(entry, dict) and isinstance(entry.get("id"), str):
                found[f"{group}:{entry['id']}"] = {key: tuple(entry.get(key) or ()) for key in ("reports", "mentions")}
    return found
