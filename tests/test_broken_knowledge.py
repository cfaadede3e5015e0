"""Malformed knowledge: each break is refused with its file, line and a clear message, all at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from knowledge_edits import (
    PACK_LEXICON,
    PACK_META,
    SLIDES,
    STAMP,
    block_end,
    insert_after,
    line_of,
    lines_of,
    replace_line,
    slide_line,
    substitute,
)
from mbcbot import yamlfile
from mbcbot.errors import KnowledgeError, Problem
from mbcbot.knowledge import load_knowledge

CONVERSATION = "conversation.yaml"
LEXICON = "lexicon.yaml"


class Expected(NamedTuple):
    """One problem a broken copy must report: which file, which line, and a stable part of the message."""

    file: str
    line: int
    fragment: str


Break = Callable[[Path], Expected]


def lexicon(synonyms: str = "{}", not_covered: str = "[]", forms: str = "{}") -> str:
    """A complete lexicon.yaml: stopwords on line 1, forms 2, synonyms 3, not_covered after."""
    return f"stopwords: []\nforms: {forms}\nsynonyms: {synonyms}\nnot_covered: {not_covered}\n"


def conversation_line(root: Path, prefix: str) -> int:
    """The one line of conversation.yaml that starts with `prefix`."""
    [line] = [n for n, text in enumerate(lines_of(root / CONVERSATION), start=1) if text.startswith(prefix)]
    return line


def on_slide_5(key: str, new: tuple[str, ...], fragment: str, at_slide_start: bool = False) -> Break:
    """Replace the `key` line of slide 5 by the lines `new`; the problem is on that line (or where the slide starts)."""

    def apply(root: Path) -> Expected:
        start, line = slide_line(root / SLIDES, 5, "number"), slide_line(root / SLIDES, 5, key)
        replace_line(root / SLIDES, line, *new)
        return Expected(SLIDES, start if at_slide_start else line, fragment)

    return apply


def yaml_syntax_error(root: Path) -> Expected:
    line = slide_line(root / SLIDES, 5, "title")
    replace_line(root / SLIDES, line, "    title: Liver: the organ")
    return Expected(SLIDES, line, "YAML syntax error: mapping values are not allowed")


def duplicate_yaml_key(root: Path) -> Expected:
    first = slide_line(root / SLIDES, 5, "title")
    insert_after(root / SLIDES, first, "    title: Liver again")
    return Expected(SLIDES, first + 1, f"duplicate key 'title' (first on line {first})")


def invalid_utf8(root: Path) -> Expected:
    path = root / SLIDES
    line = substitute(path, "called jaundice", "called jaundice")
    path.write_bytes(path.read_bytes().replace(b"called jaundice", b"called jaund\xffice"))
    return Expected(SLIDES, line, "is not valid UTF-8")


def empty_file(root: Path) -> Expected:
    (root / LEXICON).write_text("# nothing here yet\n\n", encoding="utf-8")
    return Expected(LEXICON, 1, "file is empty")


def over_size_limit(root: Path) -> Expected:
    path = root / CONVERSATION
    path.write_text(path.read_text(encoding="utf-8") + "#" * yamlfile.MAX_FILE_BYTES + "\n", encoding="utf-8")
    return Expected(CONVERSATION, 1, f"the limit is {yamlfile.MAX_FILE_BYTES}")


def alias_bomb(root: Path) -> Expected:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    rows += [f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]" for a, b in zip("abcdefgh", "bcdefghi", strict=True)]
    (root / LEXICON).write_text("\n".join(rows) + "\n", encoding="utf-8")
    return Expected(LEXICON, 1, "YAML aliases (*name) are not allowed")


def top_level_list(root: Path) -> Expected:
    (root / SLIDES).write_text("- one\n- two\n", encoding="utf-8")
    return Expected(SLIDES, 1, "the file must be a mapping, not a list")


def missing_text(root: Path) -> Expected:
    path = root / SLIDES
    start, text = slide_line(path, 5, "number"), slide_line(path, 5, "text")
    for _ in range(text, block_end(path, text) + 1):
        replace_line(path, text)
    return Expected(SLIDES, start, "slide 5 has no 'text'")


def unknown_key(root: Path) -> Expected:
    line = slide_line(root / SLIDES, 5, "id")
    insert_after(root / SLIDES, line, "    colour: blue")
    return Expected(SLIDES, line + 1, "slide 5 has an unknown key 'colour'")


def duplicate_slide_id(root: Path) -> Expected:
    line, first = slide_line(root / SLIDES, 5, "id"), slide_line(root / SLIDES, 4, "id")
    replace_line(root / SLIDES, line, "    id: bones")
    return Expected(SLIDES, line, f"id 'bones' is already used on line {first}")


def in_conversation(prefix: str, new: str, fragment: str) -> Break:
    """Replace the line of conversation.yaml starting with `prefix` by `new`."""

    def apply(root: Path) -> Expected:
        line = conversation_line(root, prefix)
        replace_line(root / CONVERSATION, line, new)
        return Expected(CONVERSATION, line, fragment)

    return apply


def missing_framing_line(root: Path) -> Expected:
    replace_line(root / CONVERSATION, conversation_line(root, "  first_slide:"))
    lines = lines_of(root / CONVERSATION)
    first_entry = next(n for n in range(line_of(root / CONVERSATION, "lines:") + 1, len(lines)) if lines[n - 1].startswith("  "))
    return Expected(CONVERSATION, first_entry, "'lines' has no 'first_slide'")


def in_lexicon(content: str, line: int, fragment: str) -> Break:
    def apply(root: Path) -> Expected:
        (root / LEXICON).write_text(content, encoding="utf-8")
        return Expected(LEXICON, line, fragment)

    return apply


def topic_id_in_two_lexicons(root: Path) -> Expected:
    """The shared lexicon and the pack's own give one not-covered subject id to two subjects."""
    (root / LEXICON).write_text(lexicon(not_covered="\n  - id: vampires\n    topic: Vampires\n    terms: [vampire]"))
    (root / PACK_LEXICON).write_text("not_covered:\n  - id: vampires\n    topic: Bats\n    terms: [bat]\n", encoding="utf-8")
    return Expected(PACK_LEXICON, 2, "not-covered subject id 'vampires' of 'Bats' is already the id of 'Vampires' in")


