"""A message read as the questions it asks: its sentences and clauses, and two questions joined in one."""

from __future__ import annotations

from mbcbot.model import Conversation
from mbcbot.text import clauses, plain


def question_clauses(text: str, rules: Conversation, only_asked: bool) -> list[str]:
    """The sentences and comma clauses of a message, and the halves of two questions joined in one, in plain form:
    those that ask (end with '?' or read as `asking` says) first, each group last first; with `only_asked` (the
    message names an uncovered subject), only the clauses that ask."""
    asking = rules.asking
    sentences, finer = clauses(text), clauses(text, commas=True)
    # two questions joined in one are both read only when neither is about an uncovered subject
    halves = [] if only_asked else [half for part in finer for half in joined_questions(part, rules)]
    parts = list(dict.fromkeys([*sentences, *finer, *halves]))
    if len(parts) < 2:
        return []
    asked = [part for part in parts if part.rstrip().endswith("?") or asking.search(plain(part))]
    told = [] if only_asked else [part for part in parts if part not in asked]
    return [plain(part) for part in [*reversed(asked), *reversed(told)] if plain(part)]


def joined_questions(part: str, rules: Conversation) -> list[str]:
    """The two questions of a clause that joins them ("where does it spread to and how do they treat it?"), or none."""
    said = plain(part)
    for join in rules.joining.finditer(said):
        first, second = said[: join.start()].strip(), said[join.end() :].strip()
        if first and second and rules.asking.match(first) and rules.asking.match(second):
            return [first, second]
    return []
