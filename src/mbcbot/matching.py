"""Question -> ranked slides and the sentences that answer it.

A message is read as stems: spelling corrected, lexicon phrases rewritten,
stopwords dropped. Each stem weighs by how few slides hold it; a word nobody
knows, or a subject the slides do not cover, weighs against answering.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping
from typing import NamedTuple

from mbcbot.model import Knowledge, Slide
from mbcbot.slideindex import SlideDetail, SlideIndex, covering, detailed, holds, indexed, pair, runs
from mbcbot.spelling import Speller
from mbcbot.text import Reader, stem, stems, words

UNKNOWN_WEIGHT = 0.9  # a word neither slides nor lexicon know: the question may be about something else
NOT_COVERED_WEIGHT = 1.6  # a subject the slides do not cover weighs more than any slide word
TITLE_BOOST = 2.0  # a specific title word, or a whole keyword phrase, says what the slide is about
CONTEXT_BOOST = 1.6  # a follow-up naming no subject leans to the slide being discussed
PHRASE_BONUS = 0.8  # two asked words side by side, in either order, in one sentence (times the rarer one's weight)
MIN_COVERAGE = 0.6  # share of the question's weight a slide must hold to answer it
TIE_RATIO = 0.85  # slides this close to the best are shown together, or asked about
MAX_TOGETHER = 3  # at most this many slides quoted in one answer
SPECIFIC_SLIDES = 2  # a title word on at most this many slides names a subject ("liver", not "cancer")
MIN_ASPECT_WEIGHT = 0.4  # words on most slides ("cancer", "spread") pick no sentence
LEAD_SENTENCES = 2  # a question naming only a slide's subject gets its first sentences
WORDS_REMEMBERED = 50_000  # words whose reading is kept per process; bounds memory on hostile input
MAX_SCORED = 300  # slides scored per question at most; only very large knowledge bases reach it
JOINERS = frozenset({"and", "or", "&"})  # "the liver and lungs" names two subjects, each with its own slide
ANAPHORA = ("That ", "This ", "These ", "Those ")  # such a sentence needs the one before it


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


class Candidate(NamedTuple):
    """One slide's claim to answer a query."""

    slide: Slide
    score: float
    coverage: float
    matched: tuple[str, ...]
    names_subject: bool