def substituted(file: str, old: str, new: str, fragment: str) -> Break:
    """Replace the one `old` in `file` by `new`; the problem is on the line it stood on."""

    def apply(root: Path) -> Expected:
        return Expected(file, substitute(root / file, old, new), fragment)

    return apply


BOOLEAN = "YAML reads an unquoted yes, no, on, off, true or false as a boolean, so quote the word ('yes')"
NOTHING = "YAML reads an empty value, or an unquoted null or ~, as nothing, so write the text, quoted ('null')"


def stamp_missing(root: Path) -> Expected:
    (root / STAMP).unlink()
    return Expected(STAMP, 1, "the pack has no review stamp")


def in_stamp(old: str, new: str, fragment: str) -> Break:
    def apply(root: Path) -> Expected:
        return Expected(STAMP, substitute(root / STAMP, old, new), fragment)

    return apply


def text_changed(root: Path) -> Expected:
    substitute(root / SLIDES, "liver, you may have pain", "liver, you might have pain")
    return Expected(SLIDES, slide_line(root / SLIDES, 5, "text"), "slide 5 (Liver) has changed since its review")


def title_changed(root: Path) -> Expected:
    substitute(root / SLIDES, "title: Liver", "title: 'Stop chemo; vitamin C cures'")
    return Expected(
        SLIDES, slide_line(root / SLIDES, 5, "title"), "the title of slide 5 (Stop chemo; vitamin C cures) has changed"
    )


def emergency_line_changed(root: Path) -> Expected:
    substitute(root / PACK_META, "immediately call your doctor\n  or dial", "wait and see how you feel tomorrow\n  then dial")
    return Expected(PACK_META, line_of(root / PACK_META, "emergency_line: >-"), "the pack's 'emergency_line' has changed")


def stamp_reviewer_edited(root: Path) -> Expected:
    substitute(root / STAMP, "reviewer: 'Brunilda Nazario, MD'", "reviewer: 'Dr Someone Else'")
    return Expected(STAMP, _sha_line(root), "does not match its digests")


def _sha_line(root: Path) -> int:
    return next(n for n, text in enumerate(lines_of(root / STAMP), start=1) if text.startswith("sha256: "))


