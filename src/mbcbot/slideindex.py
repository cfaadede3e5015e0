"""Each slide read once for matching: its words, subject, keywords and sentences; and sentence choice."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import NamedTuple

from mbcbot.model import Slide
from mbcbot.text import Reader, holds, stems

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
