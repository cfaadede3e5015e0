"""Read and validate a knowledge folder into frozen `Knowledge`, or report every problem.

A knowledge folder holds `lexicon.yaml`, `conversation.yaml`, `safety.yaml` and one folder per
reviewed pack (`pack.yaml`, `slides.yaml`, `stamp.yaml`).
"""

from __future__ import annotations

import datetime
import os
import re
from pathlib import Path
from typing import Any

from mbcbot.conversation import conversation_from
from mbcbot.errors import KnowledgeError, Problem, shown
from mbcbot.lexicon import lexicon_file, lexicon_from
from mbcbot.model import FrozenMap, Knowledge, Pack, Review, Slide
from mbcbot.review import REVIEWED, STAMP_FILE, Stamped, pack_digest, stamped
from mbcbot.safetyfile import safety_from
from mbcbot.schema import FileCheck
from mbcbot.text import Reader, normalised, sentences
from mbcbot.yamlfile import LineDict, read_yaml

PACK_KEYS = {"id", "title", "publisher", "sources", "disclaimer", "emergency_line"}
SLIDE_KEYS = {"number", "id", "title", "text"}
SLIDE_OPTIONAL = {"image", "keywords", "samples"}
_DIGEST = re.compile(r"[0-9a-f]{64}")  # a slide digest as `mbcbot stamp` writes it
DEFAULT_ORDER = 100  # packs without an order follow those with one, by folder name
ORDERS = range(0, 10_001)  # room for any number of packs, in any order
_EMPTY_REVIEW = Review("", datetime.date.min.isoformat(), "", FrozenMap({}))


def load_knowledge(root: Path, reader: Reader | None = None) -> Knowledge:
    """The validated, frozen knowledge in `root`; raises KnowledgeError with every problem.

    `reader` keeps the slides' reading for indexing them next (see `Matcher`).
    """
    if not root.is_dir():
        raise KnowledgeError([Problem(shown(root), 1, "knowledge folder not found")])
    problems: list[Problem] = []
    packs = []
    reader = reader or Reader()
    lexicon = lexicon_file(root / "lexicon.yaml")  # its word forms first: each pack's texts are read with them

    own = []  # each pack's own lexicon, beside its slides
    for folder in sorted(p for p in root.iterdir() if os.path.lexists(p / "pack.yaml")):  # a pipe there is refused
        pack, found = _pack(folder)
        packs.append(pack)
        own.append(lexicon_file(folder / "lexicon.yaml", pack.id))
        problems += found
    conversation, conversation_problems = conversation_from(root / "conversation.yaml")
    order = {pack.id: pack.order for pack in packs}
    packs.sort(key=lambda pack: pack.order)  # stable: equal orders keep folder order
    own.sort(key=lambda file: order[file.owner])
    if not packs:
        problems.append(Problem(shown(root), 1, "no pack found (a folder holding pack.yaml)"))
    problems += _duplicate_pack_ids(packs)
    slides = tuple(slide for pack in packs for slide in pack.slides)
    checked, found = lexicon_from([lexicon, *own], slides, reader)
    problems += found
    problems += conversation_problems
    safety, safety_problems = safety_from(root / "safety.yaml")
    problems += safety_problems
    if problems:
        raise KnowledgeError(problems)
    return Knowledge(str(root), tuple(packs), checked, conversation, safety)


def _pack(folder: Path) -> tuple[Pack, list[Problem]]:
    """The pack in `folder` with its review checked against its stamp, and every problem found."""
    pack, meta, problems = _unreviewed(folder)
    check = FileCheck(shown(folder / STAMP_FILE))
    review = _review(folder, pack, meta, check, readable=not problems) if pack.slides else _EMPTY_REVIEW
    return pack._replace(review=review), problems + check.problems


def unreviewed_pack(folder: Path) -> tuple[Pack, list[Problem]]:
    """The pack in `folder` as it stands, before its stamp is read (what `mbcbot stamp` stamps)."""
    pack, _, problems = _unreviewed(folder)
    return pack, problems


def _unreviewed(folder: Path) -> tuple[Pack, LineDict, list[Problem]]:
    meta_check = FileCheck(shown(folder / "pack.yaml"))
    meta = meta_check.document(folder / "pack.yaml")
    if meta:
        meta_check.keys(meta, "the pack", PACK_KEYS, {"image_credits", "subject", "order"})
    order = meta.get("order", DEFAULT_ORDER)
    if not isinstance(order, int) or isinstance(order, bool) or order not in ORDERS:
        rule = f"a whole number from {ORDERS[0]} to {ORDERS[-1]}"
        meta_check.problem(meta.line_of("order"), f"the pack's 'order' must be {rule} (lowest first), not {order!r:.40}")
        order = DEFAULT_ORDER
    pack_id = meta_check.text(meta, "id", "the pack")
    slide_check = FileCheck(shown(folder / "slides.yaml"))
    slides = _slides(folder / "slides.yaml", pack_id, slide_check)
    credits = []
    for item in meta_check.sequence(meta.get("image_credits", []), meta.line_of("image_credits"), "image_credits"):
        entry = meta_check.mapping(item, meta.line_of("image_credits"), "an image credit")
        credits.append((str(entry.get("slides", "")), meta_check.text(entry, "credit", "an image credit")))
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
        review=_EMPTY_REVIEW,
        slides=tuple(slides),
        folder=shown(folder),
    )
    return pack, meta, meta_check.problems + slide_check.problems


