"""Write a pack's review stamp after a medical review."""

from __future__ import annotations

import datetime
from pathlib import Path

from mbcbot.errors import KnowledgeError, MbcbotError, Problem
from mbcbot.review import STAMP_FILE, stamp_text
from mbcbot.yamlfile import LineDict, read_yaml, shown


def stamp_pack(folder: Path, reviewer: str, date: datetime.date) -> str:
    """Write `folder`/stamp.yaml for the slide texts as they are now; returns what was done."""
    if not reviewer.strip():
        raise MbcbotError("the reviewer's name must not be empty")
    data, problems = read_yaml(folder / "slides.yaml")
    if problems:
        raise KnowledgeError(problems)
    slides = data.get("slides") if isinstance(data, LineDict) else None
    texts = {}
    for index, entry in enumerate(slides if isinstance(slides, list) else []):
        if not isinstance(entry, LineDict) or not isinstance(entry.get("text"), str):
            raise KnowledgeError([Problem(shown(folder / "slides.yaml"), getattr(entry, "line", 1), "a slide has no text")])
        texts[index + 1] = entry["text"]
    if not texts:
        raise KnowledgeError([Problem(shown(folder / "slides.yaml"), 1, "the pack has no slides")])
    (folder / STAMP_FILE).write_text(stamp_text(reviewer.strip(), date, texts), encoding="utf-8")
    return f"stamped {len(texts)} slides of {shown(folder)}: reviewed by {reviewer.strip()} on {date.isoformat()}"
