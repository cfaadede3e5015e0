"""Lint the real knowledge: ids, numbering, reachability by samples, verbatim quotes, packs, stamps."""

from __future__ import annotations

import datetime
import re
from pathlib import Path

import pytest

from knowledge_edits import PACK, PACK_LEXICON, SLIDES, real_knowledge, slide_line, substitute
from mbcbot.bot import Bot
from mbcbot.errors import KnowledgeError
from mbcbot.knowledge import load_knowledge
from mbcbot.model import Knowledge, Reply, Slide
from mbcbot.stamping import stamp_pack

REVIEWER = "Brunilda Nazario, MD"
REVIEW_DATE = "2022-01-19"  # compared as str(date): the engine may keep a date or its ISO text

REAL = real_knowledge()
SAMPLES = [(s.number, sample) for s in REAL.pack(PACK).slides for sample in s.samples] if REAL else [(0, "(no knowledge)")]
# (slide, sample) pairs the matcher does not reach yet, marked xfail while matching is tuned (none today).
KNOWN_MISSES: set[tuple[int, str]] = set()


def _sample_param(number: int, sample: str) -> object:
    marks = [pytest.mark.xfail(reason="matching still being tuned: sample misses its slide", strict=False)]
    return pytest.param(number, sample, id=f"{number}-{sample}", marks=marks if (number, sample) in KNOWN_MISSES else [])


def slide_of(knowledge: Knowledge, pack: str, number: int) -> Slide:
    """The slide `number` of `pack`."""
    return next(slide for slide in knowledge.pack(pack).slides if slide.number == number)


def assert_quotes_verbatim(knowledge: Knowledge, reply: Reply) -> None:
    """Every quote stands word for word in a slide the reply names, and in the reply's text."""
    texts = [slide_of(knowledge, source.pack, source.slide).text for source in reply.sources]
    for quote in reply.quotes:
        assert any(quote in text for text in texts), f"{quote!r} is not in slides {reply.slides}"
        assert quote in reply.text


def test_slide_ids_are_unique(bot: Bot) -> None:
    ids = [(slide.pack, slide.id) for slide in bot.knowledge.slides]
    assert len(ids) == len(set(ids))
    assert all(slide.id for slide in bot.knowledge.slides)


def test_slides_are_numbered_one_to_eight(bot: Bot) -> None:
    assert [slide.number for slide in bot.knowledge.pack(PACK).slides] == list(range(1, 9))


def test_every_slide_has_samples_title_and_text(bot: Bot) -> None:
    for slide in bot.knowledge.slides:
        assert slide.samples, f"slide {slide.number} has no sample questions"
        assert slide.title and slide.text


def test_slide_sentences_rebuild_the_text(bot: Bot) -> None:
    for slide in bot.knowledge.slides:
        assert " ".join(slide.sentences) == slide.text


@pytest.mark.parametrize(("number", "sample"), [_sample_param(n, s) for n, s in SAMPLES])
def test_sample_reaches_its_slide(bot: Bot, number: int, sample: str) -> None:
    reply, _ = bot.reply(sample)
    assert (reply.kind, reply.slides[:1]) == ("answer", (number,)), f"{sample!r} -> {reply.kind} {reply.slides}"


@pytest.mark.parametrize(("number", "sample"), SAMPLES)
def test_sample_replies_quote_verbatim(bot: Bot, number: int, sample: str) -> None:
    reply, _ = bot.reply(sample)
    assert_quotes_verbatim(bot.knowledge, reply)
    assert all(quote.strip() for quote in reply.quotes)


