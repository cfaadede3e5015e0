"""Grouped alternations find exactly what the plain alternation finds."""

from __future__ import annotations

import pickle
import re

from hypothesis import given, settings
from hypothesis import strategies as st

from mbcbot.bot import Bot
from mbcbot.patterns import NEVER, WordStarts, _word_starts, beginnings, either, first_letters, word_starts

WORDS = st.sampled_from(
    [
        "i",
        "im",
        "she",
        "shes",
        "he",
        "is",
        "am",
        "having",
        "a",
        "seizure",
        "fit",
        "cant",
        "breathe",
        "my",
        "chest",
        "pain",
        "now",
        "collapsed",
        "suddenly",
        "weak",
        "legs",
        "kill",
        "myself",
        "want",
        "to",
        "die",
        "took",
        "too",
        "many",
        "pills",
        "emergency",
        "sos",
        "help",
        "dose",
        "should",
        "stop",
        "chemo",
        "how",
        "long",
        "have",
        "i",
        "got",
        "liver",
        "bones",
        "what",
        "happens",
        "if",
        "it",
        "spreads",
        "the",
        "and",
        "not",
    ]
)


def test_beginnings_reads_opening_words() -> None:
    assert beginnings(r"\b(im|i am|she is) (having|in) a seizure") == frozenset({"im", "i ", "sh"})
    assert beginnings(r"\bsuicid") == frozenset({"su"})
    assert beginnings(r"\b(a|be) x") == frozenset({"a", "b"})
    assert beginnings(r"\b(x )?y") is None
    assert first_letters(r"[^a]bc") is None


@settings(max_examples=400, deadline=None)
@given(st.lists(WORDS, min_size=1, max_size=14))
def test_grouped_safety_patterns_find_what_plain_ones_find(bot: Bot, words: list[str]) -> None:
    text = " ".join(words)
    conversation = bot.knowledge.conversation
    for rules in (conversation.emergency, conversation.advice, conversation.crisis):
        plain = re.compile(either(rules.sources))
        assert bool(rules.pattern.search(text)) == bool(plain.search(text)), text


def test_word_starts_handles_empty_and_odd_patterns() -> None:
    assert not word_starts([]).search("anything")
    odd = word_starts([r"(?:x|)y", r"\bab", r"[a-c]d"])
    assert odd.search("zz y") and odd.search("ab") and odd.search("cd")


@settings(max_examples=400, deadline=None)
@given(st.one_of(st.text(), st.lists(WORDS, max_size=8).map(" ".join), st.text(alphabet="ab1 \t.é")))
def test_word_starts_are_where_words_begin(text: str) -> None:
    assert list(_word_starts(text)) == [m.start() for m in re.finditer(r"(?<!\w)\w", text)]


def test_every_group_compiles_and_a_pickled_search_finds_the_same(bot: Bot) -> None:
    conversation = bot.knowledge.conversation
    for rules in (conversation.emergency, conversation.advice, conversation.crisis):
        finder = rules.pattern
        assert isinstance(finder, WordStarts)
        for source in [*finder.starts.values(), finder.anywhere or NEVER]:  # compiled only when first needed
            re.compile(source)
        again = pickle.loads(pickle.dumps(finder))
        assert again == finder and hash(again) == hash(finder)
        for text in ("i want to kill myself", "should i stop my chemo", "she is having a seizure", "liver"):
            assert again.search(text) == finder.search(text) == bool(re.search(either(rules.sources), text))