def stamp_of_texts_only(root: Path) -> Expected:
    text = (root / STAMP).read_text(encoding="utf-8")
    kept = text[: text.index("pack:\n")] + text[text.index("slides:\n") :]
    (root / STAMP).write_text(kept, encoding="utf-8")
    return Expected(STAMP, 1, "the stamp covers the slide texts only, not their titles and the pack's details")


def missing_publisher(root: Path) -> Expected:
    first_key = line_of(root / PACK_META, "id: metastatic-breast-cancer")
    replace_line(root / PACK_META, line_of(root / PACK_META, "publisher: WebMD"))
    return Expected(PACK_META, first_key, "the pack has no 'publisher'")


def intent_phrase_unclosed(root: Path) -> Expected:
    substitute(root / CONVERSATION, "    - what do you (know|cover|do)\n", "    - what do you (know|cover|do\n")
    line = line_of(root / CONVERSATION, "    - what do you (know|cover|do")
    return Expected(CONVERSATION, line, "intent 'help': phrase 'what do you (know|cover|do' has a '(' that is never closed")


CASES: dict[str, Break] = {
    "yaml-syntax-error": yaml_syntax_error,
    "tab-indentation": on_slide_5("id", ("\tid: liver",), "found a tab character"),
    "number-for-text": on_slide_5("title", ("    title: 42",), "slide 5 'title' must be non-empty text, not a number (42)"),
    "mapping-for-list": on_slide_5(
        "keywords", ("    keywords: {liver: organ}",), "slide 5 'keywords' must be a list, not a mapping"
    ),
    "missing-slide-id": on_slide_5("id", (), "slide 5 has no 'id'", at_slide_start=True),
    "duplicate-slide-id": duplicate_slide_id,
    "missing-text": missing_text,
    "unknown-key": unknown_key,
    "numbers-out-of-order": on_slide_5("number", ("  - number: 6",), "slide 6: 'number' must be 5"),
    "duplicate-yaml-key": duplicate_yaml_key,
    "invalid-utf8": invalid_utf8,
    "empty-file": empty_file,
    "over-size-limit": over_size_limit,
    "alias-bomb": alias_bomb,
    "top-level-list": top_level_list,
    "missing-publisher": missing_publisher,
    "invalid-regex": in_conversation("  more: ", "  more: '((more|go on)'", "is not a valid regular expression"),
    "flags-for-the-whole-pattern": in_conversation("  more: ", "  more: '(?i)more'", "sets flags for the whole expression"),
    "unicode-flag-for-the-whole-pattern": in_conversation(
        "  more: ", "  more: '(?u)more'", "sets flags for the whole expression"
    ),
    "intent-phrase-unclosed": intent_phrase_unclosed,
    "slide-command-without-group": in_conversation("  slide: ", "  slide: 'slide (\\d+)'", "command 'slide' needs a group"),
    "unquoted-emergency-number": in_conversation("emergency_number:", "emergency_number: 911", "must be quoted text"),
    "tiny-message-limit": in_conversation("  max_message_chars:", "  max_message_chars: 5", "at least 20"),
    "dictated-word-not-letters": in_conversation("  full stop:", '  full-stop!: "."', "must be words of letters"),
    "dictated-mark-not-punctuation": in_conversation(
        "  question mark:", '  question mark: "question"', "must stand for one mark"
    ),
    "missing-framing-line": missing_framing_line,
    "unknown-placeholder": in_conversation(
        "  first_slide:", "  first_slide: This is slide {nmber}.", "unknown placeholder {nmber}"
    ),
    "broken-placeholder": in_conversation("  first_slide:", "  first_slide: This is slide {number.", "broken placeholder"),
    "unknown-framing-line": in_conversation(
        "  first_slide:", "  frist_slide: This is the first slide.", "unknown line 'frist_slide'"
    ),
    "synonym-target-not-in-slides": in_lexicon(
        lexicon("\n  zebra: [stripy horse]"), 4, "synonym target 'zebra' does not stand in any slide"
    ),
    "variant-in-slide-text": in_lexicon(lexicon("\n  belly: [jaundice]"), 4, "synonym 'jaundice' stands in the slide text"),
    "variant-claimed-twice": in_lexicon(lexicon("\n  belly: [tummy]\n  liver: [tummy]"), 5, "'tummy' is already claimed"),
    "not-covered-term-in-slide-text": in_lexicon(
        lexicon(not_covered="\n  - id: jaundice\n    topic: Jaundice\n    terms: [jaundice]"),
        7,
        "not-covered term 'jaundice' stands in the slide text",
    ),
    "unquoted-yes-in-synonyms": in_lexicon(
        lexicon("\n  belly: [tummy, yes]"), 4, "not a boolean (True): YAML reads an unquoted yes, no, on, off"
    ),
    "unquoted-on-as-stopword": in_lexicon(
        lexicon().replace("stopwords: []", "stopwords: [the, on]"),
        1,
        f"a stopword must be non-empty text, not a boolean (True): {BOOLEAN}",
    ),
    "unquoted-no-as-synonym-target": in_lexicon(
        lexicon("\n  no: [nope]"), 4, f"a synonym target must be non-empty text, not a boolean (False): {BOOLEAN}"
    ),
    "unquoted-off-as-form": in_lexicon(
        lexicon(forms="\n  off: of"), 3, f"a word of 'forms' must be non-empty text, not a boolean (False): {BOOLEAN}"
    ),
    "not-covered-subject-without-id": in_lexicon(
        lexicon(not_covered="\n  - topic: Vampires\n    terms: [vampire]"), 5, "a not-covered subject has no 'id'"
    ),
    "not-covered-id-not-lowercase-words": in_lexicon(
        lexicon(not_covered="\n  - id: Vampires etc\n    topic: Vampires\n    terms: [vampire]"),
        5,
        "not-covered subject 'Vampires' has id 'Vampires etc': an id is lowercase words joined by '-'",
    ),
    "not-covered-id-used-twice": in_lexicon(
        lexicon(
            not_covered="\n  - id: vampires\n    topic: Vampires\n    terms: [vampire]"
            "\n  - id: vampires\n    topic: Bats\n    terms: [bat]"
        ),
        8,
        "not-covered subject id 'vampires' is already the id of 'Vampires' on line 5",
    ),
    "not-covered-id-in-two-lexicons": topic_id_in_two_lexicons,
    "null-as-not-covered-term": in_lexicon(
        lexicon(not_covered="\n  - id: jaundice\n    topic: Jaundice\n    terms: [~]"),
        7,
        f"a term of 'Jaundice' must be non-empty text, not nothing: {NOTHING}",
    ),
    "unquoted-no-as-slide-title": on_slide_5(
        "title", ("    title: no",), f"slide 5 'title' must be non-empty text, not a boolean (False): {BOOLEAN}"
    ),
    "unquoted-yes-as-slide-keyword": on_slide_5(
        "keywords",
        ("    keywords: [liver, yes]",),
        f"slide 5 'keywords' item must be non-empty text, not a boolean (True): {BOOLEAN}",
    ),
    "null-as-slide-image": on_slide_5(
        "image", ("    image: ~",), f"slide 5 'image' must be non-empty text, not nothing: {NOTHING}"
    ),
    "unquoted-yes-as-filler-word": substituted(
        CONVERSATION, "yeah, 'yes',", "yeah, yes,", f"a filler word must be non-empty text, not a boolean (True): {BOOLEAN}"
    ),
    "unquoted-on-as-framing-line": in_conversation(
        "  first_slide:",
        "  first_slide: on",
        f"'lines' entry 'first_slide' must be non-empty text, not a boolean (True): {BOOLEAN}",
    ),
    "unquoted-off-as-command": in_conversation(
        "  more: ", "  more: off", f"a pattern must be non-empty text, not a boolean (False): {BOOLEAN}"
    ),
    "unquoted-emergency-number-in-full": in_conversation(
        "emergency_number:",
        "emergency_number: 911",
        "'emergency_number' must be quoted text, like \"911\", not a number (911): quote it",
    ),
    "unquoted-no-as-safety-phrase": substituted(
        "safety.yaml",
        "negation: ['no', not,",
        "negation: [no, not,",
        f"concept 'negation': a phrase must be non-empty text, not a boolean (False): {BOOLEAN}",
    ),
    "unquoted-yes-as-shorthand": substituted(
        "safety.yaml", "{u: you,", "{u: yes,", f"shorthand 'u' must be non-empty text, not a boolean (True): {BOOLEAN}"
    ),
    "linking-word-not-in-slides": in_lexicon(
        lexicon() + "linking: [zebra]\n", 5, "'linking' word 'zebra' is not one word of the slides"
    ),
    "place-meaning-words-not-in-slides": in_lexicon(
        lexicon() + "places: {means: zebra crossing, words: [skin]}\n",
        5,
        "'places' means 'zebra crossing', which does not stand in any slide",
    ),
    "place-of-two-words": in_lexicon(
        lexicon() + "places: {means: any part, where: [spread], words: [adrenal gland]}\n",
        5,
        "place 'adrenal gland' must be one word",
    ),
    "places-without-words": in_lexicon(lexicon() + "places: {means: any part}\n", 5, "'places' has no 'words'"),
    "missing-comma-in-a-list": in_lexicon(
        lexicon("\n  belly: [tummy, stomach\n    abdomen]"),
        4,
        "'stomach abdomen' runs over a line end inside [...]: is a comma missing?",
    ),
    "form-of-two-words": in_lexicon(lexicon(forms="\n  broke: two words"), 3, "must map one word to one word"),
    "stamp-missing": stamp_missing,
    "stamp-date-not-a-date": in_stamp("date: 2022-01-19", "date: someday", "'date' must be a date like 2022-01-19"),
    "stamp-sha-mismatch": in_stamp("sha256: ", "sha256: 0", "does not match its digests"),
    "text-changed-after-stamp": text_changed,
    "title-changed-after-stamp": title_changed,
    "emergency-line-changed-after-stamp": emergency_line_changed,
    "stamp-reviewer-edited-by-hand": stamp_reviewer_edited,
    "stamp-of-slide-texts-only": stamp_of_texts_only,
}


