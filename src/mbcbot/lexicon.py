"""Read and check `lexicon.yaml` against the slides: stopwords, word forms, synonyms, subjects not covered, reasons."""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from mbcbot.errors import Problem, shown
from mbcbot.model import FrozenMap, Lexicon, Slide
from mbcbot.schema import FileCheck
from mbcbot.text import Reader, stems, words
from mbcbot.yamlfile import LineDict

LANGUAGE_KEYS = {"stopwords", "forms", "why"}  # how people talk, whatever the pack: knowledge/lexicon.yaml only
PACK_KEYS = {"synonyms", "not_covered", "because", "linking", "places"}  # bound to slide words: a pack's own lexicon.yaml
RARITY_SAMPLE = 2_000  # sentences counted to tell a phrase's rarest word: enough to know "the" from "jaundice"
SHARED = ""  # the owner of the shared file's entries (a pack's entries are owned by its id)
TOPIC_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")  # lowercase words joined by "-": hair-loss-and-wigs


class LexiconFile(NamedTuple):
    """A lexicon file as read before the slides (the slides are read into stems with the shared word forms)."""

    check: FileCheck
    data: LineDict
    forms: dict[str, str]
    owner: str  # SHARED, or the id of the pack whose folder holds it


def lexicon_file(path: Path, owner: str = SHARED) -> LexiconFile:
    """A lexicon's document (and, for the shared one, its word forms); the rest is read by `lexicon_from`."""
    check = FileCheck(shown(path))
    data = check.document(path) if os.path.lexists(path) or owner == SHARED else LineDict()  # a pipe there is refused
    if data:
        check.keys(data, "the lexicon", set(), LANGUAGE_KEYS | PACK_KEYS if owner == SHARED else PACK_KEYS)
    return LexiconFile(check, data, _forms(data, check) if owner == SHARED else {}, owner)


class _Entries(NamedTuple):
    """What one lexicon file says, its phrases as stems."""

    stopwords: set[tuple[str, ...]]
    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    not_covered: dict[tuple[str, ...], str]  # a term's stems -> its subject's id
    topics: dict[str, tuple[str, int]]  # a subject's id -> its topic and the line of its id
    words: set[str]
    why: set[tuple[str, ...]]
    because: list[tuple[str, ...]]
    linking: set[str]
    places: dict[str, tuple[str, ...]]
    where: set[str]


def lexicon_from(files: list[LexiconFile], slides: tuple[Slide, ...], reader: Reader) -> tuple[Lexicon, list[Problem]]:
    """The shared lexicon (first) and each pack's own, checked and merged, and every problem found in them.

    Each file is checked against the slides it serves: a pack's against its own, the shared one's against all.
    Packs stand alone: a word one pack declares not covered is covered when another pack's slides hold it, and
    a word one pack reads as another is also read as itself when another pack's slides hold it.
    """
    forms = files[0].forms
    claimed: dict[tuple[str, ...], tuple[str, int, str]] = {}
    found = [_entries(file, tuple(s for s in slides if file.owner in (SHARED, s.pack)), reader, forms, claimed) for file in files]
    held = set().union(*(reader.together(slide.sentences, forms) for slide in slides))
    held |= set().union(*(reader.stems(text, forms) for slide in slides for text in (slide.title, *slide.keywords)))
    _check_topic_ids(files, found)
    phrases = {key for entries in found for key in (*entries.synonyms, *entries.not_covered) if len(key) > 1}
    standing = _standing(phrases, slides, held, reader, forms) | {(word,) for word in held}
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for key, target in ((key, target) for entries in found for key, target in entries.synonyms.items()):
        read_as = synonyms.get(key, ()) + tuple(word for word in target if word not in synonyms.get(key, ()))
        synonyms[key] = read_as + tuple(word for word in key if word not in read_as) * (key in standing)
    not_covered: dict[tuple[str, ...], str] = {}
    for entries in found:
        for key, topic in entries.not_covered.items():
            if key not in standing:
                not_covered.setdefault(key, topic)
    lexicon = Lexicon(
        stopwords=frozenset().union(*(entries.stopwords for entries in found)),
        forms=FrozenMap(forms),
        synonyms=FrozenMap(synonyms),
        not_covered=FrozenMap(not_covered),
        topics=FrozenMap({topic_id: topic for entries in found for topic_id, (topic, _) in entries.topics.items()}),
        words=frozenset(set(forms) | set(forms.values())).union(*(entries.words for entries in found)),
        why=frozenset().union(*(entries.why for entries in found)),
        because=tuple(dict.fromkeys(key for entries in found for key in entries.because)),
        linking=frozenset().union(*(entries.linking for entries in found)),
        places=FrozenMap({place: means for entries in found for place, means in entries.places.items()}),
        where=frozenset().union(*(entries.where for entries in found)),
    )
    return lexicon, [problem for file in files for problem in file.check.problems]


