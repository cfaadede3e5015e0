"""Moving through a pack's slides: more, next and back, a slide by number, an item of the list a slide gives
("the last one on that list"), the slide before or after a named one, the topics, starting over."""

from __future__ import annotations

from mbcbot.matching import Matcher
from mbcbot.model import Knowledge, Reply, Session, Slide
from mbcbot.replies import Voice

LIST_REACH = 5  # how many slides back a list is looked for, when the slide in hand gives none
MAX_SLIDE_DIGITS = 1000  # a longer number is not read as a slide's (int() refuses over 4,300 digits)


class Navigator:
    """Answers the navigation commands of conversation.yaml; holds no per-conversation state itself."""

    def __init__(self, knowledge: Knowledge, voice: Voice, matcher: Matcher) -> None:
        self.knowledge = knowledge
        self.rules = knowledge.conversation
        self.voice = voice
        self.matcher = matcher
        self._by_place = {(slide.pack, slide.number): slide for slide in knowledge.slides}
        self.titles = tuple(slide.title for slide in knowledge.slides)  # every slide's title, in order

    def slide_at(self, pack: str, number: int) -> Slide | None:
        """The slide of that pack and number, if any."""
        return self._by_place.get((pack, number))

    def current(self, session: Session) -> Slide | None:
        """The slide the conversation is on, if any."""
        return self.slide_at(session.pack, session.slide)

    def command(self, rest: str, session: Session) -> tuple[Reply, Session] | None:
        """The reply to a navigation command said whole (courtesy words removed), or None."""
        commands = self.rules.commands
        current = self.current(session)
        onward = commands["onward"].fullmatch(rest) is not None
        if onward or commands["more"].fullmatch(rest):
            rule = "command:onward" if onward else "command:more"
            if current is None and onward:  # "carry on" before any slide: the first one
                return self._step(0, 1, session, rule)
            if current is None:
                return self.voice.simple("help", "no_topic", rule), session
            if session.whole and onward:  # "keep going" after the whole slide: the next one
                return self._step(current.number, 1, session, rule)
            return self.whole(current, rule), session._replace(whole=True)
        if commands["next"].fullmatch(rest) or commands["previous"].fullmatch(rest):
            step = 1 if commands["next"].fullmatch(rest) else -1
            return self._step(current.number if current else 0, step, session)
        number = self._slide_number(rest)
        if number is not None:
            return self._goto(number, session)
        item = commands["listed"].fullmatch(rest)
        items = self._list_in_hand(current) if item is not None and current is not None else ()
        if item is not None and items:  # read when asked: a slide is read against every title of its pack
            return self._listed(items, item.group("n"), session)
        beside = commands["beside"].fullmatch(rest)
        named = self.matcher.named(self.matcher.query(beside.group("name"))) if beside else []
        if beside is not None and named:
            step = 1 if beside.group("way") == "after" else -1
            return self._step(named[0].number, step, session._replace(pack=named[0].pack), "command:beside")
        if commands["topics"].fullmatch(rest):
            return self.voice.simple("help", "topics", "command:topics", self.titles), session
        if commands["restart"].fullmatch(rest):  # a new conversation, from the first slide
            first = self._pack_slides(Session())[0]
            shown = self.whole(first, "command:restart")
            fresh = Session(pack=first.pack, slide=first.number, whole=True)
            restart = self.voice.line("restart")
            return shown._replace(text=restart + "\n\n" + shown.text, intro=(restart, *shown.intro)), fresh
        return None

    def whole(self, slide: Slide, rule: str) -> Reply:
        """The whole slide, quoted."""
        return self.voice.quoting("answer", [(slide, (slide.text,))], [], rule, self.next_suggestions(slide))

    def next_suggestions(self, slide: Slide) -> tuple[str, ...]:
        """What to offer after a slide: more of it, and the slide after it."""
        following = self._by_place.get((slide.pack, slide.number + 1))
        return ("more", following.title) if following is not None else ("more",)

    def _slide_number(self, rest: str) -> int | None:
        found = self.rules.commands["slide"].fullmatch(rest)
        value = found.group("n") if found else (rest if rest.isdecimal() and len(rest) <= 4 else None)
        if value is None or not value.isdecimal():
            return None if value is None else self.rules.number_words.get(value)
        return int(value) if len(value) <= MAX_SLIDE_DIGITS else None

    def _pack_slides(self, session: Session) -> tuple[Slide, ...]:
        return self.knowledge.pack(session.pack or self.knowledge.packs[0].id).slides

    def _step(self, number: int, step: int, session: Session, rule: str = "") -> tuple[Reply, Session]:
        slides = self._pack_slides(session)
        number += step
        rule = rule or ("command:next" if step > 0 else "command:previous")
        if number < 1:
            return self.voice.simple("help", "first_slide", rule), session
        if number > len(slides):
            return self.voice.simple("help", "last_slide", rule, self.titles), session
        return self._shown(slides[number - 1], rule, session)

    def _goto(self, number: int, session: Session) -> tuple[Reply, Session]:
        slides = self._pack_slides(session)
        if number < 0:  # counted from the end: "the last slide"
            number += len(slides) + 1
        if not 1 <= number <= len(slides):
            return self.voice.simple("help", "no_such_slide", "command:slide", number=number, count=len(slides)), session
        return self._shown(slides[number - 1], "command:slide", session)

    def _list_in_hand(self, current: Slide) -> tuple[Slide, ...]:
        """The slides the slide in hand lists; else, when it is an item of a list a slide shortly before it gives
        ("the first one you listed", then "and the last one on that list"), that list."""
        slides = self.knowledge.pack(current.pack).slides
        found = listed(current, slides)
        for earlier in reversed(slides[max(0, current.number - 1 - LIST_REACH) : current.number - 1]):
            if found:
                break
            items = listed(earlier, slides)
            found = items if current in items else ()
        return found

    def _listed(self, items: tuple[Slide, ...], word: str, session: Session) -> tuple[Reply, Session]:
        number = self.rules.number_words.get(word, 0)
        if not -len(items) <= number <= len(items) or number == 0:
            return self.voice.simple("help", "topics", "command:topics", self.titles), session
        return self._shown(items[number - 1 if number > 0 else number], "command:listed", session)

    def _shown(self, slide: Slide, rule: str, session: Session) -> tuple[Reply, Session]:
        return self.whole(slide, rule), session._replace(pack=slide.pack, slide=slide.number, subject=0, whole=True)


def listed(slide: Slide, slides: tuple[Slide, ...]) -> tuple[Slide, ...]:
    """The slides a slide lists: those whose titles its sentence naming the most of them names, in that order
    ("... the lymph nodes, bones, liver, lungs, and brain"); none when no sentence names two."""
    best: list[tuple[int, Slide]] = []
    for sentence in slide.sentences:
        said = sentence.lower()
        found = sorted(
            (said.find(other.title.lower()), other) for other in slides if other is not slide and other.title.lower() in said
        )
        if len(found) > len(best):
            best = found
    return tuple(other for _, other in best) if len(best) >= 2 else ()
