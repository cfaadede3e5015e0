"""Properties of every reply, for any text: no crash, a known kind, verbatim quotes, sources, determinism."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge_edits import PACK, real_knowledge
from mbcbot.bot import Bot
from mbcbot.model import KINDS, Knowledge, Reply, Session
from mbcbot.text import words

COMMANDS = ("more", "next", "previous", "back", "slide 1", "slide 8", "slide 99", "slide three", "topics", "start over")
TALK = ("hello", "help", "sources", "thanks", "bye", "what are the symptoms", "and the lungs?", "why does that happen")
HARD = ("I can't breathe", "should I stop my chemo", "what dose should I take", "", "   ", "?!", "x" * 1001)


def _knowledge() -> Knowledge:
    knowledge = real_knowledge()
    assert knowledge is not None, "the real knowledge does not load: run `mbcbot check`"
    return knowledge


def _phrases() -> st.SearchStrategy[str]:
    """Runs of up to 8 words taken from the slides."""
    slides = _knowledge().slides
    vocabulary = sorted({word for slide in slides for word in words(f"{slide.title} {slide.text}")})
    alternatives = "|".join(map(re.escape, vocabulary))
    return st.from_regex(rf"(?:{alternatives})(?: (?:{alternatives})){{0,7}}\??", fullmatch=True)


def _turns() -> st.SearchStrategy[str]:
    """Sample questions, slide titles, commands, small talk and hard cases."""
    slides = _knowledge().slides
    samples = [sample for slide in slides for sample in slide.samples]
    return st.sampled_from([*samples, *(slide.title for slide in slides), *COMMANDS, *TALK, *HARD])


# Deferred, so that knowledge that does not load fails the tests, not their collection.
PHRASES = st.deferred(_phrases)
TURNS = st.deferred(_turns)
MESSAGES = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=1200),
    st.text(alphabet=st.characters(max_codepoint=0x7F), max_size=60),
    PHRASES,
    TURNS,
    st.tuples(TURNS, st.text(max_size=20)).map(lambda pair: pair[0] + pair[1]),
)
SESSIONS = st.builds(Session, pack=st.just(PACK), slide=st.integers(0, 9), turns=st.integers(0, 3))
RUNS = settings(max_examples=300, deadline=None)


def check_reply(bot: Bot, reply: Reply) -> None:
    """What holds for every reply, whatever was asked."""
    slide_text = {(slide.pack, slide.number): slide.text for slide in bot.knowledge.slides}
    assert reply.kind in KINDS
    assert isinstance(reply.text, str) and reply.text.strip()
    named = [slide_text[(source.pack, source.slide)] for source in reply.sources]
    for quote in reply.quotes:
        assert quote.strip()
        assert any(quote in text for text in named), f"{quote!r} is not on slides {reply.slides}"
        assert quote in reply.text
    if reply.kind == "answer":
        assert reply.quotes, "an answer must quote something"
    if reply.quotes:
        assert [source.slide for source in reply.sources] == list(reply.slides)
        assert all(source.pack == PACK for source in reply.sources)
        assert reply.notice and reply.notice in reply.text
    else:
        assert reply.sources == ()
    assert len(set(reply.slides)) == len(reply.slides)
    assert all((PACK, number) in slide_text for number in reply.slides)


@RUNS
@given(message=MESSAGES)
def test_any_message_gets_a_sound_reply(bot: Bot, message: str) -> None:
    reply, session = bot.reply(message)
    check_reply(bot, reply)
    assert session.turns == (0 if reply.rule == "command:restart" else 1)
    again, _ = bot.reply(message, Session())
    assert again.as_dict() == reply.as_dict()


@RUNS
@given(message=MESSAGES, session=SESSIONS)
def test_any_message_in_any_session_gets_a_sound_reply(bot: Bot, message: str, session: Session) -> None:
    reply, after = bot.reply(message, session)
    check_reply(bot, reply)
    assert after.turns == (0 if reply.rule == "command:restart" else session.turns + 1)
    assert after.slide in range(0, 10)
    again, again_after = bot.reply(message, session)
    assert (again.as_dict(), again_after) == (reply.as_dict(), after)


@RUNS
@given(message=MESSAGES)
def test_explain_never_changes_the_reply(bot: Bot, message: str) -> None:
    plain, _ = bot.reply(message)
    explained, _ = bot.reply(message, explain=True)
    assert explained.as_dict() == plain.as_dict()
    assert "explanation" in explained.as_dict(explain=True)


@RUNS
@given(messages=st.lists(st.one_of(TURNS, PHRASES), max_size=8))
def test_any_conversation_is_sound_and_deterministic(bot: Bot, messages: list[str]) -> None:
    def talk() -> list[dict[str, object]]:
        session, replies = Session(), []
        for message in messages:
            reply, session = bot.reply(message, session)
            check_reply(bot, reply)
            replies.append(reply.as_dict())
        return replies

    assert talk() == talk()


@settings(max_examples=100, deadline=None)
@given(messages=st.lists(MESSAGES, min_size=1, max_size=4))
def test_a_reply_does_not_depend_on_what_was_asked_before(bot: Bot, messages: list[str]) -> None:
    fresh = Bot(bot.knowledge)  # nothing asked of it yet: no slide has been read in detail
    for message in messages:
        assert fresh.reply(message)[0].as_dict() == bot.reply(message)[0].as_dict()
