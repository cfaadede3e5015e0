"""Compose reply text from framing lines, quotes and sources; the bot's voice is all in knowledge."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from mbcbot.model import Knowledge, Pack, Passage, Reply, Slide, Source

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def spoken_date(iso: str) -> str:
    """An ISO date as the publisher prints it: 2022-01-19 -> January 19, 2022."""
    year, month, day = (int(part) for part in iso.split("-"))
    return f"{_MONTHS[month - 1]} {day}, {year}"


class Voice:
    """Fills the framing lines of conversation.yaml with a pack's details."""

    def __init__(self, knowledge: Knowledge, emergency_number: str) -> None:
        self.knowledge = knowledge
        self.emergency_number = emergency_number
        packs = knowledge.packs
        self._defaults = {  # every pack's, so no pack's order decides what a line says
            "pack_title": together(pack.title for pack in packs),
            "pack_titles": together(f'"{pack.title}"' for pack in packs),
            "publisher": together(pack.publisher for pack in packs),
            "reviewer": together(pack.review.reviewer for pack in packs),
            "review_date": together(spoken_date(pack.review.date) for pack in packs),
            "topics": topics(knowledge),
            "count": str(len(knowledge.slides)),
            "emergency_number": emergency_number,
        }
        self._defaults["slideshows"] = together(self.described(pack) for pack in packs)
        self._plain_lines: dict[str, str] = {}  # lines without values of their own, made once
        self._cited: dict[tuple[str, int], tuple[Source, str, str]] = {}  # each slide's source and source lines, made once
        self._headings: dict[tuple[str, int], str] = {}  # each slide's heading, made once
        self._notice = self.line("notice")

    def line(self, name: str, **values: object) -> str:
        """One framing line, its placeholders filled."""
        if values:
            return self.knowledge.conversation.lines[name].format_map({**self._defaults, **values})
        found = self._plain_lines.get(name)
        if found is None:
            found = self._plain_lines[name] = self.knowledge.conversation.lines[name].format_map(self._defaults)
        return found

    def simple(self, kind: str, line: str, rule: str, suggestions: tuple[str, ...] = (), **values: object) -> Reply:
        """A reply of one framing line."""
        text = self.line(line, **values)
        return Reply(kind=kind, text=text, rule=rule, suggestions=suggestions, lines=(text,))

    def source(self, slide: Slide) -> Source:
        """Where a slide's quotes come from."""
        pack = self.knowledge.pack(slide.pack)
        return Source(
            pack=pack.id,
            pack_title=pack.title,
            slide=slide.number,
            title=slide.title,
            publisher=pack.publisher,
            reviewer=pack.review.reviewer,
            review_date=pack.review.date,
        )

    def source_line(self, slide: Slide, name: str = "source_line") -> str:
        """The sources line printed under a slide's quotes (`source_short`: the same in short)."""
        pack = self.knowledge.pack(slide.pack)
        return self.line(name, title=slide.title, number=slide.number, count=len(pack.slides), **told(pack))

    def described(self, pack: Pack) -> str:
        """A pack as the `slideshow` line names it: title, publisher, reviewer and review date."""
        return self.line("slideshow", **told(pack))

    def crisis_line(self) -> str:
        """The crisis line that goes with this deployment's emergency number."""
        lines = self.knowledge.conversation.crisis_lines
        return lines.get(self.emergency_number, lines.get("default", ""))

    def cited(self, slide: Slide) -> tuple[Source, str, str]:
        """A slide's source, its printed source line and that line in short."""
        key = (slide.pack, slide.number)
        found = self._cited.get(key)
        if found is None:
            short = self.source_line(slide, "source_short")
            found = self._cited[key] = (self.source(slide), self.source_line(slide), short)
        return found

    def heading(self, slide: Slide) -> str:
        """The line that introduces a slide's quotes."""
        key = (slide.pack, slide.number)
        found = self._headings.get(key)
        if found is None:
            count = len(self.knowledge.pack(slide.pack).slides)
            found = self._headings[key] = self.line("slide_heading", title=slide.title, number=slide.number, count=count)
        return found

    def sources(self) -> Reply:
        """The sources reply: each pack's publisher, reviewer, review date, sources and disclaimer."""
        lines = []
        for pack in self.knowledge.packs:
            lines.append(self.line("sources_intro", **told(pack)))
            lines += [f"- {source}" for source in pack.sources]
            credits = ", ".join(f"{slides}) {credit}" for slides, credit in pack.image_credits)
            lines += [self.line("image_credits", credits=credits)] * bool(pack.image_credits)
            lines.append(pack.disclaimer)
        return Reply(kind="sources", text="\n".join(lines), rule="intent:sources", lines=tuple(lines))

    def emergency(self, rule_id: str, crisis: bool) -> Reply:
        """The emergency reply (with the crisis line for a crisis rule), for rule `rule_id`."""
        call = self.line("emergency_call")
        lines = [self.line("emergency"), call]
        if crisis:
            lines += [self.line("crisis"), self.crisis_line()]
        text = "\n".join(lines)
        return Reply(
            kind="emergency", text=text, rule=f"emergency:{rule_id}", notice=call, lines=tuple(lines), call=self.emergency_number
        )

    def clarify(self, slides: Sequence[Slide]) -> Reply:
        """A question asking which of the slides is meant."""
        numbers, names = tuple(s.number for s in slides), tuple(s.title for s in slides)
        text = self.line("clarify", titles=titles(slides))
        return Reply(kind="clarify", text=text, slides=numbers, rule="clarify", suggestions=names, lines=(text,))

    def quoting(
        self,
        kind: str,
        blocks: Sequence[tuple[Slide, tuple[str, ...]]],
        extra: Sequence[str],
        rule: str,
        suggestions: tuple[str, ...],
        hints: tuple[str, ...] = (),
        uncovered: tuple[str, ...] = (),
    ) -> Reply:
        """A reply quoting slides: each slide's quotes, the extra lines (`hints` among them), a line naming the
        `uncovered` subjects the message also asked about (their ids), sources and notice."""
        if uncovered:
            extra = [*extra, self.line("fallback_part", topic=self.topic_names(uncovered))]
        parts = []
        for slide, quotes in blocks:
            parts.append(self.heading(slide) + "\n" + "\n".join(f"  {q}" for q in quotes))
        notice = self._notice
        cited = [self.cited(slide) for slide, _ in blocks]
        tail = [line for _, line, _ in cited] + [notice]
        text = "\n\n".join(parts + ["\n".join(extra)] * bool(extra) + ["\n".join(tail)])
        passages = tuple(
            Passage(slide.pack, slide.number, slide.title, self.heading(slide), quotes, line, short)
            for (slide, quotes), (_, line, short) in zip(blocks, cited, strict=True)
        )
        return Reply(
            kind=kind,
            text=text,
            slides=tuple(slide.number for slide, _ in blocks),
            quotes=tuple(q for _, quotes in blocks for q in quotes),
            sources=tuple(source for source, _, _ in cited),
            notice=notice,
            suggestions=suggestions,
            rule=rule,
            passages=passages,
            lines=tuple(extra),
            hints=hints,
            uncovered=uncovered,
        )

    def fallback(self, lines: list[str], near: Sequence[Slide], uncovered: tuple[str, ...]) -> Reply:
        """The reply when nothing answers: `lines`, then a line offering the `near` slides as suggestions."""
        offer = self.line("fallback_suggest", titles=titles(near))  # it only names the suggestions: a hint
        shown = (*lines, offer)
        suggestions = tuple(slide.title for slide in near)
        return Reply(
            "fallback",
            " ".join(shown),
            rule="not-covered",
            suggestions=suggestions,
            lines=shown,
            hints=(offer,),
            uncovered=uncovered,
        )

    def topic_names(self, uncovered: Iterable[str]) -> str:
        """The topics of subjects not covered, by their ids, as a reply names them ("Driving; Sport")."""
        return "; ".join(self.knowledge.lexicon.topics[topic_id] for topic_id in uncovered)


def told(pack: Pack) -> dict[str, str]:
    """A pack's details as framing lines name them: {pack_title}, {publisher}, {reviewer}, {review_date}."""
    return {
        "pack_title": pack.title,
        "publisher": pack.publisher,
        "reviewer": pack.review.reviewer,
        "review_date": spoken_date(pack.review.date),
    }


def titles(slides: Sequence[Slide]) -> str:
    """Slide titles as a readable list."""
    return ", ".join(slide.title for slide in slides)


def topics(knowledge: Knowledge) -> str:
    """Every slide's title; with several packs, by pack ("Pack A: ...; Pack B: ...")."""
    if len(knowledge.packs) == 1:
        return titles(knowledge.slides)
    return "; ".join(f"{pack.title}: {titles(pack.slides)}" for pack in knowledge.packs)


def together(parts: Iterable[str]) -> str:
    """Distinct parts in order, as "a", "a and b" or "a, b and c"."""
    found = list(dict.fromkeys(parts))
    return ", ".join(found[:-1]) + " and " + found[-1] if len(found) > 1 else "".join(found)
