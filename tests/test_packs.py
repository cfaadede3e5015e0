"""Packs stand alone: an invented test pack beside the real one works as data, and leaves the real one's answers alone."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from knowledge_edits import PACK, copy_knowledge, substitute
from mbcbot.bot import Bot
from mbcbot.errors import KnowledgeError
from mbcbot.knowledge import load_knowledge

TEST_PACK = Path(__file__).resolve().parent / "packs" / "test-hydration"
QUESTIONS = Path(__file__).resolve().parent / "questions"
COMPARED = ("tuning.yaml", "tuning-2.yaml", "heldout.yaml")  # single questions answered by the real pack alone


@pytest.fixture(scope="module")
def both(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real knowledge with the invented test pack beside it."""
    root = copy_knowledge(tmp_path_factory.mktemp("packs") / "knowledge")
    shutil.copytree(TEST_PACK, root / TEST_PACK.name)
    return root


@pytest.fixture(scope="module")
def bot_of_both(both: Path) -> Bot:
    return Bot.load(both)


def test_check_passes_with_a_second_pack(both: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "mbcbot", "check", "--knowledge", str(both)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1].startswith("ok: 2 pack(s), 11 slides, review stamps match")


def test_the_test_packs_samples_are_answered_from_it(bot_of_both: Bot) -> None:
    pack = bot_of_both.knowledge.pack("test-hydration")
    for slide in pack.slides:
        for sample in slide.samples:
            reply, _ = bot_of_both.reply(sample)
            assert reply.kind == "answer", sample
            assert (reply.sources[0].pack, reply.sources[0].slide) == ("test-hydration", slide.number), sample
            assert reply.sources[0].reviewer == "Test Reviewer (invented)"


def test_a_pack_lexicon_is_read_for_its_own_slides(bot_of_both: Bot) -> None:
    reply, _ = bot_of_both.reply("feeling parched")
    assert (reply.kind, reply.sources[0].pack, reply.slides) == ("answer", "test-hydration", (3,))
    reply, _ = bot_of_both.reply("what about energy drinks")
    assert (reply.kind, reply.rule) == ("fallback", "not-covered")
    assert "(Sports drinks)" in reply.text


def test_a_subject_one_pack_does_not_cover_is_covered_by_another(bot_of_both: Bot, bot: Bot) -> None:
    assert bot.reply("does coffee count")[0].kind == "fallback"  # "coffee" is not covered by the real pack alone
    reply, _ = bot_of_both.reply("does coffee count")
    assert (reply.kind, reply.sources[0].pack) == ("answer", "test-hydration")


def test_the_real_packs_answers_are_unchanged_beside_another_pack(bot_of_both: Bot, bot: Bot) -> None:
    questions = ["which bones can breast cancer spread to"]  # two slides, in an order a second pack must not change
    for name in COMPARED:
        cases = yaml.safe_load((QUESTIONS / name).read_text(encoding="utf-8"))["cases"]
        questions += [case["q"] for case in cases if "q" in case]
    changed = []
    for question in questions:
        alone, _ = bot.reply(question)
        if alone.kind == "answer":
            beside, _ = bot_of_both.reply(question)
            if (beside.kind, beside.slides, beside.text) != (alone.kind, alone.slides, alone.text):
                changed.append(question)
    assert len(questions) > 500 and not changed


def test_emergencies_do_not_depend_on_the_order_of_packs(both: Path, tmp_path: Path, bot: Bot) -> None:
    first = copy_knowledge(tmp_path / "knowledge")
    shutil.copytree(TEST_PACK, first / TEST_PACK.name)
    meta = first / TEST_PACK.name / "pack.yaml"
    meta.write_text(meta.read_text(encoding="utf-8") + "order: 0\n", encoding="utf-8")
    ordered_first = Bot.load(first)
    assert ordered_first.knowledge.packs[0].id == "test-hydration"
    for message in ("I can't breathe", "I want to end it all"):
        assert ordered_first.reply(message)[0] == bot.reply(message)[0]
    reply, _ = ordered_first.reply("liver")
    assert (reply.sources[0].pack, reply.slides) == (PACK, (5,))


def test_slide_numbers_are_read_within_the_pack_in_hand(bot_of_both: Bot) -> None:
    _, session = bot_of_both.reply("signs of thirst")
    reply, session = bot_of_both.reply("slide 1", session)
    assert (reply.sources[0].pack, reply.slides) == ("test-hydration", (1,))
    reply, _ = bot_of_both.reply("next", session)
    assert (reply.sources[0].pack, reply.slides) == ("test-hydration", (2,))


def test_a_sample_answered_from_another_slide_fails_check(both: Path, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(both, root)
    line = substitute(
        root / TEST_PACK.name / "slides.yaml",
        "samples: [does coffee count, is tea ok]",
        "samples: [does coffee count, where does it spread]",
    )
    done = subprocess.run([sys.executable, "-m", "mbcbot", "check", "--knowledge", str(root)], capture_output=True, text=True)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{root / TEST_PACK.name / 'slides.yaml'}:{line}: slide 2 (Tea and Coffee): its sample 'where does it spread' "
        f"is answered from {PACK} slide 2"
    ]


def test_a_pack_lexicon_may_not_claim_a_shared_stopword(both: Path, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(both, root)
    (root / TEST_PACK.name / "lexicon.yaml").write_text("synonyms:\n  thirst: [what]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    [problem] = caught.value.problems
    assert (Path(problem.file).name, problem.line) == ("lexicon.yaml", 2)
    assert "test-hydration" in problem.file
    assert "synonym 'what' is already claimed as stopword" in problem.message


def test_a_pack_lexicon_holds_only_what_is_bound_to_its_slides(both: Path, tmp_path: Path) -> None:
    root = tmp_path / "knowledge"
    shutil.copytree(both, root)
    (root / TEST_PACK.name / "lexicon.yaml").write_text("stopwords: [water]\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="stopwords"):
        load_knowledge(root)
