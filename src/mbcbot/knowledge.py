"""Read and validate a knowledge folder into frozen `Knowledge`, or report every problem.

A knowledge folder holds `lexicon.yaml`, `conversation.yaml` and one folder per
reviewed pack (`pack.yaml`, `slides.yaml`, `stamp.yaml`).
"""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

from mbcbot.conversation import conversation_from
from mbcbot.errors import KnowledgeError, Problem
from mbcbot.model import FrozenMap, Knowledge, Lexicon, Pack, Review, Slide
from mbcbot.review import STAMP_FILE, pack_digest, slide_digest
from mbcbot.schema import FileCheck
from mbcbot.text import normalised, sentences, stems, words
from mbcbot.yamlfile import LineDict, read_yaml, shown

PACK_KEYS = {"id", "title", "publisher", "sources", "disclaimer", "emergency_line"}
SLIDE_KEYS = {"number", "id", "title", "text"}
SLIDE_OPTIONAL = {"image", "keywords", "samples"}
_DIGEST = re.compile(r"[0-9a-f]{64}")  # a slide digest as `mbcbot stamp` writes it
DEFAULT_ORDER = 100  # packs without an order follow those with one, by folder name
LEXICON_KEYS = {"stopwords", "forms", "synonyms", "not_covered", "why", "because"}


def load_knowledge(root: Path) -> Knowledge:
    """The validated, frozen knowledge in `root`; raises KnowledgeError with every problem."""
    if not root.is_dir():
        raise KnowledgeError([Problem(shown(root), 1, "knowledge folder not found")])
    problems: list[Problem] = []
    packs = []
    for folder in sorted(p for p in root.iterdir() if (p / "pack.yaml").is_file()):
        pack, found = _pack(folder)
        packs.append(pack)
        problems += found
    packs.sort(key=lambda pack: pack.order)  # stable: equal orders keep folder order
    if not packs:
        problems.append(Problem(shown(root), 1, "no pack found (a folder holding pack.yaml)"))
    problems += _duplicate_pack_ids(packs)
    slides = tuple(slide for pack in packs for slide in pack.slides)
    lexicon, found = _lexicon(root / "lexicon.yaml", slides)
    problems += found
    conversation, found = conversation_from(root / "conversation.yaml")
    problems += found
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(str(root), tuple(packs), lexicon, conversation)


def _data(path: Path, check: FileCheck) -> LineDict:
    data, problems = read_yaml(path)
    check.problems += problems
    return check.mapping(data, 1, "the file") if not problems else LineDict()


def _pack(folder: Path) -> tuple[Pack, list[Problem]]:
    meta_check = FileCheck(shown(folder / "pack.yaml"))
    meta = _data(folder / "pack.yaml", meta_check)
    if meta:
        meta_check.keys(meta, "the pack", PACK_KEYS, {"image_credits", "subject", "order"})
    order = meta.get("order", DEFAULT_ORDER)
    if not isinstance(order, int) or isinstance(order, bool):
        meta_check.problem(meta.line_of("order"), f"the pack's 'order' must be a whole number, not {order!r}")
        order = DEFAULT_ORDER
    pack_id = meta_check.text(meta, "id", "the pack")
    slide_check = FileCheck(shown(folder / "slides.yaml"))
    slides = _slides(folder / "slides.yaml", pack_id, slide_check)
    stamp_check = FileCheck(shown(folder / STAMP_FILE))
    review = _review(folder, slides, stamp_check, slide_check, readable=not slide_check.problems)
    credits = []
    for item in meta_check.sequence(meta.get("image_credits", []), meta.line_of("image_credits"), "image_credits"):
        entry = meta_check.mapping(item, meta.line_of("image_credits"), "an image credit")
        credits.append((str(entry.get("slides", "")), str(entry.get("credit", ""))))
    pack = Pack(
        id=pack_id,
        order=order,
        title=meta_check.text(meta, "title", "the pack"),
        publisher=meta_check.text(meta, "publisher", "the pack"),
        subject=meta_check.texts(meta, "subject", "the pack"),
        sources=meta_check.texts(meta, "sources", "the pack"),
        image_credits=tuple(credits),
        disclaimer=normalised(meta_check.text(meta, "disclaimer", "the pack")),
        emergency_line=normalised(meta_check.text(meta, "emergency_line", "the pack")),
        review=review,
        slides=tuple(slides),
    )
    return pack, meta_check.problems + slide_check.problems + stamp_check.problems


