"""Read and check `lexicon.yaml` against the slides: stopwords, word forms, synonyms, subjects not covered, reasons."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from mbcbot.errors import Problem
from mbcbot.model import FrozenMap, Lexicon, Slide
from mbcbot.schema import FileCheck
from mbcbot.text import Reader, stems, words
from mbcbot.yamlfile import LineDict, shown

LEXICON_KEYS = {"stopwords", "forms", "synonyms", "not_covered", "why", "because", "linking"}
RARITY_SAMPLE = 2_000  # sentences counted to tell a phrase's rarest word: enough to know "the" from "jaundice"


class LexiconFile(NamedTuple):
    """`lexicon.yaml` as read before the slides: the slides are read into stems with its word forms."""

    check: FileCheck
    data: LineDict
    forms: dict[str, str]


def lexicon_file(path: Path) -> LexiconFile:
    """The lexicon's document and word forms; the rest is read against the slides by `lexicon_from`."""
    check = FileCheck(shown(path))
    data = check.document(path)
    if data:
        check.keys(data, "the lexicon", set(), LEXICON_KEYS)
    return LexiconFile(check, data, _forms(data, check))


def lexicon_from(file: LexiconFile, slides: tuple[Slide, ...], reader: Reader) -> tuple[Lexicon, list[Problem]]:
    """The lexicon in `file`, checked against the slides it serves, and every problem found in it."""
    check, data, forms = file
    sentence_words = set().union(*(reader.together(slide.sentences, forms) for slide in slides))
    slide_stems = sentence_words.union(
        *(reader.stems(text, forms) for slide in slides for text in (slide.title, *slide.keywords))
    )
    claimed: dict[tuple[str, ...], tuple[str, int]] = {}
    known_words: set[str] = set(forms) | set(forms.values())
    longer: list[tuple[tuple[str, ...], int, str, str]] = []  # phrases of several words, checked against the text at once

    def claim(phrase: str, line: int, meaning: str, in_slides_ok: bool) -> tuple[str, ...]:
        key = stems(phrase, forms)
        known_words.update(words(phrase))
        what = meaning.split(":")[0]
        earlier = claimed.get(key)
        if not key:
            check.problem(line, f"{what} {phrase!r} has no words")
        elif earlier is not None and earlier[0] != meaning:
            check.problem(line, f"{what} {phrase!r} is already claimed as {earlier[0]} on line {earlier[1]}")
        elif not in_slides_ok and len(key) > 1:
            longer.append((key, line, what, phrase))
        elif not in_slides_ok and key[0] in sentence_words:
            check.problem(line, f"{what} {phrase!r} stands in the slide text; matching reads it there as it is")
        claimed.setdefault(key, (meaning, line))
        return key

    stopwords = _stopwords(data, check, claim)
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    groups = check.mapping(data.get("synonyms", LineDict()), data.line_of("synonyms"), "'synonyms'")
    for target, variants in groups.items():
        line = groups.line_of(target)
        target_stems = stems(str(target), forms)
        known_words.update(words(str(target)))
        missing = [w for w, s in zip(words(str(target)), target_stems, strict=False) if s not in slide_stems]
        if missing and slides:
            check.problem(line, f"synonym target {target!r} does not stand in any slide ({', '.join(missing)})")
        items = check.sequence(variants, line, f"synonyms of {target!r}")
        for index, variant in enumerate(items):
            where = items.line_of(index)
            if check.word(variant, where, f"a synonym of {target!r}") is None:
                continue
            synonyms[claim(variant, where, f"synonym:{target}", False)] = target_stems
    not_covered = _not_covered(data, check, claim)
    why = {stems(p, forms) for p in check.texts(data, "why", "the lexicon")}
    because = [(stems(phrase, forms), phrase) for phrase in check.texts(data, "because", "the lexicon")]
    phrases = {key for key, *_ in longer} | {key for key, _ in because}
    standing = _standing(phrases, slides, sentence_words, reader, forms)
    for key, line, what, phrase in longer:
        if key in standing:
            check.problem(line, f"{what} {phrase!r} stands in the slide text; matching reads it there as it is")
    for key, phrase in because:
        if slides and key not in standing and not (len(key) == 1 and key[0] in sentence_words):
            check.problem(data.line_of("because"), f"'because' phrase {phrase!r} does not stand in any slide")
    linking = {word: stems(word, forms) for word in check.texts(data, "linking", "the lexicon")}
    for word, key in linking.items():
        if slides and (len(key) != 1 or key[0] not in slide_stems):
            check.problem(data.line_of("linking"), f"'linking' word {word!r} is not one word of the slides")
    lexicon = Lexicon(
        stopwords=frozenset(stopwords),
        forms=FrozenMap(forms),
        synonyms=FrozenMap(synonyms),
        not_covered=FrozenMap(not_covered),
        words=frozenset(known_words),
        why=frozenset(p for p in why if p),
        because=tuple(key for key, _ in because if key),
        linking=frozenset(key[0] for key in linking.values() if len(key) == 1),
    )
    return lexicon, check.problems