def _slides(path: Path, pack_id: str, check: FileCheck) -> list[Slide]:
    data = check.document(path)
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


def _review(folder: Path, pack: Pack, meta: LineDict, check: FileCheck, readable: bool) -> Review:
    """The pack's review as its stamp records it; each edit made since is a problem at the line edited."""
    if not os.path.lexists(folder / STAMP_FILE):  # anything standing there is read (and a pipe refused)
        check.problem(1, "the pack has no review stamp; after a medical review run `mbcbot stamp`")
        return _EMPTY_REVIEW
    data = check.document(folder / STAMP_FILE)
    if not data:
        return _EMPTY_REVIEW
    check.keys(data, "the stamp", {"reviewer", "date", "sha256", "slides"}, {"titles", "pack"})
    if "pack" not in data or "titles" not in data:
        older = "the stamp covers the slide texts only, not their titles and the pack's details"
        check.problem(1, f"{older}; after a medical review run `mbcbot stamp`")
    date, dated = data.get("date"), True
    if isinstance(date, datetime.datetime) or not isinstance(date, datetime.date):  # YAML reads "… 10:00:00" as both
        timed = ", without a time of day" if isinstance(date, datetime.datetime) else ""
        check.problem(data.line_of("date"), f"the stamp's 'date' must be a date like 2022-01-19{timed}; run `mbcbot stamp`")
        date, dated = datetime.date.min, False
    recorded = Stamped(
        texts=_digests(check, data, "slides", "the stamp's digest of slide {}"),
        titles=_digests(check, data, "titles", "the stamp's digest of the title of slide {}"),
        fields=_digests(check, data, "pack", "the stamp's digest of the pack's {}"),
    )
    reviewer = check.text(data, "reviewer", "the stamp")
    review = Review(reviewer, date.isoformat(), str(data.get("sha256", "")), FrozenMap(recorded.texts))
    changed = f"has changed since its review on {date}; have it reviewed, then run `mbcbot stamp`"

    def edited(name: str, line: int, message: str) -> None:
        check.problems.append(Problem(shown(folder / name), line, message))

    now = stamped(pack)
    for slide in pack.slides:
        if slide.text and recorded.texts.get(slide.number) != now.texts[slide.number]:
            edited("slides.yaml", _slide_line(folder, slide.number, "text"), f"slide {slide.number} ({slide.title}) {changed}")
        if "titles" in data and recorded.titles.get(slide.number) != now.titles[slide.number]:
            line = _slide_line(folder, slide.number, "title")
            edited("slides.yaml", line, f"the title of slide {slide.number} ({slide.title}) {changed}")
    for name in REVIEWED if "pack" in data else ():
        if recorded.fields.get(name) != now.fields[name]:
            edited("pack.yaml", meta.line_of(name), f"the pack's '{name}' {changed}")
    if readable:
        for number in sorted(set(recorded.texts) - set(now.texts)):
            check.problem(data["slides"].line_of(number), f"the stamp names slide {number}, which the pack does not have")
    if dated and all(recorded.texts.values()) and review.sha256 != pack_digest(recorded, reviewer, date.isoformat()):
        check.problem(data.line_of("sha256"), "the stamp's sha256 does not match its digests; run `mbcbot stamp`")
    return review


def _digests(check: FileCheck, data: LineDict, key: str, what: str) -> dict[Any, str]:
    """The digests the stamp records under `key`, each checked to be 64 hex digits (a bad one reads as "")."""
    table = check.mapping(data.get(key, LineDict()), data.line_of(key), f"the stamp's '{key}'")
    digests = {name: str(value) for name, value in table.items() if isinstance(name, (int, str))}
    for name, value in digests.items():
        if not _DIGEST.fullmatch(value):
            check.problem(table.line_of(name), f"{what.format(name)} must be 64 hex digits; run `mbcbot stamp`")
            digests[name] = ""
    return digests


def _slide_line(folder: Path, number: int, key: str) -> int:
    data, _ = read_yaml(folder / "slides.yaml")
    try:
        entry = data["slides"][number - 1]
        return int(entry.line_of(key))
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
