"""Deterministic synthetic knowledge folders of N slides, for measuring how cost grows.

    python benchmarks/synthetic.py N OUT_DIR [--seed 2024]

OUT_DIR gets a copy of the real knowledge (lexicon, conversation and the
reviewed pack) plus N synthetic slides in packs of at most PACK_LIMIT slides,
each stamped with `mbcbot.stamping.stamp_pack`. The text is prose-shaped
(3-6 sentences of 12-25 words) from a generated vocabulary of pseudo-words
("kelvar", "tesumo") mixed with common English function words. No pseudo-word
is a word of the repository's own English (the knowledge and the tuning
question sets, so the questions benchmarks ask never name one) or shares a
stem with one, and no function word used shares a stem with a lexicon synonym
variant or not-covered term, so the loader's lexicon-conflict checks pass.
Nothing is read from the machine (no system word list): same commit, N and
seed, same bytes everywhere, and `digest` says so in a few characters. The
first slides of a larger pack are those of a smaller one.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import itertools
import json
import random
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from mbcbot.model import Slide
from mbcbot.stamping import stamp_pack
from mbcbot.text import stem, words

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
SEED = 2024
REAL_SLIDES_AT = 8  # slides in the real pack: at this size it is served alone
VOCABULARY = 4_000  # distinct pseudo-words
PACK_LIMIT = 1_000  # slides per synthetic pack: about 0.8 MB of slides.yaml, under the loader's 2 MB file limit
FUNCTION_SHARE = 0.45  # share of a sentence's words that are function words, as in English prose
REVIEWER = "Synthetic Reviewer, MD"
REVIEW_DATE = datetime.date(2025, 1, 1)
ENGLISH = (KNOWLEDGE, "**/*.yaml"), (ROOT / "tests" / "questions", "tuning*.yaml")  # the English shipped with mbcbot

FUNCTION_WORDS = [
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "it",
    "that",
    "for",
    "with",
    "as",
    "on",
    "by",
    "at",
    "from",
    "this",
    "be",
    "are",
    "was",
    "can",
    "may",
    "will",
    "or",
    "not",
    "but",
    "which",
    "their",
    "they",
    "some",
    "more",
    "most",
    "other",
    "into",
    "than",
    "also",
    "only",
    "each",
    "such",
    "about",
    "after",
    "before",
    "over",
    "under",
    "between",
    "through",
    "during",
    "its",
    "these",
    "those",
    "has",
    "have",
    "had",
    "been",
    "often",
    "most",
    "usually",
    "then",
    "when",
    "while",
    "both",
    "many",
    "few",
    "very",
    "well",
    "just",
    "even",
    "still",
    "again",
    "further",
    "there",
    "here",
    "who",
    "whose",
    "whom",
    "would",
    "could",
    "should",
    "might",
    "must",
    "our",
    "your",
    "his",
    "her",
    "them",
    "him",
    "we",
    "you",
]
ONSETS = [
    "b",
    "d",
    "f",
    "g",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "z",
    "br",
    "dr",
    "gr",
    "kl",
    "pl",
    "st",
    "tr",
    "sk",
    "sl",
    "fr",
]
VOWELS = ["a", "e", "i", "o", "u", "a", "e", "o", "ai", "ou", "ei"]
CODAS = ["", "", "", "n", "r", "l", "s", "k", "m", "x"]


def _lexicon_words(path: Path) -> tuple[set[str], set[str]]:
    """Every word the lexicon names, and the words of its synonym variants and not-covered terms."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))

    def strings(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)

    everything = {word for text in strings(data) for word in words(text)}
    claimed = {word for text in strings(data.get("synonyms", {})) for word in words(text)}
    claimed |= {word for text in strings(data.get("not_covered", [])) for word in words(text)}
    return everything, claimed


def repository_english() -> set[str]:
    """Every word of the knowledge and of the tuning question sets: the English pseudo-words must not be."""
    paths = sorted(path for folder, pattern in ENGLISH for path in folder.glob(pattern))
    return {word for path in paths for word in words(path.read_text(encoding="utf-8"))}


def vocabulary(rng: random.Random, size: int, lexicon: Path = KNOWLEDGE / "lexicon.yaml") -> tuple[list[str], list[str]]:
    """`size` pseudo-words with distinct stems, and the function words safe to use beside the lexicon."""
    everything, claimed = _lexicon_words(lexicon)
    english = repository_english()
    banned_stems = {stem(word) for word in everything | english}
    banned_stems |= {stem(word) for word in FUNCTION_WORDS}
    found: list[str] = []
    stems_seen: set[str] = set()
    while len(found) < size:
        syllables = rng.choice((2, 2, 3, 3, 4))
        word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) for _ in range(syllables)) + rng.choice(CODAS)
        root = stem(word)
        if len(word) < 5 or word in english or root in banned_stems or root in stems_seen:
            continue
        stems_seen.add(root)
        found.append(word)
    claimed_stems = {stem(word) for word in claimed}
    function = [word for word in FUNCTION_WORDS if stem(word) not in claimed_stems and word not in claimed]
    return found, function


def _zipf(count: int, exponent: float = 1.0) -> list[float]:
    return list(itertools.accumulate(1.0 / (rank**exponent) for rank in range(1, count + 1)))


