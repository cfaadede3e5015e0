"""Red flags by concepts: every rule's reports set it off, its mentions do not, and a broken safety file names its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge_edits import KNOWLEDGE, substitute
from mbcbot.bot import Bot
from mbcbot.errors import KnowledgeError
from mbcbot.knowledge import load_knowledge
from mbcbot.model import Session
from mbcbot.phrases import ends, first_words, parsed
from mbcbot.safetyfile import examples
from mbcbot.text import stem, words

SAFETY = KNOWLEDGE / "safety.yaml"
EXAMPLES = examples(SAFETY)
REPORTS = [(rule, message) for rule, found in EXAMPLES.items() for message in found["reports"]]
MENTIONS = [(rule, message) for rule, found in EXAMPLES.items() for message in found["mentions"]]


def test_every_emergency_rule_has_reports_and_most_have_mentions() -> None:
    emergency = {rule: found for rule, found in EXAMPLES.items() if rule.startswith("emergency:")}
    assert emergency and all(found["reports"] for found in emergency.values())
    without = [rule for rule, found in emergency.items() if not found["mentions"] and rule != "emergency:declared"]
    assert without == []


def test_every_advice_rule_has_requests() -> None:
    advice = {rule: found for rule, found in EXAMPLES.items() if rule.startswith("advice:")}
    assert advice and [rule for rule, found in advice.items() if not found["reports"]] == []


@pytest.mark.parametrize(("rule", "message"), REPORTS)
def test_a_report_sets_its_rule_off(bot: Bot, rule: str, message: str) -> None:
    reply, _ = bot.reply(message, Session())
    kind = rule.split(":")[0]  # an emergency rule's reports get the emergency reply, an advice rule's the advice one
    assert reply.kind == kind, f"{message!r} got {reply.kind} ({reply.rule})"
    if kind == "advice":
        assert reply.rule == rule


@pytest.mark.parametrize(("rule", "message"), MENTIONS)
def test_a_mention_is_no_emergency(bot: Bot, rule: str, message: str) -> None:
    reply, _ = bot.reply(message, Session())
    assert reply.kind not in ("emergency", rule.split(":")[0]), f"{message!r} was taken for {reply.rule}"


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("he's fitting on the floor", "emergency"),
        ("does cancer in the brain cause seizures?", "answer"),
        ("can I have seizures with brain mets?", "answer"),
        (
            "I have a seizure disorder since childhood, used to have fits years ago. can breast cancer spread to the brain",
            "answer",
        ),
        ("what should I do, she's burning up after chemo", "emergency"),
        ("no fever, just tired since chemo", "fallback"),
        ("is chest pain a sign of it being in the lungs", "answer"),
        ("I could just end it all", "emergency"),
        ("life isn't worth living with mets", "emergency"),
        ("my temperature is 38.6 and I had chemo on Tuesday", "emergency"),
        ("38.5 and shivering, chemo last week", "emergency"),
    ],
)
def test_report_or_question(bot: Bot, message: str, kind: str) -> None:
    reply, _ = bot.reply(message, Session())
    assert reply.kind == kind, f"{message!r} got {reply.kind} ({reply.rule}) {reply.slides}"


def test_an_emergency_over_the_length_limit_still_gets_the_emergency_reply(bot: Bot) -> None:
    limit = bot.knowledge.conversation.max_message_chars
    story = "We have been to so many appointments and I am writing it all down. " * (limit // 40)
    reply, _ = bot.reply(story + " Now she is fitting on the floor and I can't wake her.", Session())
    assert reply.kind == "emergency" and reply.rule == "emergency:seizure-now"
    reply, _ = bot.reply(story, Session())
    assert reply.kind == "fallback" and reply.rule == "input:too-long"
    reply, _ = bot.reply("x " * 400_000 + "I want to die", Session())  # beyond what safety reads: bounded time
    assert reply.rule == "input:too-long"


def _found(phrase: str, message: str) -> bool:
    said = words(message)
    stems = [stem(word) for word in said]
    node = parsed(phrase)
    return any(ends(node, said, stems, at) for at in range(len(said)))


@pytest.mark.parametrize(
    ("phrase", "message", "found"),
    [
        ("(cant|cannot) breathe", "she can't breathe", True),
        ("(cant|cannot) breathe", "she cannot breathe", True),
        ("hot and (shivery|shaky)", "hot and cold", False),
        ("hot (and|) shivery", "hot shivery", True),
        ("suicid*", "suicidal thoughts", True),
        ("temp _ <38-43>", "temp is 38.5", True),
        ("temp _ <38-43>", "temp is 37.5", False),
        ("temp _ <38-43>", "temp is 39c", True),
        ("seizure", "seizures again", True),
        ("fitting", "fits", True),
        ("(a|(the|one) (big|small)) lump", "the small lump", True),
        ("face ... dropped", "her face has sort of dropped", True),
        ("face ... dropped", "her face dropped", True),
        ("face ... dropped", "face was fine but then it all dropped", False),
    ],
)
def test_phrase_language(phrase: str, message: str, found: bool) -> None:
    assert _found(phrase, message) is found


def test_first_words_of_a_phrase_with_optional_words() -> None:
    assert first_words(parsed("(very|) sleepy")) == frozenset({"very", "sleepy"})
    assert first_words(parsed("suicid*")) == frozenset({"suicid*"})


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        ("  fever: [fever,", "  fever: [(fever,", "phrase '(fever' has a '(' that is never closed"),
        ("  fever: [fever,", "  fever: [fever), feverish,", "has a ')' before its '('"),
        ("  fever: [fever,", "  fever: [fever|high,", "has a '|' outside any group"),
        ("  fever: [fever,", "  fever: [_ fever,", "may not open with '_'"),
        ("  fever: [fever,", "  fever: [... fever,", "or '...' (a gap)"),
        ("  fever: [fever,", "  fever: [(|),", "can be read as no words"),
        ("  fever: [fever,", "  fever: [su*,", "prefix 'su*' of under three letters"),
        (
            "  fever: [fever,",
            "  fever: [(high|very)? fever,",
            "has '?', which is not a word (an optional word is written '(word|)')",
        ),
        ("  fever: [fever,", "  fever: [(hot|&) fever,", "has '&', which is not a word"),
        ("  fever: [fever,", "  fever: [999,", "must be non-empty text, not a number (999): quote it"),
        ("    when: [seizure]\n", "    when: [seizur]\n", "rule 'seizure-now' names an unknown concept 'seizur'"),
        ("  - id: breathing\n", "  - id: seizure-now\n", "emergency rule id 'seizure-now' is used twice"),
        ("    when: [seizure]\n", "    when: [seizure]\n    within: many\n", "'within' must be a whole number"),
        ("  person: [", "  persons: [", "has an unknown key 'persons'"),
        ("remembered: [anticancer,", "remembered: [anticancr,", "'remembered' names 'anticancr', which is not a concept"),
    ],
)
def test_a_broken_safety_file_names_its_line(knowledge_copy: Path, old: str, new: str, fragment: str) -> None:
    line = substitute(knowledge_copy / "safety.yaml", old, new)
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    problems = [p for p in raised.value.problems if p.file.endswith("safety.yaml")]
    assert any(fragment in p.message for p in problems), problems
    assert all(p.line >= 1 for p in problems)
    assert any(abs(p.line - line) <= 1 for p in problems if fragment in p.message), (line, problems)


@pytest.mark.parametrize(
    ("earlier", "now", "rule"),
    [
        ("my wife is on chemo", "she's got the shivers", "emergency:fever-after-treatment"),
        ("mum has mets in her spine", "her legs feel a bit funny and heavy", "emergency:sudden-weakness"),
        ("dad is on morphine for the pain", "he keeps nodding off mid sentence", "emergency:opioid-toxicity"),
    ],
)
def test_a_red_flag_completes_a_combination_with_a_concept_an_earlier_message_named(
    bot: Bot, earlier: str, now: str, rule: str
) -> None:
    _, session = bot.reply(earlier)
    reply, after = bot.reply(now, session)
    assert (reply.kind, reply.rule) == ("emergency", rule)
    alone, _ = bot.reply(now)
    assert alone.kind != "emergency"  # the same words with nothing said before
    assert all(name.isascii() and " " not in name for name in after.context)  # concept names, never the words


def test_an_earlier_concept_is_never_the_red_flag_itself(bot: Bot) -> None:
    _, session = bot.reply("my wife is on chemo")
    reply, _ = bot.reply("is shivering a sign of lung mets?", session)
    assert reply.kind != "emergency"
