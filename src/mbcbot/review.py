"""Review stamps: the SHA-256 of everything a pack shows as reviewed, with reviewer and date.

A stamp holds a digest of each slide's text and title and of each reviewed field of pack.yaml (`REVIEWED`),
and one digest over all of them with the reviewer and the date, so an edit to any of them is refused and named.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping
from typing import NamedTuple

from mbcbot.model import Knowledge, Pack
from mbcbot.text import normalised

STAMP_FILE = "stamp.yaml"
REVIEWED = ("title", "publisher", "sources", "image_credits", "disclaimer", "emergency_line")  # of pack.yaml
DEFAULT_MAX_AGE_YEARS = 3.0  # reviewed health content is commonly re-reviewed within three years


def slide_digest(text: str) -> str:
    """SHA-256 of one slide text; only whitespace may change without a new review."""
    return hashlib.sha256(normalised(text).encode("utf-8")).hexdigest()


def field_digest(value: str | tuple[str, ...]) -> str:
    """SHA-256 of one reviewed field of pack.yaml (a list field: its items, one a line)."""
    return slide_digest("\n".join(value) if isinstance(value, tuple) else value)


class Stamped(NamedTuple):
    """The digests a stamp holds: each slide's text and title, and each reviewed field of the pack."""

    texts: Mapping[int, str]
    titles: Mapping[int, str]
    fields: Mapping[str, str]


def stamped(pack: Pack) -> Stamped:
    """The digests of everything `pack` shows as reviewed, as its stamp should hold them."""
    values: dict[str, str | tuple[str, ...]] = {
        "title": pack.title,
        "publisher": pack.publisher,
        "sources": pack.sources,
        "image_credits": tuple(f"{slides}: {credit}" for slides, credit in pack.image_credits),
        "disclaimer": pack.disclaimer,
        "emergency_line": pack.emergency_line,
    }
    return Stamped(
        texts={slide.number: slide_digest(slide.text) for slide in pack.slides},
        titles={slide.number: field_digest(slide.title) for slide in pack.slides},
        fields={name: field_digest(values[name]) for name in REVIEWED},
    )


def pack_digest(stamped: Stamped, reviewer: str, date: str) -> str:
    """SHA-256 over every digest of the stamp, its reviewer and its date."""
    lines = [f"{number}:{stamped.texts[number]}" for number in sorted(stamped.texts)]
    lines += [f"title {number}:{stamped.titles[number]}" for number in sorted(stamped.titles)]
    lines += [f"{name}:{stamped.fields[name]}" for name in REVIEWED if name in stamped.fields]
    lines += [f"reviewer:{normalised(reviewer)}", f"date:{date}"]
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def knowledge_digest(knowledge: Knowledge) -> str:
    """SHA-256 over every pack's review stamp: which reviewed content is served (the same on every machine serving it)."""
    lines = sorted(f"{pack.id}:{pack.review.sha256}" for pack in knowledge.packs)
    return hashlib.sha256("".join(line + "\n" for line in lines).encode("utf-8")).hexdigest()


def stamp_text(reviewer: str, date: datetime.date, stamped: Stamped) -> str:
    """The content of a stamp.yaml for these digests."""
    fields = "".join(f"  {name}: {stamped.fields[name]}\n" for name in REVIEWED if name in stamped.fields)
    titles = "".join(f"  {number}: {stamped.titles[number]}\n" for number in sorted(stamped.titles))
    texts = "".join(f"  {number}: {stamped.texts[number]}\n" for number in sorted(stamped.texts))
    reviewer_yaml = reviewer.replace("'", "''")
    return (
        "# Written by `mbcbot stamp` after a medical review; do not edit by hand.\n"
        "# If a slide text or title, or a reviewed field of pack.yaml, changes, the pack is refused until it is\n"
        "# reviewed and re-stamped. `slides` holds the digests of the slide texts, `titles` of their titles.\n"
        f"reviewer: '{reviewer_yaml}'\n"
        f"date: {date.isoformat()}\n"
        f"sha256: {pack_digest(stamped, reviewer, date.isoformat())}\n"
        f"pack:\n{fields}"
        f"titles:\n{titles}"
        f"slides:\n{texts}"
    )


def review_age_years(date: datetime.date, today: datetime.date) -> float:
    """How many years ago the review was."""
    return (today - date).days / 365.25