class _Writer:
    """Draws prose-shaped slides from one seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.vocab, self.function = vocabulary(self.rng, VOCABULARY)
        self.rng.shuffle(self.vocab)
        self.vocab_weights = _zipf(len(self.vocab), 0.9)
        self.function_weights = _zipf(len(self.function), 0.8)

    def sentence(self, required: list[str]) -> str:
        rng = self.rng
        length = rng.randint(12, 25)
        tokens = []
        for _ in range(length):
            if rng.random() < FUNCTION_SHARE:
                tokens.append(rng.choices(self.function, cum_weights=self.function_weights)[0])
            else:
                tokens.append(rng.choices(self.vocab, cum_weights=self.vocab_weights)[0])
        for word in required:
            tokens[rng.randrange(1, length)] = word
        for position in range(2, length - 2):
            if rng.random() < 0.05:
                tokens[position] += ","
        tokens[0] = tokens[0].rstrip(",").capitalize()
        tokens[-1] = tokens[-1].rstrip(",")
        return " ".join(tokens) + "."

    def slide(self, pack: str, number: int, serial: int) -> Slide:
        rng = self.rng
        title_words = rng.sample(self.vocab, rng.randint(1, 3))
        title = " ".join(word.capitalize() for word in title_words)
        sentences = [self.sentence(title_words if index == 0 else []) for index in range(rng.randint(3, 6))]
        content = [w for w in words(" ".join(sentences[1:])) if w not in self.function]
        keywords = [" ".join(title_words)]
        if content and rng.random() < 0.7:
            keywords.append(rng.choice(content))
        samples = (f"what is {' '.join(title_words)}",) if serial % 5 == 0 else ()
        slug = "-".join(title_words)
        return Slide(
            pack, number, f"s{serial:05d}-{slug}", title, "", tuple(keywords), samples, " ".join(sentences), tuple(sentences)
        )


def _q(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


def _slides_yaml(slides: list[Slide]) -> str:
    lines = ["# Generated by benchmarks/synthetic.py: pseudo-words, not medical content.", "slides:"]
    for slide in slides:
        lines += [
            f"  - number: {slide.number}",
            f"    id: {slide.id}",
            f"    title: {_q(slide.title)}",
            f"    keywords: [{', '.join(_q(k) for k in slide.keywords)}]",
        ]
        if slide.samples:
            lines.append(f"    samples: [{', '.join(_q(s) for s in slide.samples)}]")
        lines += [f"    text: {_q(slide.text)}", ""]
    return "\n".join(lines)


def _pack_yaml(pack_id: str, index: int, total: int, first: int, last: int, seed: int) -> str:
    return "\n".join(
        [
            "# Generated by benchmarks/synthetic.py: pseudo-words, not medical content.",
            f"id: {pack_id}",
            "order: 50",
            f"title: {_q(f'Synthetic slides {first} to {last} (part {index} of {total})')}",
            "publisher: mbcbot benchmarks",
            "sources:",
            f"  - {_q(f'Generated by benchmarks/synthetic.py with seed {seed}')}",
            "disclaimer: THIS IS GENERATED TEXT FOR MEASURING SPEED. It is not medical information.",
            "emergency_line: If you think you may have a medical emergency, immediately call your doctor or dial {emergency_number}.",
            "",
        ]
    )


def build(folder: Path, count: int, seed: int = SEED) -> list[Slide]:
    """Write into `folder` the real knowledge plus `count` synthetic slides; returns those slides."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("lexicon.yaml", "conversation.yaml", "safety.yaml"):
        shutil.copy2(KNOWLEDGE / name, folder / name)
    for pack in KNOWLEDGE.iterdir():
        if (pack / "pack.yaml").is_file():
            shutil.copytree(pack, folder / pack.name, dirs_exist_ok=True)
    if count <= 0:
        return []
    writer = _Writer(seed)
    packs = (count + PACK_LIMIT - 1) // PACK_LIMIT
    made: list[Slide] = []
    for index in range(packs):
        pack_id = f"synthetic-{index + 1:02d}"
        first = index * PACK_LIMIT + 1
        last = min(count, first + PACK_LIMIT - 1)
        slides = [writer.slide(pack_id, serial - first + 1, serial) for serial in range(first, last + 1)]
        target = folder / pack_id
        target.mkdir(exist_ok=True)
        (target / "pack.yaml").write_text(
            _pack_yaml(pack_id, index + 1, packs, first, last, seed), encoding="utf-8", newline="\n"
        )
        (target / "slides.yaml").write_text(_slides_yaml(slides), encoding="utf-8", newline="\n")
        stamp_pack(target, REVIEWER, REVIEW_DATE)
        made += slides
    return made


def digest(folder: Path) -> str:
    """The first 12 hex digits of a SHA-256 over the synthetic packs' names and bytes in `folder` ("none" without them)."""
    files = sorted(path for path in folder.glob("synthetic-*/*") if path.is_file())
    summed = hashlib.sha256()
    for path in files:
        summed.update(path.relative_to(folder).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return summed.hexdigest()[:12] if files else "none"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("count", type=int, help="synthetic slides (0: the real pack alone)")
    parser.add_argument("out", type=Path, help="the knowledge folder to write")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    made = build(args.out, args.count, args.seed)
    print(f"wrote {len(made)} synthetic slides (digest {digest(args.out)}) and the real pack into {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
