"""A message read as a Query: each word spelling-corrected and stemmed, the lexicon's phrases rewritten, and each
stem weighed by how few slides hold it (a word nobody knows, or a subject the slides do not cover, weighs against
answering)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from mbcbot.model import Lexicon
from mbcbot.spelling import LONG_WORD, Speller, dropped_or_swapped
from mbcbot.text import holds, stem, words

UNKNOWN_WEIGHT = 0.9  # a word neither slides nor lexicon know: the question may be about something else
NOT_COVERED_WEIGHT = 1.6  # a subject the slides do not cover weighs more than any slide word
WORDS_REMEMBERED = 50_000  # words whose reading is kept per process; bounds memory on hostile input

# what the lexicon does with a phrase of a message: drop it ("stop"), put it in the slides' words ("synonym", with
# them), or name an uncovered subject ("not_covered", with its topic)
Action = tuple[str, tuple[str, ...]]


class Query(NamedTuple):
    """What a message asks, as weighted stems."""

    weights: Mapping[str, float]
    known: tuple[str, ...]
    unknown: tuple[str, ...]
    not_covered: tuple[str, ...]
    corrections: tuple[tuple[str, str], ...]
    bigrams: frozenset[tuple[str, str]]  # neighbouring asked stems, each pair both ways round
    why: bool = False
    read: tuple[str, ...] = ()  # the stem of every word, in order, before the lexicon's phrases

    @property
    def total(self) -> float:
        """The weight of everything asked: each uncovered subject weighs against the slides' words."""
        return sum(self.weights.values()) + NOT_COVERED_WEIGHT * len(self.not_covered)


