"""The facade every front end uses: load knowledge once, then reply turn by turn."""

from __future__ import annotations

import contextlib
import gc
import os
from collections.abc import Iterator

from mbcbot import cache, model
from mbcbot.dialogue import Dialogue
from mbcbot.errors import Problem
from mbcbot.matching import Matcher, SlideDetail, SlideIndex
from mbcbot.model import Answered, Exchange, Knowledge, Reply, Session
from mbcbot.queries import QueryReader
from mbcbot.spelling import Speller
from mbcbot.text import Reader

KNOWLEDGE_ENV = "MBCBOT_KNOWLEDGE"
EMERGENCY_ENV = "MBCBOT_EMERGENCY_NUMBER"
# Everything a Matcher is made of beyond plain values: the only classes the knowledge cache may rebuild.
CACHED_KINDS: tuple[type, ...] = (Matcher, QueryReader, Speller, SlideIndex, SlideDetail, model.FrozenMap)
CACHED_KINDS += (model.Knowledge, model.Pack, model.Review, model.Slide, model.Lexicon, model.Rule, model.Safety)
CACHED_KINDS += (model.Conversation, model.Pattern)


def default_knowledge_dir() -> str:
    """$MBCBOT_KNOWLEDGE, else the knowledge shipped in the package, else the source checkout's."""
    configured = os.environ.get(KNOWLEDGE_ENV)
    if configured:
        return configured
    package = os.path.dirname(os.path.realpath(__file__))
    shipped = os.path.join(package, "knowledge")
    return shipped if os.path.isdir(shipped) else os.path.join(os.path.dirname(os.path.dirname(package)), "knowledge")


class Bot:
    """A loaded, validated knowledge base that answers messages."""

    def __init__(self, knowledge: Knowledge, emergency_number: str | None = None, matcher: Matcher | None = None) -> None:
        self.knowledge = knowledge
        number = emergency_number or os.environ.get(EMERGENCY_ENV) or None
        self.dialogue = Dialogue(knowledge, number, matcher)

    @classmethod
    def load(cls, root: str | os.PathLike[str] | None = None, emergency_number: str | None = None) -> Bot:
        """Load and validate `root` (default: default_knowledge_dir()); raises KnowledgeError."""
        folder = os.path.abspath(root or default_knowledge_dir())
        with _collector_paused():
            matcher = cache.cached(folder, CACHED_KINDS) if os.path.isdir(folder) else None
            if not isinstance(matcher, Matcher):
                from pathlib import Path

                from mbcbot.knowledge import load_knowledge  # PyYAML is imported only when the cache misses

                reader = Reader()  # validation and indexing read the slides once between them
                matcher = Matcher(load_knowledge(Path(folder), reader), reader)
                cache.store(folder, matcher)
            bot = cls(matcher.knowledge, emergency_number, matcher)
            gc.freeze()  # what was just made lives as long as the bot: collections leave it be (refcounts still free it)
        return bot

    def settled(self) -> Bot:
        """This bot, its knowledge moved out of the garbage collector's way (long-running front ends, once)."""
        gc.collect()
        gc.freeze()  # the knowledge lives as long as the process: collections need not walk it again
        return self

    def reply(self, message: str, session: Session | None = None, explain: bool = False) -> tuple[Reply, Session]:
        """The reply to one message and the session that follows it."""
        session = session or Session()
        reply, after = self.dialogue.reply(message, session)
        if explain:
            reply = reply._replace(explanation=self.dialogue.explained(message, session))
        return reply, after

    def samples_answered_elsewhere(self) -> list[Problem]:
        """A problem for each slide's sample question that is not answered from that slide (`mbcbot check`)."""
        problems = []
        for pack in self.knowledge.packs:
            for slide in pack.slides:
                for sample in slide.samples:
                    reply, _ = self.reply(sample)
                    got = [(source.pack, source.slide) for source in reply.sources[:1]]
                    if reply.kind != "answer" or got != [(pack.id, slide.number)]:
                        answered = f"from {got[0][0]} slide {got[0][1]}" if got else f"with a {reply.kind} reply"
                        where = os.path.join(pack.folder, "slides.yaml")
                        message = f"slide {slide.number} ({slide.title}): its sample {sample!r} is answered {answered}"
                        problems.append(Problem(where, _samples_line(where, slide.number), message))
        return problems

    def conversation(self) -> Exchange:
        """A fresh conversation: each message's reply, in order, the session kept between them."""
        session = Session()

        def answered(message: str) -> Answered:
            nonlocal session
            reply, session = self.reply(message, session)
            return reply, ()

        return answered

    def welcome(self) -> str:
        """The opening lines of a conversation."""
        voice = self.dialogue.voice
        return voice.line("welcome") + "\n" + voice.line("welcome_hint")

    def topics(self) -> tuple[str, ...]:
        """Slide titles, for completion and suggestions."""
        return tuple(slide.title for slide in self.knowledge.slides)


def _samples_line(path: str, number: int) -> int:
    """The line of slide `number`'s samples in a slides.yaml (1 when it cannot be told)."""
    from pathlib import Path

    from mbcbot.yamlfile import read_yaml

    data, _ = read_yaml(Path(path))
    try:
        return int(data["slides"][number - 1].line_of("samples"))
    except (TypeError, KeyError, IndexError, AttributeError, ValueError):
        return 1


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No garbage collection while knowledge loads: it makes millions of objects that live on, and little garbage.

    Collecting on the way would walk all of them again and again; at 10,000 slides that was a third of the load.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
