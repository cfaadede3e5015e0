"""Review stamps: the SHA-256 of a pack's slide texts, with reviewer and date."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping

from mbcbot.text import normalised

STAMP_FILE = "stamp.yaml"
DEFAULT_MAX_AGE_YEARS = 3.0  # reviewed health content is commonly re-reviewed within three years


def slide_digest(text: str) -> str:
    """SHA-256 of one slide text; only whitespace may change without a new review."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def pack_digest(slide_digests: Mapping[int, str]) -> str:
    """SHA-256 over every slide's digest, in slide order."""
    lines = "".join(f"{number}:{slide_digests[number]}\n" for number in sorted(slide_digests))
    return hashlib.sha256(lines.encode("ascii")).hexdigest()


def stamp_text(reviewer: str, date: datetime.date, texts: Mapping[int, str]) -> str:
    """The content of a stamp.yaml for these slide texts."""
    digests = {number: slide_digest(text) for number, text in texts.items()}
    rows = "".join(f"  {number}: {digests[number]}\n" for number in sorted(digests))
    reviewer_yaml = reviewer.replace("'", "''")
    return (
        "# Written by `mbcbot stamp` after a medical review; do not edit by hand.\n"
        "# If a slide text changes, the pack is refused until it is reviewed and re-stamped.\n"
        f"reviewer: '{reviewer_yaml}'\n"
        f"date: {date.isoformat()}\n"
        f"sha256: {pack_digest(digests)}\n"
        f"slides:\n{rows}"
    )


def review_age_years(date: datetime.date, today: datetime.date) -> float:
    """How many years ago the review was."""
    return (today - date).days / 365.25