def _entries(
    file: LexiconFile,
    slides: tuple[Slide, ...],
    reader: Reader,
    forms: dict[str, str],
    claimed: dict[tuple[str, ...], tuple[str, int, str]],
) -> _Entries:
    """One file's entries, each checked against `slides` (those it serves) and against the claims of earlier files."""
    check, data, _, owner = file
    sentence_words = set().union(*(reader.together(slide.sentences, forms) for slide in slides))
    slide_stems = sentence_words.union(
        *(reader.stems(text, forms) for slide in slides for text in (slide.title, *slide.keywords))
    )
    known_words: set[str] = set()
    longer: list[tuple[tuple[str, ...], int, str, str]] = []  # phrases of several words, checked against the text at once

    def claim(phrase: str, line: int, meaning: str, in_slides_ok: bool) -> tuple[str, ...]:
        key = stems(phrase, forms)
        known_words.update(words(phrase))
        what = meaning.split(":")[0]
        earlier = claimed.get(key)
        if not key:
            check.problem(line, f"{what} {phrase!r} has no words")
        elif earlier is not None and (owner == earlier[2] or SHARED in (owner, earlier[2])):
            where = f"line {earlier[1]}" if earlier[2] == owner else f"line {earlier[1]} of the {earlier[2] or 'shared'} lexicon"
            if earlier[0] != meaning:
                check.problem(line, f"{what} {phrase!r} is already claimed as {earlier[0]} on {where}")
            else:  # the same entry twice, or two forms of one word ("fracture", "fractures"): stems read them alike
                check.problem(line, f"{what} {phrase!r} reads the same as an entry on {where}; list it once")
        elif not in_slides_ok and len(key) > 1:
            longer.append((key, line, what, phrase))
        elif not in_slides_ok and key[0] in sentence_words:
            check.problem(line, f"{what} {phrase!r} stands in the slide text; matching reads it there as it is")
        claimed.setdefault(key, (meaning, line, owner))
        return key

    stopwords = _stopwords(data, check, claim)
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    groups = check.mapping(data.get("synonyms", LineDict()), data.line_of("synonyms"), "'synonyms'")
    for target, variants in groups.items():
        line = groups.line_of(target)
        if check.text_value(target, line, "a synonym target") is None:
            continue
        target_stems = stems(str(target), forms)
        known_words.update(words(str(target)))
        missing = [w for w, s in zip(words(str(target)), target_stems, strict=False) if s not in slide_stems]
        if missing and slides:
            check.problem(line, f"synonym target {target!r} does not stand in any slide ({', '.join(missing)})")
        items, label = check.sequence(variants, line, f"synonyms of {target!r}"), f"a synonym of {target!r}"
        for index, variant in enumerate(items):
            where = items.line_of(index)
            if check.text_value(variant, where, label) is None:
                continue
            synonyms[claim(variant, where, f"synonym:{target}", False)] = target_stems
    not_covered, topics = _not_covered(data, check, claim)
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
    places, where_words = _places(data, check, forms, slide_stems, known_words)
    return _Entries(
        stopwords=stopwords,
        synonyms=synonyms,
        not_covered=not_covered,
        topics=topics,
        words=known_words,
        why={p for p in why if p},
        because=[key for key, _ in because if key],
        linking={key[0] for key in linking.values() if len(key) == 1},
        places=places,
        where=where_words,
    )