def _slides(path: Path, pack_id: str, check: FileCheck) -> list[Slide]:
    data = _data(path, check)
    if data:
        check.keys(data, "the file", {"slides"})
    items = check.sequence(data.get("slides", []), data.line_of("slides"), "'slides'")
    slides: list[Slide] = []
    seen_ids: dict[str, int] = {}
    for index, item in enumerate(items):
        entry = check.mapping(item, items.line_of(index), "a slide")
        if not entry:
            continue
        number = entry.get("number")
        label = f"slide {number}" if isinstance(number, int) else f"slide at position {index + 1}"
        check.keys(entry, label, SLIDE_KEYS, SLIDE_OPTIONAL)
        if not isinstance(number, int) or isinstance(number, bool) or number != index + 1:
            check.problem(entry.line_of("number"), f"{label}: 'number' must be {index + 1} (slides are numbered in order from 1)")
        slide_id = check.text(entry, "id", label)
        if slide_id and slide_id in seen_ids:
            check.problem(entry.line_of("id"), f"{label}: id '{slide_id}' is already used on line {seen_ids[slide_id]}")
        seen_ids.setdefault(slide_id, entry.line_of("id"))
        text = normalised(check.text(entry, "text", label))
        slides.append(
            Slide(
                pack=pack_id,
                number=index + 1,
                id=slide_id,
                title=check.text(entry, "title", label),
                image=check.text(entry, "image", label),
                keywords=check.texts(entry, "keywords", label),
                samples=check.texts(entry, "samples", label),
                text=text,
                sentences=tuple(sentences(text)),
            )
        )
    if not slides and data:
        check.problem(data.line_of("slides"), "the pack has no slides")
    return slides


def _review(folder: Path, slides: list[Slide], check: FileCheck, slide_check: FileCheck, readable: bool) -> Review:
    empty = Review("", datetime.date.min.isoformat(), "", FrozenMap({}))
    if not (folder / STAMP_FILE).is_file():
        check.problem(1, "the pack has no review stamp; after a medical review run `mbcbot stamp`")
        return empty
    data = _data(folder / STAMP_FILE, check)
    if not data:
        return empty
    check.keys(data, "the stamp", {"reviewer", "date", "sha256", "slides"})
    date = data.get("date")
    if not isinstance(date, datetime.date):
        check.problem(data.line_of("date"), "the stamp's 'date' must be a date like 2022-01-19")
        date = datetime.date.min
    stamped = check.mapping(data.get("slides"), data.line_of("slides"), "the stamp's 'slides'")
    digests = {number: str(value) for number, value in stamped.items() if isinstance(number, int)}
    for number, value in sorted(digests.items()):
        if not _DIGEST.fullmatch(value):
            check.problem(
                stamped.line_of(number), f"the stamp's digest of slide {number} must be 64 hex digits; run `mbcbot stamp`"
            )
            digests[number] = ""
    reviewer = check.text(data, "reviewer", "the stamp")
    review = Review(reviewer, date.isoformat(), str(data.get("sha256", "")), FrozenMap(digests))
    for slide in slides:
        if slide.text and digests.get(slide.number) != slide_digest(slide.text):
            slide_check.problem(
                _slide_text_line(folder, slide.number),
                f"slide {slide.number} ({slide.title}) has changed since its review on {date}; "
                "have it reviewed, then run `mbcbot stamp`",
            )
    extra = sorted(set(digests) - {slide.number for slide in slides}) if readable else []
    for number in extra:
        check.problem(stamped.line_of(number), f"the stamp names slide {number}, which the pack does not have")
    if digests and all(digests.values()) and review.sha256 != pack_digest(digests):
        check.problem(data.line_of("sha256"), "the stamp's sha256 does not match its slide digests; run `mbcbot stamp`")
    return review


