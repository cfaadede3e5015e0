"""The slide index: a Query (see `queries`) -> the slides that answer it, ranked, and the sentences that do.

Each slide is read once into stems: its words, the subject its title and
keywords name, and (when a question first needs them) its word pairs and
sentences. A stem weighs by how few slides hold it.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import NamedTuple

from mbcbot.model import Knowledge, Slide
from mbcbot.queries import Query, QueryReader
from mbcbot.text import Reader, holds, stems

TITLE_BOOST = 2.0  # a specific title word, or a whole keyword phrase, says what the slide is about
CONTEXT_BOOST = 1.6  # a follow-up naming no subject leans to the slide being discussed
PHRASE_BONUS = 0.8  # two asked words side by side, in either order, in one sentence (times the rarer one's weight)
MIN_COVERAGE = 0.6  # share of the question's weight a slide must hold to answer it
TIE_RATIO = 0.85  # slides this close to the best are shown together, or asked about
MAX_TOGETHER = 3  # at most this many slides quoted in one answer
SPECIFIC_SLIDES = 2  # a title word on at most this many slides names a subject ("liver", not "cancer")
MIN_ASPECT_WEIGHT = 0.4  # words on most slides ("cancer", "spread") pick no sentence
SCOPED_COVERAGE = 0.5  # a slide's own subject asked of a place another slide names ("treat it in the liver") answers
LEAD_SENTENCES = 2  # a question naming only a slide's subject gets its first sentences
MAX_SCORED = 300  # slides scored per question at most; only very large knowledge bases reach it
JOINERS = frozenset({"and", "or", "&"})  # "the liver and lungs" names two subjects, each with its own slide
ANAPHORA = ("That ", "This ", "These ", "Those ")  # such a sentence needs the one before it
MAX_SENTENCES = 3  # at most this many sentences of one slide; "more" shows the rest


class SlideIndex(NamedTuple):
    """A slide as ranking reads it: the words it holds and what it is about."""

    slide: Slide
    order: int
    terms: frozenset[str]
    subject: frozenset[str]
    keywords: tuple[frozenset[str], ...]
    title: frozenset[str]


class SlideDetail(NamedTuple):
    """What only some questions need of a slide: its word pairs and each sentence's words (read when first needed)."""

    sentence_terms: tuple[frozenset[str], ...]
    bigrams: frozenset[tuple[str, str]]
    reasons: frozenset[int]  # the sentences that give a reason ("That happens because ...")


def indexed(slide: Slide, order: int, reader: Reader, forms: Mapping[str, str], everywhere: frozenset[str]) -> SlideIndex:
    keywords = tuple(frozenset(reader.stems(keyword, forms)) for keyword in slide.keywords)
    title = frozenset(reader.stems(slide.title, forms))
    # a one-word keyword names the subject alone; a longer one only whole ("still breast cancer", not "still")
    subject = title.union(*(keyword for keyword in keywords if len(keyword) == 1))
    terms = subject.union(everywhere, reader.together(slide.sentences, forms))
    return SlideIndex(slide, order, terms, subject, keywords, title)


def detailed(slide: Slide, forms: Mapping[str, str], stop: frozenset[str], because: tuple[tuple[str, ...], ...]) -> SlideDetail:
    sentence_stems = [stems(sentence, forms) for sentence in slide.sentences]
    sentence_terms = tuple(map(frozenset, sentence_stems))
    held = frozenset().union(*sentence_terms)
    because = tuple(phrase for phrase in because if held.issuperset(phrase))  # most slides give no reason
    reasons = frozenset(i for i, seq in enumerate(sentence_stems) if any(holds(seq, phrase) for phrase in because))
    # Neighbouring content words, in reading order (a question's pairs come both ways round).
    contents = (itertools.filterfalse(stop.__contains__, seq) for seq in sentence_stems)
    bigrams = frozenset(itertools.chain.from_iterable(map(itertools.pairwise, contents)))
    return SlideDetail(sentence_terms, bigrams, reasons)


