"""Half of a large load read by a forked child gives exactly what one process reads.

A child is forked only where no other thread runs. Tests in this process may
have left threads behind, so the forking cases run in a fresh interpreter.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from knowledge_edits import PACK, copy_knowledge
from mbcbot import forked

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a child is forked on Linux only")

CHECKS = """
import os
import sys
from pathlib import Path
from mbcbot import forked, knowledge
from mbcbot.bot import Bot
from mbcbot.errors import KnowledgeError
from mbcbot.matching import Matcher
from mbcbot.text import Reader

def square(number):
    return number * number

def refused(at):
    def work(number):
        if number == at:
            raise ValueError(str(at))
        return number
    return work

assert forked.can_fork(), "another thread runs in a fresh interpreter"
items = list(range(11))
assert forked.mapped(square, items, [1] * 11, 0, lambda: "meanwhile") == ([n * n for n in items], "meanwhile")
# An error in the child's half, in the parent's, or in what the parent does meanwhile
for work, meanwhile, error in ((refused(7), str, "7"), (refused(2), str, "2"), (abs, lambda: refused(0)(0), "0")):
    try:
        forked.mapped(work, items, [1] * 11, 0, meanwhile)
        raise AssertionError("no error")
    except ValueError as raised:
        assert str(raised) == error
    try:
        os.waitpid(-1, os.WNOHANG)
        raise AssertionError("a child was left behind")
    except ChildProcessError:
        pass

def loaded(folder, share_from):
    knowledge.SHARE_FROM_BYTES = share_from
    reader = Reader()
    try:
        return knowledge.load_knowledge(Path(folder), reader), reader
    except KnowledgeError as error:
        return [(problem.file.split("/")[-2:], problem.line, problem.message) for problem in error.problems], None

ASKED = ["what happens if it spreads to the liver", "bone pain", "lymf nodes", "can it cause seizures", "jaundice"]
for folder in sys.argv[1:]:
    (alone, read_alone), (shared, read_shared) = loaded(folder, 10**12), loaded(folder, 0)
    assert shared == alone, (shared, alone)
    if read_shared is not None:  # and what is made of it: the same vocabulary and replies
        assert read_shared.words_read == read_alone.words_read
        bots = [Bot(k, None, Matcher(k, r)) for k, r in ((alone, read_alone), (shared, read_shared))]
        assert [bots[0].reply(m)[0] for m in ASKED] == [bots[1].reply(m)[0] for m in ASKED]
    print(folder.split("/")[-1], "problems" if isinstance(shared, list) else "loaded", len(shared.packs if not isinstance(shared, list) else shared))
"""


def _three_packs(folder: Path) -> Path:
    """The real knowledge with two more copies of its pack under other ids (the review stamp still holds)."""
    copy_knowledge(folder)
    for copy in ("copy-a", "copy-b"):
        shutil.copytree(folder / PACK, folder / copy)
        meta = folder / copy / "pack.yaml"
        meta.write_text(re.sub(r"(?m)^id: .*$", f"id: {copy}", meta.read_text(encoding="utf-8")), encoding="utf-8")
    return folder


def test_a_child_reads_half_and_the_result_is_the_same(tmp_path: Path) -> None:
    good = _three_packs(tmp_path / "good")
    changed = _three_packs(tmp_path / "changed")
    slides = changed / "copy-b" / "slides.yaml"  # a problem found by the child is reported as the parent finds it
    slides.write_text(slides.read_text(encoding="utf-8").replace("text: ", "text: Changed. ", 1), encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", CHECKS, str(good), str(changed)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split("\n")[:2] == ["good loaded 3", "changed problems 1"]


def test_no_child_while_other_threads_run() -> None:
    stop = threading.Event()
    waiting = threading.Thread(target=stop.wait)
    waiting.start()
    try:
        assert not forked.can_fork()
        assert forked.mapped(abs, [-1, 2, -3], [1, 1, 1], 0, lambda: 4) == ([1, 2, 3], 4)
    finally:
        stop.set()
        waiting.join()
