"""The text functions' fast paths, and the lexicon's phrase search, read exactly as their plain definitions do."""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from mbcbot.lexicon import _standing
from mbcbot.model import Slide
from mbcbot.text import Reader, normalised, sentences, stems, vowel_key, words

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
SPACES = st.sampled_from(
    [" ", "  ", "\t", "\n", "\r\n", "\u00a0", "\u2028", "\u3000", "\x1c", "\x85", "\u200b", "\ufeff", "\u00ad", "\u2060"]
)
TEXTS = st.one_of(
    st.text(),
    st.lists(st.one_of(st.text(alphabet="abcXYZ.,'+-1", max_size=6), SPACES), max_size=12).map("".join),
)
RUNS = settings(max_examples=500, deadline=None)


def reference_normalised(text: str) -> str:
    """The definition: NFKC, invisible characters dropped, control characters as spaces, white space single, trimmed."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"\s+", " ", _CONTROL.sub(" ", _INVISIBLE.sub("", text))).strip()


@RUNS
@given(TEXTS)
def test_normalised_is_its_definition(text: str) -> None:
    assert normalised(text) == reference_normalised(text)


@RUNS
@given(TEXTS)
def test_normalised_text_stays_as_it_is(text: str) -> None:
    once = normalised(text)
    assert normalised(once) == once


@RUNS
@given(st.lists(TEXTS, max_size=8), st.dictionaries(st.sampled_from(["went", "ran", "xy"]), st.sampled_from(["go", "run"])))
def test_a_reader_reads_as_words_and_stems_do(texts: list[str], forms: dict[str, str]) -> None:
    reader = Reader()
    for text in texts + texts:  # the second time from what it remembers
        assert reader.stems(text, forms) == stems(text, forms)
        assert reader.stems(text, {}) == stems(text, {})  # other forms: read again
    for group in (tuple(texts), tuple(texts)):
        assert set(reader.together(group, forms)) == {s for text in group for s in stems(text, forms)}
        assert set(reader.together(group, {})) == {s for text in group for s in stems(text, {})}
    assert reader.words_read == {word for text in texts for word in words(text)}


def reference_sentences(text: str) -> list[str]:
    """The definition: split after . ! or ?, where white space (after a closing quote, if any) comes before a capital."""
    return [part for part in re.split(r"(?<=[.!?])[\"\u201d\u2019]?\s+(?=[\"\u201c\u2018A-Z])", text) if part]


@RUNS
@given(
    st.lists(
        st.sampled_from(["a", "B", " ", "  ", ".", "!", "?", '"', "\u201d", "\u2019", "\u201c", "\t", "\n"]), max_size=16
    ).map("".join)
)
def test_sentences_are_their_definition(text: str) -> None:
    assert sentences(text) == reference_sentences(text)


def reference_words(text: str) -> list[str]:
    """The definition: runs of ASCII letters and digits, lower case, a "+" kept at the end, apostrophes dropped."""
    return re.findall(r"[a-z0-9]+\+?", re.sub(r"['\u2019\u2018`\u00b4\u02bc]", "", text.lower()))


@RUNS
@given(st.one_of(st.text(), st.text(alphabet=st.characters(max_codepoint=0x7F)), TEXTS))
def test_words_are_their_definition(text: str) -> None:
    assert words(text) == reference_words(text)


def reference_standing(phrases: set[tuple[str, ...]], sequences: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The definition: every phrase found as a run of words in some sequence."""
    return {p for p in phrases if p and any(s[i : i + len(p)] == p for s in sequences for i in range(len(s)))}


WORDS = st.sampled_from(["a", "b", "c", "d"])


@RUNS
@given(st.sets(st.lists(WORDS, max_size=3).map(tuple), max_size=6), st.lists(st.lists(WORDS, max_size=8).map(tuple), max_size=5))
def test_lexicon_finds_the_phrases_that_stand_in_the_text(
    phrases: set[tuple[str, ...]], sequences: list[tuple[str, ...]]
) -> None:
    held = {word for sequence in sequences for word in sequence}
    texts = [" ".join(sequence) for sequence in sequences]
    slides = tuple(  # two sentences a slide
        Slide("pack", number, str(number), "title", "", (), (), " ".join(pair), tuple(pair))
        for number, pair in enumerate((texts[i : i + 2] for i in range(0, len(texts), 2)), start=1)
    )
    assert _standing(phrases, slides, held, Reader(), {}) == reference_standing(phrases, sequences)


def test_invisible_characters_inside_a_word_are_dropped() -> None:
    assert words(normalised("li\u200bver lu\u00adngs br\u2060ain")) == ["liver", "lungs", "brain"]


def test_the_vowel_key_reads_every_run_of_vowels_as_one_sound() -> None:
    assert vowel_key("ploorul") == vowel_key("pleural") == "plaral"