def test_loader_refuses_two_forms_of_one_word_in_one_group(knowledge_copy: Path) -> None:
    lexicon = knowledge_copy / "lexicon.yaml"
    lexicon.write_text("stopwords: [fracture, fractures]\nforms: {}\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    problems = [p for p in caught.value.problems if Path(p.file).name == "lexicon.yaml" and "knowledge/lexicon" in p.file]
    assert [(p.line, p.message) for p in problems] == [
        (1, "stopword 'fractures' reads the same as an entry on line 1; list it once")
    ]


def test_loader_refuses_a_variant_claimed_twice(knowledge_copy: Path) -> None:
    (knowledge_copy / PACK_LEXICON).unlink()
    lexicon = knowledge_copy / "lexicon.yaml"
    lexicon.write_text("stopwords: []\nforms: {}\nsynonyms:\n  belly: [tummy]\n  liver: [tummy]\nnot_covered: []\n")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    assert [(Path(p.file).name, p.line) for p in caught.value.problems] == [("lexicon.yaml", 5)]
    [problem] = caught.value.problems
    assert "'tummy' is already claimed" in problem.message and "line 4" in problem.message


def test_a_valid_lexicon_entry_is_used(knowledge_copy: Path) -> None:
    (knowledge_copy / PACK_LEXICON).write_text("synonyms:\n  belly: [tummy]\n")
    lexicon = knowledge_copy / "lexicon.yaml"
    lexicon.write_text("stopwords: []\nforms: {}\n")
    reply, _ = Bot.load(knowledge_copy).reply("tummy")
    assert (reply.kind, reply.slides) == ("answer", (5,))


HAND_WASHING_PACK = """\
id: hand-washing
title: Clean Hands
publisher: Test Publisher
sources:
  - A made-up source for tests.
disclaimer: For tests only.
emergency_line: In an emergency dial {emergency_number}.
image_credits:
  - {slides: "1-2", credit: Test Images}
"""
HAND_WASHING_SLIDES = """\
slides:
  - number: 1
    id: lather
    title: Lather
    keywords: [lather]
    samples: [lather]
    text: Lather soap between every fingertip and thumb.
  - number: 2
    id: towel
    title: Towel
    keywords: [towel]
    samples: [towel]
    text: Pat each palm with a towel.
"""


def add_hand_washing_pack(root: Path) -> Path:
    """A second reviewed pack, on a subject far from the first."""
    folder = root / "hand-washing"
    folder.mkdir()
    (folder / "pack.yaml").write_text(HAND_WASHING_PACK, encoding="utf-8")
    (folder / "slides.yaml").write_text(HAND_WASHING_SLIDES, encoding="utf-8")
    stamp_pack(folder, "Test Reviewer", datetime.date(2024, 5, 1))
    return folder


def test_a_second_pack_is_served_with_its_own_sources(knowledge_copy: Path) -> None:
    add_hand_washing_pack(knowledge_copy)
    bot = Bot.load(knowledge_copy)
    assert {pack.id for pack in bot.knowledge.packs} == {PACK, "hand-washing"}
    for message, number in (("lather", 1), ("towel", 2)):
        reply, _ = bot.reply(message)
        assert (reply.kind, reply.slides) == ("answer", (number,))
        source = reply.sources[0]
        assert (source.pack, source.slide, source.reviewer, source.review_date) == (
            "hand-washing",
            number,
            "Test Reviewer",
            "2024-05-01",
        )
        assert_quotes_verbatim(bot.knowledge, reply)
    reply, _ = bot.reply("liver")
    assert reply.slides[:1] == (5,)
    assert [(s.pack, s.reviewer) for s in reply.sources][:1] == [(PACK, REVIEWER)]


def test_a_second_pack_leaves_the_first_packs_commands_alone(knowledge_copy: Path) -> None:
    emergency_line = load_knowledge(knowledge_copy).pack(PACK).emergency_line.replace("{emergency_number}", "911")
    add_hand_washing_pack(knowledge_copy)
    bot = Bot.load(knowledge_copy)
    reply, _ = bot.reply("slide 3")
    assert (reply.kind, reply.slides) == ("answer", (3,))
    assert reply.sources[0].pack == PACK
    reply, _ = bot.reply("I can't breathe")
    assert emergency_line in reply.text


def test_image_credits_are_optional(knowledge_copy: Path) -> None:
    folder = add_hand_washing_pack(knowledge_copy)
    meta = folder / "pack.yaml"
    meta.write_text(meta.read_text(encoding="utf-8").split("image_credits:")[0], encoding="utf-8")
    stamp_pack(folder, "Test Reviewer", datetime.date(2024, 5, 1))  # the credits shown are part of the review
    assert "hand-washing" in {pack.id for pack in load_knowledge(knowledge_copy).packs}


def test_a_second_pack_without_stamp_is_refused(knowledge_copy: Path) -> None:
    (add_hand_washing_pack(knowledge_copy) / "stamp.yaml").unlink()
    with pytest.raises(KnowledgeError, match=re.escape("hand-washing/stamp.yaml:1: the pack has no review stamp")):
        load_knowledge(knowledge_copy)


def test_a_changed_word_needs_a_new_review(knowledge_copy: Path) -> None:
    slides = knowledge_copy / SLIDES
    substitute(slides, "liver, you may have pain", "liver, you might have pain")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(knowledge_copy)
    [problem] = caught.value.problems
    assert Path(problem.file).name == "slides.yaml"
    assert problem.line == slide_line(slides, 5, "text")
    assert "slide 5" in problem.message
    assert "mbcbot stamp" in problem.message

    stamp_pack(knowledge_copy / PACK, REVIEWER, datetime.date(2025, 2, 3))
    knowledge = load_knowledge(knowledge_copy)
    assert "you might have pain" in slide_of(knowledge, PACK, 5).text
    review = knowledge.pack(PACK).review
    assert (review.reviewer, str(review.date)) == (REVIEWER, "2025-02-03")


def test_whitespace_changes_keep_the_review(knowledge_copy: Path) -> None:
    substitute(knowledge_copy / SLIDES, "liver, you may have pain", "liver,  you may have   pain")
    assert str(load_knowledge(knowledge_copy).pack(PACK).review.date) == REVIEW_DATE


def test_restamping_unchanged_text_changes_only_reviewer_and_date(knowledge_copy: Path) -> None:
    before = load_knowledge(knowledge_copy).pack(PACK).review
    stamp_pack(knowledge_copy / PACK, "Someone Else, MD", datetime.date(2024, 1, 2))
    after = load_knowledge(knowledge_copy).pack(PACK).review
    assert dict(after.slide_sha256) == dict(before.slide_sha256)
    assert after.sha256 != before.sha256  # the pack's digest covers the reviewer and the date too
    assert (after.reviewer, str(after.date)) == ("Someone Else, MD", "2024-01-02")


def test_real_review_stamp(bot: Bot) -> None:
    review = bot.knowledge.pack(PACK).review
    assert (review.reviewer, str(review.date)) == (REVIEWER, REVIEW_DATE)