def pair(first: str, second: str) -> tuple[str, str]:
    """Two neighbouring words, in either order ("weight loss" is "lose weight"): the same pair both ways round."""
    return (first, second) if first <= second else (second, first)


def covering(sentences: tuple[frozenset[str], ...], aspect: dict[str, float], reasons: Mapping[int, float]) -> set[int]:
    """The sentences that together hold what is asked: each next one adds the most weight still missing.

    `reasons` weighs the sentences that give a reason, when a reason is asked: one of them is wanted.
    """
    remaining, reason, chosen = dict(aspect), dict(reasons), set[int]()
    while (remaining or reason) and len(chosen) < MAX_SENTENCES:
        items = remaining.items()
        gains = [
            (sum([w for t, w in items if t in terms]) + reason.get(i, 0.0), -i)
            for i, terms in enumerate(sentences)
            if i not in chosen
        ]
        gain, position = max(gains, default=(0.0, 0))
        if gain <= 0:
            break
        chosen.add(-position)
        remaining = {t: w for t, w in remaining.items() if t not in sentences[-position]}
        if -position in reason:
            reason = {}
    return chosen


def runs(sentences: tuple[str, ...], chosen: list[int]) -> tuple[str, ...]:
    runs: list[list[int]] = []
    for index in chosen:
        if runs and runs[-1][-1] == index - 1:
            runs[-1].append(index)
        else:
            runs.append([index])
    return tuple(" ".join(sentences[i] for i in run) for run in runs)


def _held_by_pack(indexes: list[SlideIndex]) -> dict[str, Counter[str]]:
    """For each pack, how many of its slides hold each stem."""
    held: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for index in indexes:
        held[index.slide.pack].update(index.terms)
    return held


