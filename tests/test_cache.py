"""The knowledge cache: data only, in a folder only its user can write; anything odd means a full load."""

from __future__ import annotations

import marshal
import os
import pickle
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from knowledge_edits import SLIDES, copy_knowledge
from mbcbot import cache
from mbcbot.bot import CACHED_KINDS, Bot
from mbcbot.matching import Matcher

LIVER = "If breast cancer spreads to your liver"
QUESTIONS = ("liver", "can it spread to my bones?", "what is metastatic breast cancer", "hello", "I can't breathe")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty private cache folder, in use for the test."""
    where = tmp_path / "cache"
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(where))
    return where


@pytest.fixture
def knowledge(tmp_path: Path) -> Path:
    return copy_knowledge(tmp_path / "knowledge")


def replies(bot: Bot) -> list[tuple[str, str]]:
    return [(reply.kind, reply.text) for reply in (bot.reply(question)[0] for question in QUESTIONS)]


def cache_file(folder: Path) -> Path:
    (found,) = folder.glob(f"*{cache.SUFFIX}")
    return found


def test_a_bot_from_the_cache_is_the_bot_from_the_files(folder: Path, knowledge: Path) -> None:
    fresh = Bot.load(knowledge)
    assert cache_file(folder).stat().st_size > 0
    again = cache.cached(str(knowledge), CACHED_KINDS)
    assert isinstance(again, Matcher)
    assert again.knowledge == fresh.knowledge
    assert replies(Bot.load(knowledge)) == replies(fresh)


def test_the_cache_is_private_and_holds_no_pickle(folder: Path, knowledge: Path) -> None:
    Bot.load(knowledge)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(cache_file(folder).stat().st_mode) == 0o600
    content = cache_file(folder).read_bytes()
    assert content.startswith(cache.FORMAT)
    with pytest.raises(pickle.UnpicklingError):
        pickle.loads(content)


def test_a_planted_pickle_is_never_run(bot: Bot, folder: Path, knowledge: Path, tmp_path: Path) -> None:
    Bot.load(knowledge)
    witness = tmp_path / "ran"
    planted = pickle.dumps(_Planted(str(witness)))
    cache_file(folder).write_bytes(planted)
    assert replies(Bot.load(knowledge)) == replies(bot)
    assert not witness.exists()


class _Planted:
    """A pickle that would create a file when unpickled."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (open, (self.path, "w"))


@pytest.mark.parametrize(
    "damage",
    [
        lambda content: content[: len(content) // 2],  # cut short
        lambda content: content[:-100] + bytes(100),  # zeroed at the end
        lambda content: b"",
        lambda content: content.replace(b"mbcbot-cache", b"mbcbot-cachx", 1),
        lambda content: os.urandom(4096),
    ],
    ids=["truncated", "zeroed", "empty", "other-format", "noise"],
)
def test_a_damaged_cache_means_a_full_load(bot: Bot, folder: Path, knowledge: Path, damage: object) -> None:
    Bot.load(knowledge)
    path = cache_file(folder)
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    assert cache.cached(str(knowledge), CACHED_KINDS) is None
    assert replies(Bot.load(knowledge)) == replies(bot)
    assert cache.cached(str(knowledge), CACHED_KINDS) is not None  # the full load wrote it again


def test_text_edited_inside_the_cache_is_never_served(folder: Path, knowledge: Path) -> None:
    Bot.load(knowledge)
    path = cache_file(folder)
    edited = path.read_bytes().replace(LIVER.encode(), b"If breast cancer spreads to your LIVER", 1)
    assert edited != path.read_bytes()
    path.write_bytes(edited)
    reply, _ = Bot.load(knowledge).reply("liver")
    assert LIVER in reply.text


def test_a_cache_naming_a_class_it_may_not_build_is_refused(folder: Path, knowledge: Path) -> None:
    Bot.load(knowledge)
    kinds = tuple(kind for kind in CACHED_KINDS if kind is not Matcher)
    assert cache.cached(str(knowledge), kinds) is None


def test_a_folder_others_can_write_turns_the_cache_off(folder: Path, knowledge: Path) -> None:
    folder.mkdir(mode=0o700)
    folder.chmod(0o777)
    Bot.load(knowledge)
    assert list(folder.iterdir()) == []
    assert cache.private_folder() is None


@pytest.mark.skipif(os.getuid() != 0, reason="giving a folder to another user needs root")
def test_a_folder_of_another_user_turns_the_cache_off(bot: Bot, folder: Path, knowledge: Path) -> None:
    folder.mkdir(mode=0o700)
    os.chown(folder, 65534, 65534)
    assert cache.private_folder() is None
    assert replies(Bot.load(knowledge)) == replies(bot)
    assert list(folder.iterdir()) == []


def test_a_linked_folder_turns_the_cache_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, knowledge: Path) -> None:
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    (tmp_path / "linked").symlink_to(real)
    monkeypatch.setenv(cache.CACHE_DIR_ENV, str(tmp_path / "linked"))
    Bot.load(knowledge)
    assert list(real.iterdir()) == []


