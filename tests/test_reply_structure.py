"""Replies carry their structure: front ends render passages and framing lines, and never parse the text."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from mbcbot.bot import Bot
from mbcbot.console import as_text
from mbcbot.model import Reply, Session

QUESTIONS = Path(__file__).resolve().parent / "questions"
SETS = ("tuning.yaml", "tuning-safety.yaml")


def conversations() -> list[list[str]]:
    found = []
    for name in SETS:
        for case in yaml.safe_load((QUESTIONS / name).read_text(encoding="utf-8"))["cases"]:
            found.append([case["q"]] if "q" in case else [turn["q"] for turn in case["turns"]])
    return found


def replies(bot: Bot) -> list[Reply]:
    found = []
    for conversation in conversations():
        session = Session()
        for message in conversation:
            reply, session = bot.reply(message, session)
            found.append(reply)
    return found


@pytest.fixture(scope="module")
def every_reply(bot: Bot) -> list[Reply]:
    return replies(bot)


def test_the_terminal_renders_the_structure_as_the_text_says_it(every_reply: list[Reply]) -> None:
    assert len(every_reply) > 250
    assert [reply.text for reply in every_reply if as_text(reply) != reply.text] == []


def test_passages_are_the_slides_quotes_and_sources(every_reply: list[Reply]) -> None:
    for reply in every_reply:
        assert tuple(passage.slide for passage in reply.passages) == (reply.slides if reply.passages else ())
        assert tuple(q for passage in reply.passages for q in passage.quotes) == (reply.quotes if reply.passages else ())
        assert [(p.pack, p.slide, p.title) for p in reply.passages] == [(s.pack, s.slide, s.title) for s in reply.sources]
        for passage in reply.passages:
            assert passage.heading in reply.text and passage.source_line in reply.text


def test_framing_lines_stand_apart_and_in_the_text(every_reply: list[Reply]) -> None:
    kinds = set()
    for reply in every_reply:
        assert reply.passages or reply.lines, reply.text
        for line in (*reply.intro, *reply.lines):
            assert line and line in reply.text
        kinds.add(reply.kind)
    assert {"answer", "emergency", "advice", "fallback"} <= kinds


def test_the_json_contract_carries_the_structure(bot: Bot) -> None:
    reply, session = bot.reply("liver")
    data = reply.as_dict()
    assert data["passages"] == [
        {
            "pack": "metastatic-breast-cancer",
            "slide": 5,
            "title": "Liver",
            "heading": "Liver (slide 5 of 8):",
            "quotes": list(reply.quotes),
            "source_line": reply.passages[0].source_line,
            "source_short": 'Source: "When Cancer Goes Beyond Your Breast", WebMD. '
            "Medically reviewed by Brunilda Nazario, MD on January 19, 2022.",
        }
    ]
    assert data["lines"] == ['Say "more" for the whole slide.'] and data["intro"] == []
    assert data["hints"] == data["lines"] and data["call"] == ""  # the hint only points at the "more" suggestion
    assert data["uncovered"] == []
    restarted, _ = bot.reply("start over", session)
    assert restarted.intro == ("Let's start over.",) or not restarted.passages
    emergency, _ = bot.reply("I can't breathe")
    assert emergency.as_dict()["lines"] == emergency.text.split("\n") and emergency.notice in emergency.lines
    assert emergency.call == "911" and sum(line.count("911") for line in emergency.lines) == 1


def test_hints_are_the_lines_that_only_point_at_the_suggestions(bot: Bot) -> None:
    advice, _ = bot.reply("is my liver pain from the cancer spreading")
    assert advice.kind == "advice" and advice.hints == advice.lines[1:] and advice.suggestions == ("Liver",)
    fallback, _ = bot.reply("what about hair loss")
    assert fallback.kind == "fallback" and fallback.hints == fallback.lines[-1:] and len(fallback.suggestions) > 1
    assert fallback.uncovered == ("hair-loss-and-wigs",) and fallback.as_dict()["uncovered"] == ["hair-loss-and-wigs"]
    assert all(title in fallback.hints[0] for title in fallback.suggestions)
    whole, _ = bot.reply("slide 5")
    assert whole.hints == () and whole.passages[0].source_short.startswith('Source: "When')


def test_terminal_colours_follow_the_structure_not_the_words(bot: Bot) -> None:
    reply, _ = bot.reply("liver")
    coloured = as_text(reply, color=True)
    assert f"\x1b[1m  {reply.quotes[0]}\x1b[0m" in coloured
    assert f"\x1b[2m{reply.passages[0].source_line}\x1b[0m" in coloured
    renamed = reply._replace(passages=(reply.passages[0]._replace(source_line="Found in: the reviewed slideshow"),))
    assert "\x1b[2mFound in: the reviewed slideshow\x1b[0m" in as_text(renamed, color=True)