def _weights(held: Mapping[str, int], count: int) -> dict[str, float]:
    """Each stem's weight among `count` slides: the fewer hold it, the more it says (1.0 for one slide's alone)."""
    count = max(1, count)
    return {term: math.log(1 + count / slides) / math.log(1 + count) for term, slides in held.items()}


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
        everywhere = {pack.id: frozenset(stems(" ".join(pack.subject), lexicon.forms)) for pack in knowledge.packs}
        indexes = [
            indexed(slide, order, reader, lexicon.forms, everywhere[slide.pack]) for order, slide in enumerate(knowledge.slides)
        ]
        postings: defaultdict[str, list[int]] = defaultdict(list)
        for index in indexes:
            for term in index.terms:  # slides in order; the terms' order matters to nothing
                postings[term].append(index.order)
        self._postings = {term: tuple(orders) for term, orders in postings.items()}
        # A stem weighs by how few slides of its own pack hold it: a pack reads and ranks a question as it would
        # alone. A stem several packs hold weighs what it weighs where it is commonest.
        held = _held_by_pack(indexes)
        self._pack_weights = {pack.id: _weights(held[pack.id], len(pack.slides)) for pack in knowledge.packs}
        self._weights: dict[str, float] = {}
        for weights in self._pack_weights.values():
            for term, weight in weights.items():
                self._weights[term] = min(weight, self._weights.get(term, weight))
        specific = {term for term, orders in self._postings.items() if len(orders) <= SPECIFIC_SLIDES}
        self._slides = tuple(index._replace(subject=index.subject & specific) for index in indexes)
        self._order_of = {(index.slide.pack, index.slide.number): index.order for index in self._slides}
        self._details: dict[int, SlideDetail] = {}  # slide order -> its detail, once a question has needed it
        self.subjects = frozenset(term for index in self._slides for term in index.subject)  # stems naming a slide's subject
        # a slide titled by a name ("Liver", "Lymph Nodes"), not a sentence ("Most Common Places It Spreads")
        self.titled = frozenset(term for index in self._slides if len(index.title) <= 2 for term in index.title) & self.subjects
        vocabulary = reader.words_read | lexicon.words | knowledge.safety.vocabulary  # slides: read by indexing
        self.reader = QueryReader(lexicon, vocabulary, self._weights)

    def query(self, message: str) -> Query:
        """The weighted stems a message asks about."""
        return self.reader.query(message)

    def corrected(self, word: str) -> str:
        """The known word meant by `word` (itself when known or when nothing is close)."""
        return self.reader.reading(word)[0]

    def ranked(self, query: Query, context: Slide | None = None, pack: str | None = None) -> list[Candidate]:
        """Slides that hold any asked word, best first (of one `pack`, if named)."""
        known, weights = query.known, query.weights
        orders = sorted(self._candidates(known))
        if pack is not None:
            orders = [order for order in orders if self._slides[order].slide.pack == pack]
        names_subject = any(term in self.subjects for term in known)
        total = query.total or 1.0
        ranked = []
        slides, details, extra = self._slides, self._details, TITLE_BOOST - 1.0
        linking = [term for term in known if term in self.knowledge.lexicon.linking]  # asked, read once
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
            # a linking word ("cause") asked of a slide without it does not count against that slide
            unheld = math.fsum([weight(term) for term in linking if term not in held_set]) if linking else 0.0
            coverage = held / (total - unheld) if total > unheld else 1.0
            ranked.append((-score, -held, order, Candidate(index.slide, score, coverage, matched, names_subject)))
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
            found = self._details[index.order] = detailed(index.slide, lexicon.forms, self.reader.stopwords, lexicon.because)
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
            if t in keyworded or (t not in index.subject and self._pack_weights[slide.pack][t] >= MIN_ASPECT_WEIGHT)
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

    def read_by_pack(self, query: Query, pack: str) -> Query:
        """The query as one pack reads it: words only other packs' slides hold are not asked of it."""
        held = self._pack_weights[pack]  # every stem the pack's slides hold
        known = tuple(term for term in query.known if term in held)
        if len(known) == len(query.known):
            return query  # one pack, or nothing asked that only another holds
        kept = set(known).union(query.unknown)
        weights = {term: weight for term, weight in query.weights.items() if term in kept}
        bigrams = frozenset(both for both in query.bigrams if both[0] in held and both[1] in held)
        return query._replace(weights=weights, known=known, bigrams=bigrams)

    def of_subjects(self, query: Query) -> list[Slide]:
        """The slides titled by a name whose subject the query names ("spread to her spine": Bones)."""
        asked = set(query.known)
        return [index.slide for index in self._slides if asked & index.subject and index.title <= self.titled]

    def scoped(self, ranked: list[Candidate], query: Query) -> list[Candidate]:
        """The best slide, when it holds its own subject as asked and every other word asked names another slide's
        subject or stands on most slides ("how do they treat it when it's in the liver?": Treatment)."""
        if not ranked or ranked[0].coverage < SCOPED_COVERAGE or query.unknown or query.not_covered:
            return []
        best = ranked[0]
        if self._slides[self._order_of[(best.slide.pack, best.slide.number)]].subject.isdisjoint(best.matched):
            return []
        rest = [term for term in query.known if term not in best.matched]
        return [best] if rest and all(t in self.titled or self._weights.get(t, 1.0) < MIN_ASPECT_WEIGHT for t in rest) else []

    def each_subject(self, ranked: list[Candidate], query: Query) -> list[Candidate]:
        """When the question joins the subjects of several slides ("the liver and lungs"): those slides."""
        read = query.read
        if JOINERS.isdisjoint(read):
            return []
        stems = [stem for stem in read if stem in JOINERS or stem not in self.reader.stopwords]
        joins = [position for position, stem in enumerate(stems) if stem in JOINERS]
        beside = {stems[p] for join in joins for p in (join - 1, join + 1) if 0 <= p < len(stems)}
        named = {stem for stem in beside if stem in self.subjects}
        if len(named) < 2:
            return []
        own = [c for c in ranked if named & self._slides[self._order(c.slide)].subject]
        if len(own) < 2 or len(own) > MAX_TOGETHER:
            return []
        held = {t for c in own for t in c.matched}
        best = ranked[0]
        if best not in own and best.coverage >= 1.0 and not set(best.matched) - named <= held:
            return []  # one slide answers what they do not ("does that mean I've got bone cancer and liver cancer?")
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