def test_a_linked_cache_file_is_not_followed_and_its_target_is_left_alone(
    bot: Bot, folder: Path, knowledge: Path, tmp_path: Path
) -> None:
    Bot.load(knowledge)
    path = cache_file(folder)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    path.unlink()
    path.symlink_to(victim)
    assert cache.cached(str(knowledge), CACHED_KINDS) is None
    assert replies(Bot.load(knowledge)) == replies(bot)
    assert victim.read_text(encoding="utf-8") == "keep me"
    assert not cache_file(folder).is_symlink()


def test_a_cache_file_others_can_write_is_not_read(folder: Path, knowledge: Path) -> None:
    Bot.load(knowledge)
    cache_file(folder).chmod(0o666)
    assert cache.cached(str(knowledge), CACHED_KINDS) is None


def test_a_changed_knowledge_file_means_a_new_cache(folder: Path, knowledge: Path) -> None:
    Bot.load(knowledge)
    first = cache_file(folder).name
    slides = knowledge / SLIDES
    slides.write_text(slides.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    Bot.load(knowledge)
    assert cache_file(folder).name != first  # the old one is gone: one file per folder


def test_old_pickled_caches_are_removed(folder: Path, knowledge: Path) -> None:
    folder.mkdir(mode=0o700)
    (folder / "0123abcd.pickle").write_bytes(b"old")
    Bot.load(knowledge)
    assert sorted(path.suffix for path in folder.iterdir()) == [cache.SUFFIX]


def test_plain_values_round_trip_with_their_types_and_sharing() -> None:
    shared = ("a", frozenset({"b"}))
    value = {"x": (shared, shared), "y": [1, 2.5, None, True]}
    rows: list[cache.Row] = []
    encoded = cache._encoded(value, rows, {})
    assert encoded is value and rows == []  # plain all through: marshal holds it as it is
    again = marshal.loads(marshal.dumps(encoded))
    assert again == value and again["x"][0] is again["x"][1]


def test_equal_values_are_written_once_and_keep_their_types() -> None:
    value = {"x": [("chemo", frozenset({"fever"})), ("chemo", frozenset({"fever"}))], "y": [(1, (True,)), (1, (1,))]}
    shared = cache._shared(value, {}, {})
    assert shared == value and shared["x"][0] is shared["x"][1]  # equal tuples: one object, written once
    again = marshal.loads(marshal.dumps(shared))
    assert again == value and again["x"][0] is again["x"][1]
    assert [type(inner[0]) for _, inner in again["y"]] == [bool, int]  # equal but of different types: never merged
    assert len(marshal.dumps(shared)) < len(marshal.dumps(value))


def test_a_start_from_the_cache_answers_in_a_real_process(tmp_path: Path) -> None:
    env = {**os.environ, cache.CACHE_DIR_ENV: str(tmp_path / "cache")}
    env.pop(cache.NO_CACHE_ENV, None)
    runs = [
        subprocess.run([sys.executable, "-m", "mbcbot", "ask", "liver"], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [run.returncode for run in runs] == [0, 0]
    assert runs[0].stdout == runs[1].stdout and LIVER in runs[1].stdout