def _forms(data: LineDict, check: FileCheck) -> dict[str, str]:
    forms: dict[str, str] = {}
    table = check.mapping(data.get("forms", LineDict()), data.line_of("forms"), "'forms'")
    for word, base in table.items():
        if not (isinstance(word, str) and isinstance(base, str) and len(words(word)) == 1 == len(words(base))):
            check.problem(table.line_of(word), f"form {word!r}: {base!r} must map one word to one word")
            continue
        forms[words(word)[0]] = words(base)[0]
    return forms


def _stopwords(data: LineDict, check: FileCheck, claim: Any) -> set[tuple[str, ...]]:
    found = set()
    items = check.sequence(data.get("stopwords", []), data.line_of("stopwords"), "'stopwords'")
    for index, word in enumerate(items):
        if check.word(word, items.line_of(index), "a stopword") is None:
            continue
        found.add(claim(word, items.line_of(index), "stopword", True))
    return found


def _not_covered(data: LineDict, check: FileCheck, claim: Any) -> dict[tuple[str, ...], str]:
    found: dict[tuple[str, ...], str] = {}
    items = check.sequence(data.get("not_covered", []), data.line_of("not_covered"), "'not_covered'")
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), "a not-covered subject")
        check.keys(entry, "a not-covered subject", {"topic", "terms"})
        topic = check.text(entry, "topic", "a not-covered subject")
        terms = check.sequence(entry.get("terms", []), entry.line_of("terms"), f"terms of {topic!r}")
        for position, term in enumerate(terms):
            if check.word(term, terms.line_of(position), f"a term of {topic!r}") is None:
                continue
            found[claim(term, terms.line_of(position), f"not-covered term:{topic}", False)] = topic
    return found


def _standing(
    phrases: set[tuple[str, ...]], slides: tuple[Slide, ...], held: set[str], reader: Reader, forms: dict[str, str]
) -> set[tuple[str, ...]]:
    """The phrases that stand, word for word, in some slide's sentence (`held`: every word of the sentences)."""
    sample = (reader.stems(sentence, forms) for slide in slides for sentence in slide.sentences)
    seen = Counter(itertools.chain.from_iterable(itertools.islice(sample, RARITY_SAMPLE)))  # how common each word is, roughly
    anchored: dict[str, list[tuple[int, tuple[str, ...]]]] = {}
    for phrase in phrases:
        if phrase and held.issuperset(phrase):  # else it stands nowhere
            offset = min(range(len(phrase)), key=lambda i: seen[phrase[i]])  # looked for by its rarest word
            anchored.setdefault(phrase[offset], []).append((offset, phrase))
    found = set()
    for slide in slides:
        if anchored.keys().isdisjoint(reader.together(slide.sentences, forms)):  # most slides hold no phrase's rarest word
            continue
        for sequence in (reader.stems(sentence, forms) for sentence in slide.sentences):
            for anchor in anchored.keys() & sequence:
                for position in _positions(sequence, anchor):
                    for offset, phrase in anchored[anchor]:
                        start = position - offset
                        if start >= 0 and sequence[start : start + len(phrase)] == phrase:
                            found.add(phrase)
    return found


def _positions(sequence: tuple[str, ...], word: str) -> Iterator[int]:
    """Where `word` stands in `sequence`, first to last."""
    start = -1
    while True:
        try:
            start = sequence.index(word, start + 1)
        except ValueError:
            return
        yield start