class Matcher:
    """Ranks the slides of a knowledge base against questions."""

    def __init__(self, knowledge: Knowledge, reader: Reader | None = None) -> None:
        """Index `knowledge`; `reader`, when the one that loaded it, already holds the slides' reading."""
        self.knowledge = knowledge
        reader = reader or Reader()
        lexicon = knowledge.lexicon
        self._forms = lexicon.forms
        stop = frozenset(phrase[0] for phrase in lexicon.stopwords if len(phrase) == 1)
        self._stop = stop
        self._why: dict[str, list[tuple[str, ...]]] = {}  # a "why" phrase's first word -> the phrases it opens
        for phrase in sorted(lexicon.why):
            self._why.setdefault(phrase[0], []).append(phrase)
        self._reason_words = frozenset(word for phrase in lexicon.because for word in phrase)  # "happen", "cause"
        everywhere = {pack.id: frozenset(stems(" ".join(pack.subject), lexicon.forms)) for pack in knowledge.packs}
        self._slides = tuple(
            indexed(slide, order, reader, lexicon.forms, everywhere[slide.pack]) for order, slide in enumerate(knowledge.slides)
        )
        self._details: dict[int, SlideDetail] = {}  # slide order -> its detail, once a question has needed it
        self._order_of = {(index.slide.pack, index.slide.number): index.order for index in self._slides}
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index in self._slides:
            for term in index.terms:  # slides in order; the terms' order matters to nothing
                postings[term].append(index.order)
        self._postings = {term: tuple(orders) for term, orders in postings.items()}
        count = max(1, len(self._slides))
        self._weights = {term: math.log(1 + count / len(orders)) / math.log(1 + count) for term, orders in postings.items()}
        specific = {term for term, orders in self._postings.items() if len(orders) <= SPECIFIC_SLIDES}
        self._slides = tuple(index._replace(subject=index.subject & specific) for index in self._slides)
        self.subjects = frozenset(term for index in self._slides for term in index.subject)  # stems naming a slide's subject
        # a slide titled by a name ("Liver", "Lymph Nodes"), not a sentence ("Most Common Places It Spreads")
        self.titled = frozenset(term for index in self._slides if len(index.title) <= 2 for term in index.title) & self.subjects
        self._phrases: dict[tuple[str, ...], tuple[str, tuple[str, ...]]] = {}
        for phrase in lexicon.stopwords:
            self._phrases[phrase] = ("stop", ())
        for phrase, target in lexicon.synonyms.items():
            self._phrases[phrase] = ("synonym", target)
        for phrase, topic in lexicon.not_covered.items():
            self._phrases[phrase] = ("not_covered", (topic,))
        sizes: dict[str, set[int]] = {}
        for phrase in self._phrases:
            sizes.setdefault(phrase[0], set()).add(len(phrase))
        self._sizes = {first: tuple(sorted(found, reverse=True)) for first, found in sizes.items()}  # longest first
        self._words: dict[str, tuple[str, str]] = {}
        weak = {word for phrase in lexicon.stopwords if len(phrase) == 1 for word in phrase}
        vocabulary = reader.words_read | lexicon.words | knowledge.safety.vocabulary  # slides: read by indexing
        uncovered = {w for w in vocabulary if (stem(lexicon.forms.get(w, w)),) in lexicon.not_covered}
        self._speller = Speller(vocabulary, weak, uncovered)
        self._known_stems = frozenset(stem(lexicon.forms.get(w, w)) for w in self._speller.known)

    def query(self, message: str) -> Query:
        """The weighted stems a message asks about."""
        corrections, stemmed = [], []
        remembered = self._words.get
        for word in self._speller.rejoined(words(message), self._knows):
            fixed, stemmed_word = remembered(word) or self._read(word)
            if fixed != word:
                corrections.append((word, fixed))
            stemmed.append(stemmed_word)
        terms, topics = self._rewritten(stemmed)
        why = any(holds(stemmed, phrase) for first in self._why.keys() & stemmed for phrase in self._why[first])
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

    def corrected(self, word: str) -> str:
        """The known word meant by `word` (itself when known or when nothing is close)."""
        return self._read(word)[0]

    def _knows(self, word: str) -> bool:
        return word in self._speller.known or stem(self._forms.get(word, word)) in self._known_stems

    def _read(self, word: str) -> tuple[str, str]:
        """A word as corrected, and its stem (remembered: the same word always reads the same)."""
        found = self._words.get(word)
        if found is None:
            fixed = word
            if not self._knows(word):
                fixed = self._speller.corrected(word)
            found = (fixed, stem(self._forms.get(fixed, fixed)))
            if len(self._words) < WORDS_REMEMBERED:
                self._words[word] = found
        return found

    def _rewritten(self, stemmed: list[str]) -> tuple[list[tuple[str | None, float]], list[str]]:
        """Stems after the lexicon's phrases, each with its share of one concept's weight; None where an uncovered
        subject stands, and those subjects."""
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
            kind, value = action
            if kind == "synonym":
                # A phrase put in the slides' words is one concept: its words share one weight.
                content = [term for term in value if term not in self._stop] or list(value)
                terms.extend((term, 1.0 / len(content)) for term in content)
            elif kind == "not_covered":
                topics.append(value[0])
                terms.append((None, 0.0))
            elif kind == "keep":
                terms.append((stemmed[position], 1.0))
            position += size
        return terms, topics

    def ranked(self, query: Query, context: Slide | None = None) -> list[Candidate]:
        """Slides that hold any asked word, best first."""
        known, weights = query.known, query.weights
        orders = sorted(self._candidates(known))
        names_subject = any(term in self.subjects for term in known)
        total = query.total or 1.0
        ranked = []
        slides, details, extra = self._slides, self._details, TITLE_BOOST - 1.0
        weight = weights.__getitem__
        asked = frozenset(known)
        for order in orders:
            index = slides[order]
            held_set = asked & index.terms
            matched = tuple([term for term in known if term in held_set])
            held = sum(map(weight, matched))
            boosted = index.subject & held_set
            for phrase in index.keywords:  # a keyword phrase boosts when all of it is asked
                if phrase <= held_set:
                    boosted |= phrase
            score = held + extra * math.fsum(map(weight, boosted))  # fsum: exact, so no set order can change a tie
            if query.bigrams and len(held_set) > 1:  # an asked pair can stand together only in a slide holding both
                bigrams = (details.get(order) or self._detail(index)).bigrams
                shared = {pair(a, b) for a, b in query.bigrams & bigrams}  # "a b" and "b a" in one slide: once
                score += PHRASE_BONUS * math.fsum([min(weights[a], weights[b]) for a, b in shared])
            if context is not None and not names_subject and index.slide == context:
                score *= CONTEXT_BOOST
            ranked.append((-score, -held, order, Candidate(index.slide, score, held / total, matched, names_subject)))
        ranked.sort()  # slide order is unique, so rows never compare their candidates
        return [row[3] for row in ranked]

    def _candidates(self, known: tuple[str, ...]) -> set[int]:
        """The slides to score: those holding an asked word, the rarest words' first when there are very many."""
        postings = [self._postings.get(term, ()) for term in known]
        if sum(len(found) for found in postings) <= MAX_SCORED:
            return {order for found in postings for order in found}
        chosen: set[int] = set()
        for found in sorted(postings, key=len):  # a slide holding only words most slides hold is left unscored
            if chosen and len(chosen) + len(found) > MAX_SCORED:
                break
            chosen.update(found[:MAX_SCORED])  # even the rarest word on too many slides: the first of them
        return chosen

    def _detail(self, index: SlideIndex) -> SlideDetail:
        """The slide's word pairs and sentence words, read the first time a question needs them.

        Few questions need them of more than a few slides, so they are not read for all 10,000 slides of a large
        knowledge base at load. The same slide always reads the same, so replies do not depend on what was asked first.
        """
        found = self._details.get(index.order)
        if found is None:
            lexicon = self.knowledge.lexicon
            found = self._details[index.order] = detailed(index.slide, lexicon.forms, self._stop, lexicon.because)
        return found

    def _order(self, slide: Slide) -> int:
        return self._order_of[(slide.pack, slide.number)]

    def quotes(self, slide: Slide, query: Query) -> tuple[str, ...]:
        """The verbatim passages of `slide` that answer `query`, in slide order."""
        index = self._slides[self._order(slide)]
        named = [t for t in query.known if t in index.terms]
        asked = set(named)
        # A whole keyword phrase beyond the title ("lymph system", "metastatic") says what is asked too.
        keyworded = {t for phrase in index.keywords if phrase <= asked for t in phrase} - index.title
        aspect = {
            t: query.weights[t]
            for t in named
            if t in keyworded or (t not in index.subject and self._weights[t] >= MIN_ASPECT_WEIGHT)
        }
        detail = self._detail(index)
        reasons = {}
        if query.why and (aspect or not named):  # a "why" question wants the sentence that gives the reason, too
            reasons = dict.fromkeys(detail.reasons, max(aspect.values(), default=1.0))
        chosen = covering(detail.sentence_terms, aspect, reasons)
        if not chosen:
            chosen = set(range(min(LEAD_SENTENCES, len(slide.sentences))))
        elif len(chosen) < LEAD_SENTENCES and set(aspect) <= keyworded:  # a subject-only question: its sentence and the next
            chosen.add(min(max(chosen) + 1, len(slide.sentences) - 1))
        chosen |= {i - 1 for i in chosen if i > 0 and slide.sentences[i].startswith(ANAPHORA)}
        return runs(slide.sentences, sorted(chosen))

    def named(self, query: Query) -> list[Slide]:
        """The slides titled by a subject the query asks about ("brain": Brain); a title of words many slides hold
        ("Most Common Places It Spreads") names no subject."""
        asked = {term for term in query.known if term in self.titled}
        return [index.slide for index in self._slides if asked & index.title and index.title <= self.titled]

    def each_subject(self, ranked: list[Candidate], query: Query) -> list[Candidate]:
        """When the question joins the subjects of several slides ("the liver and lungs"): those slides."""
        read = query.read
        if JOINERS.isdisjoint(read):
            return []
        stems = [stem for stem in read if stem in JOINERS or stem not in self._stop]
        joins = [position for position, stem in enumerate(stems) if stem in JOINERS]
        beside = {stems[p] for join in joins for p in (join - 1, join + 1) if 0 <= p < len(stems)}
        named = {stem for stem in beside if stem in self.subjects}
        if len(named) < 2:
            return []
        own = [c for c in ranked if named & self._slides[self._order(c.slide)].subject]
        if len(own) < 2 or len(own) > MAX_TOGETHER:
            return []
        held = {t for c in own for t in c.matched}
        return own if sum(query.weights[t] for t in held) / (query.total or 1.0) >= MIN_COVERAGE else []

    def also_on(self, chosen: list[Candidate], ranked: list[Candidate], query: Query) -> list[Slide]:
        """Other slides that hold the most specific word asked of the best one ("numbness": Bones, also Brain)."""
        if chosen[0].names_subject:  # "liver mets ... lose weight" asks about the liver, not where else
            return []
        best = self._slides[self._order(chosen[0].slide)]
        specific = [t for t in chosen[0].matched if t not in best.subject and len(self._postings[t]) <= MAX_TOGETHER]
        if not specific:
            return []
        top = max(specific, key=lambda t: (query.weights[t], t))
        shown = {c.slide for c in chosen}
        return [c.slide for c in ranked if c.slide not in shown and top in c.matched][: MAX_TOGETHER - 1]