def _places(
    data: LineDict, check: FileCheck, forms: dict[str, str], slide_stems: set[str], known_words: set[str]
) -> tuple[dict[str, tuple[str, ...]], set[str]]:
    """Body parts that mean the slide words `means` when a message asks where the cancer goes (it holds a `where`
    word, or names nothing but places: "what about the skin?"), and the `where` stems. Each place's word joins
    `known_words`, the words spelling may correct into."""
    if "places" not in data:
        return {}, set()
    entry = check.mapping(data["places"], data.line_of("places"), "'places'")
    check.keys(entry, "'places'", {"means", "words"}, {"where"})
    means = check.text(entry, "means", "'places'")
    means_stems = stems(means or "", forms)
    if means and not set(means_stems) <= slide_stems:
        check.problem(entry.line_of("means"), f"'places' means {means!r}, which does not stand in any slide")
    where = set()
    for word in check.texts(entry, "where", "'places'"):
        key = stems(word, forms)
        if len(key) != 1 or key[0] not in slide_stems:
            check.problem(entry.line_of("where"), f"'places' where word {word!r} is not one word of the slides")
        else:
            where.add(key[0])
    places = {}
    for word in check.texts(entry, "words", "'places'"):
        key = stems(word, forms)
        known_words.update(words(word))
        if len(key) != 1:
            check.problem(entry.line_of("words"), f"place {word!r} must be one word")
        else:
            places[key[0]] = means_stems
    return places, where


def _forms(data: LineDict, check: FileCheck) -> dict[str, str]:
    forms: dict[str, str] = {}
    table = check.mapping(data.get("forms", LineDict()), data.line_of("forms"), "'forms'")
    for word, base in table.items():
        line = table.line_of(word)
        if None in (check.text_value(word, line, "a word of 'forms'"), check.text_value(base, line, f"form {word!r}")):
            continue
        if not len(words(word)) == 1 == len(words(base)):
            check.problem(line, f"form {word!r}: {base!r} must map one word to one word")
            continue
        forms[words(word)[0]] = words(base)[0]
    return forms


def _stopwords(data: LineDict, check: FileCheck, claim: Any) -> set[tuple[str, ...]]:
    found = set()
    items = check.sequence(data.get("stopwords", []), data.line_of("stopwords"), "'stopwords'")
    for index, word in enumerate(items):
        if check.text_value(word, items.line_of(index), "a stopword") is None:
            continue
        found.add(claim(word, items.line_of(index), "stopword", True))
    return found


def _not_covered(data: LineDict, check: FileCheck, claim: Any) -> tuple[dict[tuple[str, ...], str], dict[str, tuple[str, int]]]:
    """Each not-covered term's stems with its subject's id, and each subject's topic (with its line) by id."""
    found: dict[tuple[str, ...], str] = {}
    topics: dict[str, tuple[str, int]] = {}
    items = check.sequence(data.get("not_covered", []), data.line_of("not_covered"), "'not_covered'")
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), "a not-covered subject")
        check.keys(entry, "a not-covered subject", {"id", "topic", "terms"})
        topic = check.text(entry, "topic", "a not-covered subject")
        topic_id = _topic_id(check, entry, topic, topics)
        if topic_id:
            topics.setdefault(topic_id, (topic, entry.line_of("id")))
        terms, label = (
            check.sequence(entry.get("terms", []), entry.line_of("terms"), f"terms of {topic!r}"),
            f"a term of {topic!r}",
        )
        for position, term in enumerate(terms):
            if check.text_value(term, terms.line_of(position), label) is None:
                continue
            found[claim(term, terms.line_of(position), f"not-covered term:{topic}", False)] = topic_id
    return found, topics


def _topic_id(check: FileCheck, entry: LineDict, topic: str, earlier: dict[str, tuple[str, int]]) -> str:
    """A not-covered subject's id, with a problem when it is not lowercase words joined by "-" or is used twice."""
    topic_id = check.text(entry, "id", f"not-covered subject {topic!r}")
    line = entry.line_of("id")
    if topic_id and not TOPIC_ID.fullmatch(topic_id):
        check.problem(line, f"not-covered subject {topic!r} has id {topic_id!r}: an id is lowercase words joined by '-'")
    elif topic_id in earlier:
        check.problem(
            line,
            f"not-covered subject id {topic_id!r} is already the id of {earlier[topic_id][0]!r} on line {earlier[topic_id][1]}",
        )
    return topic_id


def _check_topic_ids(files: list[LexiconFile], found: list[_Entries]) -> None:
    """A problem for each not-covered subject whose id an earlier lexicon file gives another subject (ids are unique across packs)."""
    seen: dict[str, tuple[str, str]] = {}  # id -> topic, and the file that gave it
    for file, entries in zip(files, found, strict=True):
        for topic_id, (topic, line) in entries.topics.items():
            if topic_id in seen:
                first, where = seen[topic_id]
                file.check.problem(
                    line, f"not-covered subject id {topic_id!r} of {topic!r} is already the id of {first!r} in {where}"
                )
            seen.setdefault(topic_id, (topic, file.check.file))


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
