"""Read and validate conversation.yaml: intents, commands, framing lines (safety rules are read by `safety`)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable
from pathlib import Path

from mbcbot.errors import Problem, shown
from mbcbot.model import COMMAND_GROUPS, COMMANDS, INTENTS, PARTING, Conversation, FrozenMap, Pattern, Phrasebook
from mbcbot.phrases import Node, parsed, phrasebook
from mbcbot.regexes import excerpt, quoted, regex_problem
from mbcbot.schema import FileCheck
from mbcbot.text import normalised, stem, words
from mbcbot.yamlfile import LineDict, LineList, read_yaml

NEVER = "(?!)"  # a pattern that matches nothing
# The widget's own words (its chrome), served with widget.js; a site may translate each from the tag.
WIDGET_LINES = (
    "title", "intro", "input_label", "placeholder", "send", "sending", "close", "new_conversation", "conversation",
    "suggestions", "you", "bot", "notice_summary", "restarted", "unavailable", "timeout", "slow_down", "too_long",
    "not_sent", "emergency",
)  # fmt: skip
LINES = (
    "welcome", "welcome_hint", "greeting", "help", "topics", "sources_intro", "thanks", "goodbye",
    "restart", "notice", "source_line", "more_hint", "also_on", "clarify", "fallback", "fallback_topic",
    "fallback_part", "fallback_suggest", "not_understood", "say_more", "advice", "advice_related", "emergency", "crisis", "empty",
    "too_long", "no_topic", "first_slide", "last_slide", "no_such_slide", "slide_heading", "slide_name",
    "image_credits", "emergency_call", "slideshow", "source_short", *(f"widget_{name}" for name in WIDGET_LINES),
)  # fmt: skip
# The placeholders every framing line may use (`Voice` fills them from the packs), and those only some lines are given.
PLACEHOLDERS = {
    "pack_title", "publisher", "reviewer", "review_date", "topics", "count", "emergency_number", "slideshows", "pack_titles",
}  # fmt: skip
OWN_PLACEHOLDERS = {
    "source_line": {"title", "number", "count"}, "slide_heading": {"title", "number", "count"},
    "slide_name": {"title", "number"}, "no_such_slide": {"number", "count"}, "too_long": {"max_chars"},
    "clarify": {"titles"}, "also_on": {"titles"}, "advice_related": {"titles"}, "fallback_suggest": {"titles"},
    "fallback_topic": {"topic"}, "fallback_part": {"topic"}, "image_credits": {"credits"},
    "source_short": {"title", "number", "count"},
}  # fmt: skip
# The widget's lines are shown as they stand, but for the number its emergency line is given (the tag's, or the
# service's), which it must name: it is shown whenever the service cannot answer.
UNFILLED = {f"widget_{name}" for name in WIDGET_LINES} - {"widget_emergency"}
WIDGET_FILLED = {"widget_emergency": {"emergency_number"}}
REQUIRED = {"widget_emergency": "emergency_number", "emergency_call": "emergency_number"}
FILLING = {"slideshow": PLACEHOLDERS - {"slideshows"}}  # what fills {slideshows} cannot name itself
MESSAGE_CHARS = range(20, 100_001)  # the shortest limit a question fits in, the longest message anyone means to type
NUMBER_WORDS = range(-1000, 1001)  # slide numbers ("ten"), or counted from the end ("last": -1)
TOP_KEYS = {
    "emergency_number",
    "crisis_lines",
    "limits",
    "lead_ins",
    "trail_offs",
    "asking",
    "joining",
    "referring",
    "comparing",
    "defining",
    "premise",
    "pointing",
    "telling",
    "closing",
    "dictated",
    "intents",
    "commands",
    "number_words",
    "lines",
}


def conversation_from(path: Path) -> tuple[Conversation, list[Problem]]:
    """The conversation rules in `path`, and every problem found in them."""
    data, problems = read_yaml(path)
    if problems:  # read nothing more into a file that cannot be read
        return _conversation(FileCheck(shown(path)), LineDict()), problems
    check = FileCheck(shown(path))
    return _conversation(check, check.mapping(data, 1, "the file")), check.problems


def _conversation(check: FileCheck, data: LineDict) -> Conversation:
    if data:
        check.keys(data, "the conversation", TOP_KEYS)
    number = data.get("emergency_number", "911")
    check.text_value(number, data.line_of("emergency_number"), "'emergency_number'", 'quoted text, like "911"')
    limits = check.mapping(data.get("limits", LineDict()), data.line_of("limits"), "'limits'")
    max_chars = limits.get("max_message_chars", 1000)
    if not _whole(max_chars) or max_chars not in MESSAGE_CHARS:
        lowest, highest = MESSAGE_CHARS[0], MESSAGE_CHARS[-1]
        message = f"'max_message_chars' must be a whole number of at least {lowest} and at most {highest} (characters)"
        check.problem(limits.line_of("max_message_chars"), message)
        max_chars = 1000
    (intents, filler), commands = _intents(check, data), _commands(check, data)
    marks = _marks(check, data)
    conversation = Conversation(
        emergency_number=str(number),
        crisis_lines=FrozenMap(_strings(check, data, "crisis_lines")),
        max_message_chars=max_chars,
        lead_ins=_pattern(check, data.get("lead_ins", "^$"), data.line_of("lead_ins")),
        trail_offs=_pattern(check, data.get("trail_offs", "^$"), data.line_of("trail_offs")),
        asking=_pattern(check, data.get("asking", "^$"), data.line_of("asking")),
        joining=_pattern(check, data.get("joining", "^$"), data.line_of("joining")),
        referring=_pattern(check, data.get("referring", "^$"), data.line_of("referring")),
        comparing=_pattern(check, data.get("comparing", "^$"), data.line_of("comparing")),
        defining=_pattern(check, data.get("defining", "^$"), data.line_of("defining")),
        premise=_pattern(check, data.get("premise", "^$"), data.line_of("premise")),
        pointing=_pattern(check, data.get("pointing", "^$"), data.line_of("pointing")),
        telling=_pattern(check, data.get("telling", "^$"), data.line_of("telling")),
        closing=_pattern(check, data.get("closing", "^$"), data.line_of("closing")),
        dictated=Pattern(r"\s*\b(?i:" + "|".join(re.escape(word) for word in sorted(marks, key=len, reverse=True)) + r")\b")
        if marks
        else Pattern(NEVER),
        marks=FrozenMap(marks),
        intents=FrozenMap(intents),
        filler=filler,
        commands=FrozenMap(commands),
        number_words=FrozenMap(_numbers(check, data)),
        lines=FrozenMap(_lines(check, data)),
    )
    return conversation


def _pattern(check: FileCheck, value: object, line: int, whole: bool = False) -> Pattern:
    """The pattern at `value`, checked to compile and to end in bounded time on any message (a message compiles it
    again when it first needs it); `whole`: it must match a whole message, as a command does."""
    value = check.text_value(value, line, "a pattern")
    if value is None:
        return Pattern(NEVER)
    problem = regex_problem(value, whole)
    if problem is not None:
        check.problem(line, f"pattern {quoted(value)} {problem}")
        return Pattern(NEVER)
    if value.startswith("(?") and not _in_a_group(value):  # only an opening "(?" can set flags for the whole
        check.problem(line, f"pattern {quoted(value)} sets flags for the whole expression; set them on a group, as (?i:...)")
        return Pattern(NEVER)
    return Pattern(value)


def _in_a_group(pattern: str) -> bool:
    """Whether the pattern still compiles as one of several searched together (as `either` joins them)."""
    try:
        re.compile(either([pattern]))
    except re.error:
        return False
    return True


def _patterns(check: FileCheck, value: object, line: int, what: str) -> tuple[str, ...]:
    """The patterns at `value`, each checked; broken ones are reported and left out."""
    items = value if isinstance(value, LineList) else check.sequence(value, line, what)
    if not items:
        check.problem(line, f"{what} has no patterns")
    good = []
    for index, item in enumerate(items):
        compiled = _pattern(check, item, items.line_of(index))
        if compiled.pattern != NEVER:
            good.append(compiled.pattern)
    return tuple(good)


def _intents(check: FileCheck, data: LineDict) -> tuple[Phrasebook, frozenset[str]]:
    """The small-talk phrases, filed by the words they open with, and the filler words read beside them."""
    table = check.mapping(data.get("intents", LineDict()), data.line_of("intents"), "'intents'")
    check.keys(table, "'intents'", {*INTENTS, "filler"}, {PARTING})
    named: dict[str, list[Node]] = {}
    for name in (*INTENTS, PARTING):
        items = table.get(name, LineList() if name == PARTING else None)
        items = items if isinstance(items, LineList) else check.sequence(items, table.line_of(name), f"intent '{name}'")
        if not items and name != PARTING:
            check.problem(table.line_of(name), f"intent '{name}' has no phrases")
        label = f"intent '{name}': a phrase"
        for index, item in enumerate(items):
            line = items.line_of(index)
            if check.text_value(item, line, label) is None:
                continue
            try:
                named.setdefault(name, []).append(parsed(item))
            except ValueError as error:
                check.problem(line, f"intent '{name}': phrase {item!r} {error}")
    filler = table.get("filler", LineList())
    filler = filler if isinstance(filler, LineList) else check.sequence(filler, table.line_of("filler"), "'filler'")
    said = [check.text_value(item, filler.line_of(index), "a filler word") for index, item in enumerate(filler)]
    return phrasebook(named), frozenset(stem(word) for item in said if item for word in words(item))


def _commands(check: FileCheck, data: LineDict) -> dict[str, Pattern]:
    table = check.mapping(data.get("commands", LineDict()), data.line_of("commands"), "'commands'")
    check.keys(table, "'commands'", set(COMMANDS))
    found = {  # a command is matched against a whole message
        name: _pattern(check, table[name], table.line_of(name), whole=True) if name in table else Pattern(NEVER)
        for name in COMMANDS
    }
    for name, groups in COMMAND_GROUPS.items():
        for group in groups:
            if group not in re.compile(found[name].pattern).groupindex and name in table:
                check.problem(table.line_of(name), f"command '{name}' needs a group (?P<{group}>...)")
    return found


def _numbers(check: FileCheck, data: LineDict) -> dict[str, int]:
    table = check.mapping(data.get("number_words", LineDict()), data.line_of("number_words"), "'number_words'")
    found = {}
    for word, value in table.items():
        if not _whole(value) or value not in NUMBER_WORDS:
            lowest, highest = NUMBER_WORDS[0], NUMBER_WORDS[-1]
            message = f"must map to a whole number from {lowest} to {highest} (a slide number; -1 is the last slide)"
            check.problem(table.line_of(word), f"number word {word!r} {message}")
            continue
        found[str(word)] = value
    return found


def _strings(check: FileCheck, data: LineDict, key: str) -> dict[str, str]:
    table = check.mapping(data.get(key, LineDict()), data.line_of(key), f"'{key}'")
    found = {}
    for name, value in table.items():
        if check.text_value(value, table.line_of(name), f"'{key}' entry {name!r}") is not None:
            found[str(name)] = normalised(value)
    return found


def _marks(check: FileCheck, data: LineDict) -> dict[str, str]:
    """The words voice typing writes for punctuation ("full stop"), each with its mark (".")."""
    table = check.mapping(data.get("dictated", LineDict()), data.line_of("dictated"), "'dictated'")
    marks = {}
    for spoken, mark in table.items():
        line = table.line_of(spoken)
        word = " ".join(str(spoken).lower().split())
        if not re.fullmatch(r"[a-z]+( [a-z]+)*", word):
            check.problem(line, f"'dictated' entry {spoken!r} must be words of letters, like 'full stop'")
        elif not isinstance(mark, str) or mark not in (",", ".", "?", "!", ";", ":"):
            check.problem(line, f"'dictated' entry {spoken!r} must stand for one mark: , . ? ! ; or :")
        else:
            marks[word] = mark
    return marks


def _lines(check: FileCheck, data: LineDict) -> dict[str, str]:
    lines = _strings(check, data, "lines")
    table = data.get("lines")
    table = table if isinstance(table, LineDict) else LineDict()
    for name in LINES:
        if name not in lines and name not in table:
            check.problem(table.line, f"'lines' has no '{name}'")
    for name, value in lines.items():
        line = table.line_of(name)
        if name not in LINES:
            check.problem(line, f"'lines' has an unknown line {name!r}")
            continue
        for problem in _placeholder_problems(name, value):
            check.problem(line, f"line '{name}' {problem}")
    return lines


def _placeholder_problems(name: str, value: str) -> list[str]:
    """What is wrong with the {placeholders} of framing line `name`: each must be one this line is given, written
    plainly; a format ({count:>300000000}) or a conversion ({title!r}) could make every reply huge, or fail."""
    try:
        fields = list(string.Formatter().parse(value))
    except ValueError as error:
        return [f"has a broken placeholder: {error} (write a brace itself as {{{{ or }}}})"]
    allowed = set() if name in UNFILLED else FILLING.get(name, PLACEHOLDERS | OWN_PLACEHOLDERS.get(name, set()))
    allowed = WIDGET_FILLED.get(name, allowed)
    problems = []
    if name in REQUIRED and REQUIRED[name] not in {field for _, field, _, _ in fields}:
        problems.append(f"must name the number to call, as {{{REQUIRED[name]}}}")
    for _, field, spec, conversion in fields:
        if field is None:
            continue
        if field not in allowed:
            known = f"it may use {', '.join('{' + known + '}' for known in sorted(allowed))}" if allowed else "it has none"
            problems.append(f"has an unknown placeholder {{{excerpt(field)}}}: {known}")
        elif spec or conversion:
            written = excerpt(f"{{{field}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}")
            problems.append(f"writes the placeholder {written} with a format: write it plainly, as {{{field}}}")
    return problems


def _whole(value: object) -> bool:
    """Whether YAML read `value` as a whole number (not true or false, which Python counts as numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def either(patterns: Iterable[str]) -> str:
    """One pattern matching wherever any of `patterns` matches."""
    return "|".join(f"(?:{pattern})" for pattern in patterns) or NEVER