@pytest.fixture
def small_copy(knowledge_copy: Path) -> Path:
    """A copy of the knowledge with an empty lexicon: each case shows only its own problem, and loads fast."""
    (knowledge_copy / LEXICON).write_text(lexicon(), encoding="utf-8")
    (knowledge_copy / PACK_LEXICON).unlink()  # a pack's own lexicon is optional
    return knowledge_copy


def problems_of(root: Path) -> list[Problem]:
    """Every problem loading `root` reports (failing the test if it loads)."""
    with pytest.raises(KnowledgeError) as caught:
        load_knowledge(root)
    return caught.value.problems


def reported(problems: list[Problem], expected: Expected) -> bool:
    return any(
        p.file.replace("\\", "/").endswith(expected.file) and p.line == expected.line and expected.fragment in p.message
        for p in problems
    )


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 20


@pytest.mark.parametrize("name", sorted(CASES))
def test_broken_knowledge_is_refused_with_file_line_and_message(small_copy: Path, name: str) -> None:
    expected = CASES[name](small_copy)
    problems = problems_of(small_copy)
    assert reported(problems, expected), f"wanted {expected}, got:\n" + "\n".join(map(str, problems))
    assert all(str(p) == f"{p.file}:{p.line}: {p.message}" for p in problems)


def test_three_problems_in_three_files_are_reported_together(small_copy: Path) -> None:
    expected = [duplicate_slide_id(small_copy), CASES["invalid-regex"](small_copy)]
    expected.append(CASES["synonym-target-not-in-slides"](small_copy))
    problems = problems_of(small_copy)
    for one in expected:
        assert reported(problems, one), f"missing {one} in:\n" + "\n".join(map(str, problems))
    assert len({Path(p.file).name for p in problems}) == 3


UNREADABLE = ["yaml-syntax-error", "tab-indentation", "invalid-utf8", "empty-file", "over-size-limit", "alias-bomb"]


@pytest.mark.parametrize("name", UNREADABLE)
def test_an_unreadable_file_is_reported_once(small_copy: Path, name: str) -> None:
    expected = CASES[name](small_copy)
    problems = problems_of(small_copy)
    assert [p for p in problems if not reported([p], expected)] == []


def test_lexicon_sections_are_optional(small_copy: Path) -> None:
    (small_copy / LEXICON).write_text("synonyms:\n  belly: [tummy]\n", encoding="utf-8")
    assert load_knowledge(small_copy).lexicon.synonyms


def test_missing_folder_is_one_problem(tmp_path: Path) -> None:
    problems = problems_of(tmp_path / "nowhere")
    assert [(p.line, p.message) for p in problems] == [(1, "knowledge folder not found")]


def test_folder_without_pack(tmp_path: Path) -> None:
    assert any("no pack found" in p.message for p in problems_of(tmp_path))
