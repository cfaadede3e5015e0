"""Inputs the fuzz targets (fuzz/) found to break an invariant, replayed through the public functions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from knowledge_edits import STAMP
from mbcbot.errors import KnowledgeError
from mbcbot.knowledge import load_knowledge
from mbcbot.transcripts import load_transcript


@pytest.mark.parametrize("content", [b"titlei tA", b"- user: hi\n- user: there\n", b"42\n"])
def test_a_transcript_that_is_not_a_mapping_is_one_problem_on_line_1(tmp_path: Path, content: bytes) -> None:
    # Found by the transcripts target: besides "must be a mapping" on line 1, the missing
    # 'title' and 'turns' were reported on line 0 of a file that has neither.
    path = tmp_path / "fuzzed.yaml"
    path.write_bytes(content)
    transcript, problems = load_transcript(path)
    assert transcript is None
    assert [(p.line, p.message.split(",")[0]) for p in problems] == [(1, "a transcript must be a mapping")], problems


def test_a_stamp_digest_that_is_not_ascii_is_a_problem_not_a_crash(knowledge_copy: Path) -> None:
    # Found by the knowledge target: a stamp.yaml whose slide digest holds a non-ASCII character.
    stamp = knowledge_copy / STAMP
    text = stamp.read_text(encoding="utf-8")
    head, slides = text.split("\nslides:\n")  # slide 1's text digest, not its title's
    stamp.write_text(head + "\nslides:\n" + re.sub(r"(?m)^  1: \w+$", "  1: caf\u00e9", slides), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    line = next(n for n, row in enumerate(stamp.read_text(encoding="utf-8").splitlines(), start=1) if row == "  1: caf\u00e9")
    assert [(p.line, p.message) for p in raised.value.problems if p.file.endswith("stamp.yaml")] == [
        (line, "the stamp's digest of slide 1 must be 64 hex digits; run `mbcbot stamp`")
    ]


def test_an_impossible_date_in_the_stamp_is_a_problem_on_its_line(knowledge_copy: Path) -> None:
    # Found by the knowledge target: PyYAML reads 2022-81-19 as a date and fails to make it.
    stamp = knowledge_copy / STAMP
    text = stamp.read_text(encoding="utf-8")
    stamp.write_text(re.sub(r"(?m)^date: .*$", "date: 2022-81-19", text), encoding="utf-8")
    line = next(n for n, row in enumerate(stamp.read_text(encoding="utf-8").splitlines(), start=1) if row.startswith("date:"))
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    assert [(p.line, p.message) for p in raised.value.problems if p.file.endswith("stamp.yaml")] == [
        (line, "'2022-81-19' is not a valid value (month must be in 1..12)")
    ]


def test_a_missing_section_is_reported_on_a_real_line(knowledge_copy: Path) -> None:
    # Found by the knowledge target: without an 'intents' section, its missing intents were reported on line 0.
    conversation = knowledge_copy / "conversation.yaml"
    text = conversation.read_text(encoding="utf-8")
    start, end = text.index("\nintents:"), text.index("\ncommands:")
    conversation.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        load_knowledge(knowledge_copy)
    missing = [p for p in raised.value.problems if "'intents' has no" in p.message]
    assert len(missing) == 6 and all(p.line >= 1 for p in missing), missing  # five intents and the filler words