def _slide_text_line(folder: Path, number: int) -> int:
    data, _ = read_yaml(folder / "slides.yaml")
    try:
        entry = data["slides"][number - 1]
        return int(entry.line_of("text"))
    except (TypeError, KeyError, IndexError, AttributeError):
        return 1


def _duplicate_pack_ids(packs: list[Pack]) -> list[Problem]:
    seen: set[str] = set()
    problems = []
    for pack in packs:
        if pack.id and pack.id in seen:
            problems.append(Problem(pack.id, 1, f"pack id '{pack.id}' is used by two packs"))
        seen.add(pack.id)
    return problems


def _lexicon(path: Path, slides: tuple[Slide, ...]) -> tuple[Lexicon, list[Problem]]:
    check = FileCheck(shown(path))
    data = _data(path, check)
    if data:
        check.keys(data, "the lexicon", set(), LEXICON_KEYS)
    forms = _forms(data, check)
    slide_stems = {stem for slide in slides for stem in stems(f"{slide.title} {slide.text} {' '.join(slide.keywords)}", forms)}
    sentence_stems = [stems(sentence, forms) for slide in slides for sentence in slide.sentences]
    sentence_words = {stem for sequence in sentence_stems for stem in sequence}
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
            if not isinstance(variant, str) or not variant.strip():
                check.problem(where, f"a synonym of {target!r} must be text")
                continue
            synonyms[claim(variant, where, f"synonym:{target}", False)] = target_stems
    not_covered = _not_covered(data, check, claim)
    why = {stems(p, forms) for p in check.texts(data, "why", "the lexicon")}
    because = [(stems(phrase, forms), phrase) for phrase in check.texts(data, "because", "the lexicon")]
    standing = _standing({key for key, *_ in longer} | {key for key, _ in because}, sentence_stems)
    for key, line, what, phrase in longer:
        if key in standing:
            check.problem(line, f"{what} {phrase!r} stands in the slide text; matching reads it there as it is")
    for key, phrase in because:
        if slides and key not in standing and not (len(key) == 1 and key[0] in sentence_words):
            check.problem(data.line_of("because"), f"'because' phrase {phrase!r} does not stand in any slide")
    lexicon = Lexicon(
        stopwords=frozenset(stopwords),
        forms=FrozenMap(forms),
        synonyms=FrozenMap(synonyms),
        not_covered=FrozenMap(not_covered),
        words=frozenset(known_words),
        why=frozenset(p for p in why if p),
        because=tuple(key for key, _ in because if key),
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
        if not isinstance(word, str) or not word.strip():
            check.problem(items.line_of(index), "a stopword must be text")
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
            if not isinstance(term, str) or not term.strip():
                check.problem(terms.line_of(position), f"a term of {topic!r} must be text")
                continue
            found[claim(term, terms.line_of(position), f"not-covered term:{topic}", False)] = topic
    return found


def _standing(phrases: set[tuple[str, ...]], sequences: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """The phrases that stand, word for word, somewhere in the sequences (one pass over the words)."""
    longest: dict[str, int] = {}
    for phrase in phrases:
        if phrase:
            longest[phrase[0]] = max(longest.get(phrase[0], 0), len(phrase))
    found = set()
    for sequence in sequences:
        for start, first in enumerate(sequence):
            for size in range(2, longest.get(first, 0) + 1):
                if sequence[start : start + size] in phrases:
                    found.add(sequence[start : start + size])
    return found
