"""Exact behaviour of one turn and of short conversations: the priority pipeline, turn by turn."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from knowledge_edits import KNOWLEDGE, PACK
from mbcbot.bot import Bot
from mbcbot.model import Reply, Session

REVIEWER = "Brunilda Nazario, MD"
REVIEW_DATE = "2022-01-19"
NOTICE_START = "This is general information, not medical advice"


def conversation(bot: Bot, messages: Sequence[str]) -> list[Reply]:
    """The replies to `messages`, all in one session."""
    session, replies = Session(), []
    for message in messages:
        reply, session = bot.reply(message, session)
        replies.append(reply)
    return replies


def kinds_and_slides(replies: Sequence[Reply]) -> list[tuple[str, tuple[int, ...]]]:
    return [(reply.kind, reply.slides) for reply in replies]


def line(bot: Bot, name: str, **values: object) -> str:
    """A framing line of conversation.yaml, filled as the bot fills it."""
    return bot.dialogue.voice.line(name, **values)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("hello", "greeting"),
        ("Hi there!", "greeting"),
        ("helo", "greeting"),
        ("hello, im looking after my wife she has secondary breast cancer", "greeting"),
        ("hi, my partner has mets in her bones and lungs", "greeting"),
        ("lovely weather today for once", "greeting"),
        ("thanks pet", "thanks"),
        ("enough for today thanks", "goodbye"),
        ("what can you actually help with", "help"),
        ("what else does this cover", "help"),
        ("is this where i ask about the slideshow", "help"),
        ("who's behind this info", "sources"),
        ("where does this info come from? is it nhs or american", "sources"),
        ("can you give me the links to where this is from", "sources"),
        ("help", "help"),
        ("what can you do", "help"),
        ("sources", "sources"),
        ("who reviewed this", "sources"),
        ("thanks", "thanks"),
        ("thank you so much", "thanks"),
        ("bye", "goodbye"),
        ("hiya, morning!", "greeting"),
        ("hello there, hope you're well", "greeting"),
        ("which topics do you know", "help"),
        ("what sort of things can i ask", "help"),
        ("is this from a real doctor", "sources"),
        ("who wrote all this?", "sources"),
        ("thank you so much x", "thanks"),
        ("bless you, that helps", "thanks"),
        ("night night", "goodbye"),
        ("thats everything, thanks, bye", "goodbye"),
        ("ok cheers bye", "goodbye"),
        ("hi, who checked this information?", "sources"),
        ("hello I am from Poland my english is not perfect", "greeting"),
        ("thank u so much, that actually helped", "thanks"),
        ("night night, gonna try and sleep", "goodbye"),
        ("is there a date on it", "sources"),
        ("can you list the topics you cover", "help"),
        ("hiya, just found this thing, hello", "greeting"),
        ("thank you so much, that actually helped me understand what the doctor meant", "thanks"),
        ("what do you do", "help"),
        ("yes thanks", "thanks"),  # filler words YAML would read as a value: quoted
    ],
)
def test_small_talk(bot: Bot, message: str, kind: str) -> None:
    reply, session = bot.reply(message)
    assert (reply.kind, reply.rule, reply.quotes) == (kind, f"intent:{kind}", ())
    assert session.slide == 0


def test_greeting_and_help_suggest_every_topic(bot: Bot) -> None:
    titles = bot.topics()
    assert len(titles) == 8
    for message in ("hello", "what can you do"):
        reply, _ = bot.reply(message)
        assert reply.suggestions == titles
        assert all(title in reply.text for title in titles)


def test_sources_name_publisher_reviewer_and_date(bot: Bot) -> None:
    reply, _ = bot.reply("sources")
    assert "WebMD" in reply.text
    assert REVIEWER in reply.text
    assert "January 19, 2022" in reply.text
    assert all(source in reply.text for source in bot.knowledge.pack(PACK).sources)


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("sorry to bother u at this time of night", "greeting"),
        ("im back", "greeting"),
        ("thanks for listening, bye", "goodbye"),
        ("Very kind of you. Good day.", "goodbye"),
        ("does the info come from real doctors", "sources"),
        ("is it just about breast cancer that has spread or other stuff too", "help"),
    ],
)
def test_small_talk_in_everyday_words(bot: Bot, message: str, kind: str) -> None:
    assert bot.reply(message)[0].kind == kind


def test_greeting_lead_in_does_not_hide_the_question(bot: Bot) -> None:
    reply, session = bot.reply("hi, what happens if it spreads to the liver")
    assert (reply.kind, reply.slides[:1], session.slide) == ("answer", (5,), 5)


@pytest.mark.parametrize(
    "message",
    [
        "what happens if it spreads to the liver, I can't breathe right now",
        "hello, should I stop my chemo? she is having a seizure now",
        "slide 3 please, my mum collapsed",
        "thanks, I am having crushing chest pain",
    ],
)
def test_emergency_comes_before_everything(bot: Bot, message: str) -> None:
    reply, session = bot.reply(message, Session(pack=PACK, slide=2))
    assert reply.kind == "emergency"
    assert reply.rule.startswith("emergency:")
    assert "dial 911" in reply.text
    assert (reply.quotes, reply.sources) == ((), ())
    assert session.slide == 2


def test_self_harm_gives_the_crisis_line(bot: Bot) -> None:
    reply, _ = bot.reply("I want to kill myself")
    assert (reply.kind, reply.rule) == ("emergency", "emergency:self-harm")
    assert line(bot, "crisis") in reply.text
    assert "988" in reply.text


def test_emergency_number_is_configurable() -> None:
    bot = Bot.load(KNOWLEDGE, emergency_number="999")
    reply, _ = bot.reply("I can't breathe")
    assert "dial 999" in reply.text and "911" not in reply.text
    reply, _ = bot.reply("I want to end my life")
    assert "116 123" in reply.text


@pytest.mark.parametrize("message", ["can it cause seizures", "can breast cancer in the brain cause seizures?"])
def test_questions_about_symptoms_are_answered_not_emergencies(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", (7,))
    assert any("seizures" in quote for quote in reply.quotes)


@pytest.mark.parametrize(
    ("message", "rule"),
    [
        ("what dose of tamoxifen should I take", "advice:dose"),
        ("should i stop my chemo", "advice:start-stop-skip"),
        ("which drug is best for me", "advice:which-for-me"),
    ],
)
def test_personal_advice_is_declined(bot: Bot, message: str, rule: str) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.rule, reply.quotes) == ("advice", rule, ())
    assert reply.text.startswith(line(bot, "advice"))
    assert reply.notice == line(bot, "notice")


def test_slide_next_previous_back(bot: Bot) -> None:
    replies = conversation(bot, ["slide 3", "next", "previous", "back", "slide three"])
    assert kinds_and_slides(replies) == [
        ("answer", (3,)),
        ("answer", (4,)),
        ("answer", (3,)),
        ("answer", (2,)),
        ("answer", (3,)),
    ]
    assert [r.rule for r in replies] == [
        "command:slide",
        "command:next",
        "command:previous",
        "command:previous",
        "command:slide",
    ]
    slides = bot.knowledge.pack(PACK).slides
    assert all(reply.quotes == (slides[reply.slides[0] - 1].text,) for reply in replies)


def test_navigation_stops_at_both_ends(bot: Bot) -> None:
    replies = conversation(bot, ["slide 1", "previous", "back", "next", "slide 8", "next", "previous"])
    assert kinds_and_slides(replies) == [
        ("answer", (1,)),
        ("help", ()),
        ("help", ()),
        ("answer", (2,)),
        ("answer", (8,)),
        ("help", ()),
        ("answer", (7,)),
    ]
    assert replies[1].text == replies[2].text == line(bot, "first_slide")
    assert replies[5].text == line(bot, "last_slide")


def test_next_without_a_topic_starts_at_slide_one(bot: Bot) -> None:
    reply, session = bot.reply("next")
    assert (reply.kind, reply.slides, session.slide) == ("answer", (1,), 1)


def test_no_such_slide(bot: Bot) -> None:
    reply, session = bot.reply("slide 99", Session(pack=PACK, slide=4))
    assert (reply.kind, reply.rule, reply.text) == (
        "help",
        "command:slide",
        line(bot, "no_such_slide", number=99, count=8),
    )
    assert session.slide == 4


def test_more_without_a_topic(bot: Bot) -> None:
    reply, _ = bot.reply("more")
    assert (reply.kind, reply.rule, reply.text) == ("help", "command:more", line(bot, "no_topic"))


def test_more_shows_the_whole_slide(bot: Bot) -> None:
    first, more = conversation(bot, ["liver", "more"])
    assert (first.kind, first.slides, more.kind, more.slides, more.rule) == (
        "answer",
        (5,),
        "answer",
        (5,),
        "command:more",
    )
    assert more.quotes == (bot.knowledge.pack(PACK).slides[4].text,)
    assert line(bot, "more_hint") in first.text


def test_topics(bot: Bot) -> None:
    reply, _ = bot.reply("topics")
    assert (reply.kind, reply.rule, reply.suggestions) == ("help", "command:topics", bot.topics())


def test_start_over_forgets_the_topic(bot: Bot) -> None:
    session = Session()
    _, session = bot.reply("liver", session)
    restart, session = bot.reply("start over", session)
    assert (restart.kind, restart.rule, restart.slides) == ("answer", "command:restart", (1,))
    assert restart.text.startswith(line(bot, "restart"))
    assert session == Session(pack=PACK, slide=1, whole=True)


def test_follow_up_stays_on_the_topic(bot: Bot) -> None:
    replies = conversation(bot, ["bones", "what are the symptoms"])
    assert kinds_and_slides(replies)[1][0] == "answer"
    assert replies[1].slides[:1] == (4,)


def test_follow_ups_name_new_topics(bot: Bot) -> None:
    replies = conversation(bot, ["tell me about the liver", "what about the lungs", "and the brain?"])
    assert [(r.kind, r.slides[:1]) for r in replies] == [("answer", (5,)), ("answer", (6,)), ("answer", (7,))]


def test_too_long_and_empty_messages(bot: Bot) -> None:
    limit = bot.knowledge.conversation.max_message_chars
    long, _ = bot.reply("liver " * limit)
    assert (long.kind, long.rule) == ("fallback", "input:too-long")
    empty, _ = bot.reply("   ")
    assert (empty.kind, empty.rule, empty.text) == ("fallback", "input:empty", line(bot, "empty"))


ANSWERING = [f"slide {n}" for n in range(1, 9)] + [
    "liver",
    "can my bones break",
    "what is jaundice",
    "can it cause seizures",
]


@pytest.mark.parametrize("message", ANSWERING)
def test_every_answer_names_its_review_and_notice(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert reply.kind == "answer" and reply.quotes
    assert [source.slide for source in reply.sources] == list(reply.slides)
    assert {(s.pack, s.reviewer, s.review_date) for s in reply.sources} == {(PACK, REVIEWER, REVIEW_DATE)}
    assert reply.notice.startswith(NOTICE_START)
    assert reply.notice in reply.text
    assert all(quote in reply.text for quote in reply.quotes)


def test_sessions_do_not_leak_into_each_other(bot: Bot) -> None:
    a, b = Session(), Session()
    _, a = bot.reply("liver", a)
    _, b = bot.reply("slide 2", b)
    next_a, _ = bot.reply("next", a)
    next_b, _ = bot.reply("next", b)
    assert (next_a.slides, next_b.slides) == ((6,), (3,))


TEN_TURNS = [
    "hello",
    "liver",
    "more",
    "next",
    "what is jaundice",
    "slide 99",
    "back",
    "I can't breathe",
    "topics",
    "bye",
]


def test_the_same_conversation_gives_the_same_replies(bot: Bot) -> None:
    first = [reply.as_dict() for reply in conversation(bot, TEN_TURNS)]
    again = [reply.as_dict() for reply in conversation(bot, TEN_TURNS)]
    fresh = [reply.as_dict() for reply in conversation(Bot.load(KNOWLEDGE), TEN_TURNS)]
    assert first == again == fresh
    assert len(first) == 10


@pytest.mark.parametrize(
    ("message", "number"),
    [
        ("go back to the very first slide", 1),
        ("show me the last slide", 8),
        ("the last page", 8),
        ("page three", 3),
        ("start from the beginning please", 1),
        ("show me the slides from the start", 1),
        ("from the top", 1),
    ],
)
def test_first_and_last_slide_in_words(bot: Bot, message: str, number: int) -> None:
    reply, session = bot.reply(message, Session(pack=PACK, slide=4))
    assert (reply.kind, reply.rule, reply.slides, session.slide) == ("answer", "command:slide", (number,), number)


@pytest.mark.parametrize(
    ("message", "slides"),
    [("where does it spread to and how do they treat it?", (8,)), ("what is jaundice and why does it happen", (5,))],
)
def test_two_questions_joined_in_one_sentence_are_read_apart(bot: Bot, message: str, slides: tuple[int, ...]) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides) == ("answer", slides)


def test_two_joined_questions_about_an_uncovered_subject_are_not_answered_apart(bot: Bot) -> None:
    reply, _ = bot.reply("what is a fentanyl patch and how does it work")
    assert reply.kind == "fallback"


def test_a_question_joined_to_a_question_about_an_uncovered_subject_is_answered_and_the_rest_named(bot: Bot) -> None:
    reply, _ = bot.reply("is pain relief part of treatment or is that just at the end")
    assert (reply.kind, reply.slides) == ("answer", (8,))
    assert "(Palliative, hospice and end-of-life care)" in reply.text
    assert reply.uncovered == ("palliative-hospice-and-end-of-life-care",)  # the subject's id, for /metrics and front ends


def test_a_fallback_names_the_ids_of_the_subjects_not_covered_in_the_order_named(bot: Bot) -> None:
    reply, _ = bot.reply("tell me about vaccines and sport")
    assert (reply.kind, reply.rule, reply.uncovered) == ("fallback", "not-covered", ("vaccines", "sport"))
    assert "(Vaccines; Sport)" in reply.text
    assert bot.reply("liver")[0].uncovered == ()


@pytest.mark.parametrize("word", ["bold", "swears", "ball", "meen"])
def test_spelling_does_not_read_a_short_word_as_a_subject_not_covered(bot: Bot, word: str) -> None:
    reply, _ = bot.reply(f"{word} bones")
    assert "does not cover this subject" not in reply.text


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("brayn", "brain"),
        ("spyne", "spine"),
        ("livver", "liver"),
        ("glans", "glands"),
        ("ruose", "rouse"),
        ("tabelts", "tablets"),
        ("moring", "morning"),
        ("boans", "bones"),
        ("pils", "pills"),
        ("sons", "sons"),
        ("hows", "hows"),
    ],
)
def test_spelling_still_reads_slips_of_slide_words(bot: Bot, typed: str, meant: str) -> None:
    assert bot.dialogue.matcher.corrected(typed) == meant


@pytest.mark.parametrize(
    ("message", "slides"),
    [
        ("thanks, and what about the liver?", (5,)),
        ("hello, what happens in the bones", (4,)),
        ("thanks! does it spread to the lungs", (6,)),
        ("hello, my mum has just been told it has spread to her liver, what are the signs", (5,)),
        ("hi, bone mets symptoms", (4,)),
        ("my aunties letter mentions a pleural effusion, what even is that", (6,)),
    ],
)
def test_small_talk_with_a_subject_is_a_question(bot: Bot, message: str, slides: tuple[int, ...]) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", slides)


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("what does metta static mean", 1),
        ("can it go to the pan creeus", 2),
        ("Which organs is it most likely to turn up in?", 2),
    ],
)
def test_a_word_split_in_two_is_joined_again_only_when_half_of_it_is_no_word(bot: Bot, message: str, slide: int) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", (slide,))


@pytest.mark.parametrize(
    ("message", "kind", "slides"),
    [
        ("can liver mets make you confused?", "fallback", ()),
        ("can brain mets make you confused?", "answer", (7,)),
        ("can liver mets make you lose weight?", "answer", (5,)),
    ],
)
def test_a_symptom_asked_of_an_organ_is_answered_only_from_a_slide_naming_that_organ(
    bot: Bot, message: str, kind: str, slides: tuple[int, ...]
) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == (kind, slides)


@pytest.mark.parametrize("message", ["my mum", "what about it?", "can you explain"])
def test_a_message_naming_nothing_is_asked_to_say_more(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.rule, reply.slides) == ("clarify", "clarify:say-more", ())
    assert reply.text == line(bot, "say_more")


def test_keep_going_after_the_whole_slide_goes_on_to_the_next_and_more_stays(bot: Bot) -> None:
    session = Session()
    steps = [("liver", "match", 5), ("more", "command:more", 5), ("more", "command:more", 5), ("keep going", "command:onward", 6)]
    for message, rule, slide in steps:
        reply, session = bot.reply(message, session)
        assert (reply.rule, reply.slides) == (rule, (slide,))
    reply, session = bot.reply("slide 8", session)
    reply, _ = bot.reply("go on", session)
    assert (reply.kind, reply.rule) == ("help", "command:onward")
    assert "last slide" in reply.text


@pytest.mark.parametrize(("message", "slide"), [("skip to the treatment bit", 8), ("can we jump to the liver one", 5)])
def test_skipping_to_a_slide_by_name_is_navigation_not_advice(bot: Bot, message: str, slide: int) -> None:
    reply, _ = bot.reply(message, Session(pack=PACK, slide=2))
    assert (reply.kind, reply.slides) == ("answer", (slide,))


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("wht orgns does brst cncr sprd 2", 2),
        ("smptms of lvr mets", 5),
        ("wat r the simtoms of it in the livr", 5),
        ("wat dose metastatic meen", 1),
        ("wat trtmnt 4 stg 4", 8),
        ("ploorul fluid", 6),
        ("what does the lymf glans do", 3),
    ],
)
def test_text_speak_without_vowels_and_sound_alike_spellings_are_read(bot: Bot, message: str, slide: int) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", (slide,))


def test_an_item_of_a_list_leads_back_to_the_list(bot: Bot) -> None:
    replies = conversation(
        bot, ["what are the usual places it spreads to", "the first one you listed", "and the last one on the list?"]
    )
    assert kinds_and_slides(replies) == [("answer", (2,)), ("answer", (3,)), ("answer", (7,))]
    assert replies[-1].rule == "command:listed"


@pytest.mark.parametrize(
    ("messages", "rule"),
    [(["bones", "previus"], "command:previous"), (["liver", "nxet"], "command:next"), (["thnx"], "intent:thanks")],
)
def test_a_command_or_small_talk_is_read_once_its_spelling_is_mended(bot: Bot, messages: list[str], rule: str) -> None:
    assert conversation(bot, messages)[-1].rule == rule


def test_a_story_sentence_about_an_uncovered_subject_does_not_stop_the_question_being_answered(bot: Bot) -> None:
    reply, _ = bot.reply("my son says her cancer is metastatic now. he set up this computer for me. what does that word mean?")
    assert (reply.kind, reply.slides) == ("answer", (1,))
    assert "(Coding and computers)" in reply.text
    assert reply.uncovered == ("coding-and-computers",)


@pytest.mark.parametrize(
    "message",
    [
        "she had a bad reaction to paclitaxel last year but they sorted it. is that common?",
        "he got lymphoedema in his arm after surgery. does it go away?",
        "my uncle has prostate cancer in his bones. is that the same as breast cancer in the bones?",
        "how is radiation done, does it hurt",
        "how do they drain it, does it hurt",
        "does sugar feed cancer, should mum cut it out",
    ],
)
def test_a_question_pointing_back_at_a_story_about_an_uncovered_subject_is_not_answered(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert reply.kind == "fallback"


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("my gran had a fit last spring when they found it in her brain. she has been fine since. could it happen again?", 7),
        ("he is on oxygen on the ward now. can it spread anywhere else?", 2),
        ("what does the spread to the liver cause, symptom wise? i'd really like to understand", 5),
    ],
)
def test_everyday_words_do_not_pull_a_question_to_another_slide(bot: Bot, message: str, slide: int) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", (slide,))


@pytest.mark.parametrize(("subject", "slide"), [("what do the lymph nodes do", 3), ("can it reach the brain", 7)])
def test_a_follow_up_many_slides_answer_stays_on_the_slide_in_hand(bot: Bot, subject: str, slide: int) -> None:
    replies = conversation(bot, [subject, "does it hurt?"])
    assert kinds_and_slides(replies) == [("answer", (slide,)), ("answer", (slide,))]


@pytest.mark.parametrize(
    ("message", "kind"),
    [("namaste", "greeting"), ("danke schön", "thanks"), ("go raibh maith agat", "thanks"), ("tschüss", "goodbye")],
)
def test_small_talk_in_other_languages(bot: Bot, message: str, kind: str) -> None:
    reply, _ = bot.reply(message)
    assert reply.kind == kind


@pytest.mark.parametrize(
    ("message", "slide"),
    [("ok, she's in A&E now and comfortable. what was slide 1 about", 1), ("fair enough. show me the next slide", 6)],
)
def test_a_command_after_a_story_or_thanks_is_followed(bot: Bot, message: str, slide: int) -> None:
    replies = conversation(bot, ["liver", message])
    assert kinds_and_slides(replies)[-1] == ("answer", (slide,))


def test_after_an_emergency_a_request_once_help_has_come_is_answered(bot: Bot) -> None:
    replies = conversation(
        bot,
        [
            "my partner has mets in her spine",
            "since lunch her legs have gone weak and she's wet herself",
            "paramedics are here now. the bones one again please",
        ],
    )
    assert [reply.kind for reply in replies[1:]] == ["emergency", "answer"]
    assert replies[-1].slides == (4,)


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("ok calling 999. sorry one more thing, is pain control part of the treatment", 8),
        ("ambulance on the way. quick one, if its in the brain is it still breast cancer", 2),
        ("ambulance is coming. show me the lungs one", 6),
        ("ok 911 called. while we wait can you read me the first slide", 1),
    ],
)
def test_after_an_emergency_help_being_called_beside_a_question_gets_the_question_answered(
    bot: Bot, message: str, slide: int
) -> None:
    replies = conversation(bot, ["she suddenly can't move her left arm and her speech is slurred", message])
    assert kinds_and_slides(replies) == [("emergency", ()), ("answer", (slide,))]


def test_the_emergency_in_hand_told_again_beside_help_and_a_question_gets_the_question_answered(bot: Bot) -> None:
    opening = ["she has collapsed in the kitchen and won't wake up"]
    answered = conversation(bot, [*opening, "she's come round and the paramedics are with her. what treatments are there?"])
    assert [reply.kind for reply in answered] == ["emergency", "answer"]
    assert answered[-1].slides == (8,)
    # a new red flag, or no question, is an emergency still
    for message in ["the paramedics are with her but she isn't breathing now, what do i do", "the paramedics are with her now"]:
        replies = conversation(bot, [*opening, message])
        assert [reply.kind for reply in replies] == ["emergency", "emergency"], message


@pytest.mark.parametrize("message", ["can you show me the first slide", "can you read me the first slide", "read us slide 1"])
def test_a_polite_request_for_a_slide_by_number_goes_there(bot: Bot, message: str) -> None:
    replies = conversation(bot, ["can it go to the bones", message])
    assert kinds_and_slides(replies)[-1] == ("answer", (1,))


def test_asking_to_be_walked_through_the_slides_starts_at_the_first_and_carry_on_reads_on(bot: Bot) -> None:
    replies = conversation(bot, ["can you go through the slides one by one with me", "ok carry on", "carry on"])
    assert kinds_and_slides(replies) == [("answer", (1,)), ("answer", (2,)), ("answer", (3,))]
    assert kinds_and_slides(conversation(bot, ["carry on"])) == [("answer", (1,))]


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("3 weeks waiting for results, nobody rings back, and now a letter saying 'metastatic disease'. what does that MEAN", 1),
        ('the scan report says "multiple hepatic metastases". what sort of symptoms can that give someone', 5),
    ],
)
def test_words_quoted_from_a_letter_are_read_though_the_letter_is_not_covered(bot: Bot, message: str, slide: int) -> None:
    assert kinds_and_slides([bot.reply(message, Session())[0]]) == [("answer", (slide,))]


def test_a_quoted_report_asked_to_be_judged_is_declined(bot: Bot) -> None:
    reply, _ = bot.reply("my report says 'progression', does that mean it's bad?", Session())
    assert reply.kind == "advice"


@pytest.mark.parametrize(
    ("message", "slides"),
    [
        ("my partner has it in her lungs and liver. what symptoms for the lungs", (6,)),
        ("mum has liver and bone mets, what can the liver one cause", (5,)),
        ("my wife has mets in her lungs and liver. What are the liver symptoms?", (5,)),
        ("her cancer spread to lungs and bones. whats the treatment usually", (8,)),
        ("My sister has breast cancer that has spread to her bone. What is the treatment for it", (8,)),
        ("mum's got liver mets, what does that do to your skin", (5,)),
    ],
)
def test_the_question_names_one_of_the_subjects_told(bot: Bot, message: str, slides: tuple[int, ...]) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides) == ("answer", slides)


@pytest.mark.parametrize(
    "message",
    [
        "hi im 41, just been told its in my bones and liver. what does metastatic even mean",
        "My mother has cancer in bones and lungs. What is the meaning of stage 4?",
        "she has cancer from breast now in the bone and the liver. she want to know what is meaning metastatic",
    ],
)
def test_a_question_of_what_a_word_means_is_answered_alone_after_a_story(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides) == ("answer", (1,))


@pytest.mark.parametrize(
    "message",
    ["will they still do chemo when its gone to other organs", "what treatments are there once its stage 4 spread"],
)
def test_the_slideshows_premise_beside_a_question_does_not_stop_its_answer(bot: Bot, message: str) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides) == ("answer", (8,))


def test_what_the_answer_is_wanted_for_does_not_stop_the_answer(bot: Bot) -> None:
    message = "The scan showed spots on the liver. What symptoms does liver spread cause so we are not caught off guard?"
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides) == ("answer", (5,))


def test_a_question_of_what_it_means_points_back_at_the_story(bot: Bot) -> None:
    reply, _ = bot.reply("her cancer is in her liver now. what does that mean for her skin")
    assert reply.kind == "answer" and reply.slides[:1] == (5,)


def test_a_question_naming_no_subject_keeps_every_subject_told(bot: Bot) -> None:
    reply, _ = bot.reply("my partner has it in her lungs and liver. what are the symptoms")
    assert reply.kind == "answer" and set(reply.slides) >= {5, 6}


@pytest.mark.parametrize(
    ("messages", "slides"),
    [
        (["cud it go to my skin or my ovarys too?"], (2,)),
        (["can it spread to the skin or the eyes"], (2,)),
        (["what happens when it goes to the liver", "and the bladder"], (2,)),
        (["can it spread to the liver", "what about the eyes?"], (2,)),
        (["her skin and eyes look yellow, is that the liver?"], (5,)),
        (["what does it do to the skin when it spreads to the liver"], (5,)),
    ],
)
def test_a_place_asked_where_the_cancer_goes_means_any_part_of_the_body(
    bot: Bot, messages: list[str], slides: tuple[int, ...]
) -> None:
    session = Session()
    for message in messages:
        reply, session = bot.reply(message, session)
    assert (reply.kind, reply.slides[:1]) == ("answer", slides)


def test_weak_and_weakness_are_one_word_to_matching(bot: Bot) -> None:
    reply, _ = bot.reply("can brain mets make one side weak")
    assert (reply.kind, reply.slides[:1]) == ("answer", (7,))


@pytest.mark.parametrize(
    ("message", "slide"),
    [
        ("My wife has stage IV with spread to her spine. What symptoms should we be watching for?", 4),
        ("my gran had a fit last month and the scan showed its in her brain. what other signs should we be looking out for", 7),
    ],
)
def test_a_question_naming_no_subject_is_asked_of_the_one_its_story_names(bot: Bot, message: str, slide: int) -> None:
    reply, _ = bot.reply(message)
    assert (reply.kind, reply.slides[:1]) == ("answer", (slide,))
