"""Write a pack's review stamp after a medical review."""

from __future__ import annotations

import datetime
from pathlib import Path

from mbcbot.errors import KnowledgeError, MbcbotError, Problem, shown
from mbcbot.knowledge import unreviewed_pack
from mbcbot.review import STAMP_FILE, stamp_text, stamped


def stamp_pack(folder: Path, reviewer: str, date: datetime.date) -> str:
    """Write `folder`/stamp.yaml for the pack as it is now (slides, titles, reviewed fields); returns what was done."""
    if not reviewer.strip():
        raise MbcbotError("the reviewer's name must not be empty")
    pack, problems = unreviewed_pack(folder)
    if problems:
        raise KnowledgeError(problems)
    if not pack.slides:
        raise KnowledgeError([Problem(shown(folder / "slides.yaml"), 1, "the pack has no slides")])
    (folder / STAMP_FILE).write_text(stamp_text(reviewer.strip(), date, stamped(pack)), encoding="utf-8")
    return f"stamped {len(pack.slides)} slides of {shown(folder)}: reviewed by {reviewer.strip()} on {date.isoformat()}"