class QueryReader:
    """Reads messages as the lexicon says people talk, weighing each stem as the slide index gives (`weights`)."""

    def __init__(self, lexicon: Lexicon, vocabulary: set[str], weights: Mapping[str, float]) -> None:
        """`vocabulary`: every word a message may be corrected into (the slides', the lexicon's, safety's)."""
        self._forms = lexicon.forms
        self._weights = weights
        self.stopwords = frozenset(phrase[0] for phrase in lexicon.stopwords if len(phrase) == 1)
        self._phrases: dict[tuple[str, ...], Action] = {phrase: ("stop", ()) for phrase in lexicon.stopwords}
        self._phrases.update((phrase, ("synonym", target)) for phrase, target in lexicon.synonyms.items())
        self._phrases.update((phrase, ("not_covered", (topic,))) for phrase, topic in lexicon.not_covered.items())
        sizes: dict[str, set[int]] = {}
        for phrase in self._phrases:
            sizes.setdefault(phrase[0], set()).add(len(phrase))
        self._sizes = {first: sorted(found, reverse=True) for first, found in sizes.items()}  # a first stem's, longest first
        self._places, self._where = lexicon.places, lexicon.where
        self._why = lexicon.why  # phrases that ask for a reason: the reason's own words then name no subject
        self._reason_words = frozenset(word for phrase in lexicon.because for word in phrase)
        uncovered = {w for w in vocabulary if (stem(self._forms.get(w, w)),) in lexicon.not_covered}
        self._speller = Speller(vocabulary, self.stopwords, uncovered)
        self._known_stems = frozenset(stem(self._forms.get(w, w)) for w in self._speller.known)
        self._read: dict[str, tuple[str, str]] = {}  # word -> corrected, stem: the same word always reads the same

    def query(self, message: str) -> Query:
        """The weighted stems a message asks about."""
        corrections, stemmed = [], []
        for word in self._speller.rejoined(words(message), self.knows):
            fixed, stemmed_word = self.reading(word)
            if fixed != word:
                corrections.append((word, fixed))
            stemmed.append(stemmed_word)
        terms, topics = self._rewritten(stemmed)
        if not self._places.keys().isdisjoint(stemmed) and self._asks_where(stemmed, terms):
            terms, topics = self._rewritten(stemmed, placing=True)
        why = any(holds(stemmed, phrase) for phrase in self._why)
        if why:  # "why does that happen": the words of a reason ask for one, they name no subject
            terms = [(term, share) for term, share in terms if term not in self._reason_words]
        weights: dict[str, float] = {}
        known, unknown = [], []
        bigrams: set[tuple[str, str]] = set()
        previous = ""
        for term, share in terms:
            if term is None:  # an uncovered subject stood here: no pair reaches across it
                previous = ""
            elif term in self._weights:
                weights[term] = max(weights.get(term, 0.0), self._weights[term] * share)
                if term not in known:
                    known.append(term)
                if previous:
                    bigrams.update(((previous, term), (term, previous)))  # a slide's pairs stand in reading order
                previous = term
            elif not term.isdigit():
                weights.setdefault(term, UNKNOWN_WEIGHT)
                if term not in unknown:
                    unknown.append(term)
                previous = ""
        return Query(
            weights=weights,
            known=tuple(known),
            unknown=tuple(unknown),
            not_covered=tuple(dict.fromkeys(topics)),
            corrections=tuple(corrections),
            bigrams=frozenset(bigrams),
            why=why,
            read=tuple(stemmed),
        )

    def knows(self, word: str) -> bool:
        """Whether the word, or another form of it, is one the slides, the lexicon or safety know."""
        return word in self._speller.known or self._stem(word) in self._known_stems

    def _stem(self, word: str) -> str:
        return stem(self._forms.get(word, word))

    def _slipped(self, word: str, fixed: str) -> bool:
        """Whether a word read as a form of a known stem is rather a slip of another known word: a letter left
        out or two swapped round, with another stem ("pils" is "pills", not a form of "pile")."""
        own = self._stem(word)
        return own not in self.stopwords and dropped_or_swapped(word, fixed) and self._stem(fixed) != own

    def reading(self, word: str) -> tuple[str, str]:
        """A word as corrected, and its stem."""
        found = self._read.get(word)
        if found is None:
            fixed = word if word in self._speller.known else self._speller.corrected(word)
            found = (fixed, self._stem(fixed))
            if fixed != word and self.knows(word) and not self._slipped(word, fixed):
                found = (word, self._stem(word))  # a form of a known word ("sons", "hows"), not a slip ("moring")
            elif fixed == word and not self.knows(word):
                found = self._stem_mended(found[1]) or found
            if len(self._read) < WORDS_REMEMBERED:
                self._read[word] = found
        return found

    def _stem_mended(self, own: str) -> tuple[str, str] | None:
        """A long word's stem with a slip mended, as (word, stem), when only the stem reads as a known word: a
        form no list holds ("metastisised": "metastisis" is "metastasis"); None otherwise."""
        if len(own) < LONG_WORD:
            return None
        mended = self._speller.corrected(own)
        if mended == own or abs(len(mended) - len(own)) > 1 or self._stem(mended) not in self._known_stems:
            return None
        return mended, self._stem(mended)

    def _asks_where(self, stemmed: list[str], terms: list[tuple[str | None, float]]) -> bool:
        """Whether a message naming a place asks whether the cancer goes there: it holds a word that asks where
        ("can it go to my skin?") or what places mean, or names nothing but places ("what about the eyes?")."""
        asked = {term for term, _ in terms}
        if not self._where.isdisjoint(asked) or any(asked.issuperset(means) for means in self._places.values()):
            return True  # a word that asks where, or a place already read as what places mean ("to the skin or bowel")
        return all(word in self._places for word in stemmed if word not in self.stopwords)

    def _rewritten(self, stemmed: list[str], placing: bool = False) -> tuple[list[tuple[str | None, float]], list[str]]:
        """Stems after the lexicon's phrases, each with its share of one concept's weight; None where an uncovered
        subject stands, and those subjects. `placing`: a place stands for the words it means, before any phrase."""
        terms: list[tuple[str | None, float]] = []
        topics: list[str] = []
        position = 0
        while position < len(stemmed):
            # The lengths of the phrases this word opens, longest first. Near the end a slice can be shorter
            # than `size`; what it finds is then the rest of the message, as the shorter size would find it.
            for size in self._sizes.get(stemmed[position], ()):
                action = self._phrases.get(tuple(stemmed[position : position + size]))
                if action is not None:
                    break
            else:
                size, action = 1, ("keep", ())
            if placing:  # a place, alone or after little words ("the bladder"); a phrase saying more wins ("heart attack"),
                *before, last = stemmed[position : position + size]  # as does one read as the place itself ("do to your skin")
                if last in self._places and all(word in self.stopwords for word in before) and last not in action[1]:
                    action = ("synonym", self._places[last])
            kind, value = action
            if kind == "synonym":
                # A phrase put in the slides' words is one concept: its words share one weight.
                content = [term for term in value if term not in self.stopwords] or list(value)
                terms.extend((term, 1.0 / len(content)) for term in content)
            elif kind == "not_covered":
                topics.append(value[0])
                terms.append((None, 0.0))
            elif kind == "keep":
                terms.append((stemmed[position], 1.0))
            position += size
        return terms, topics
