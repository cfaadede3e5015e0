"""Shared fixtures: one loaded bot for the whole run, and throw-away copies of the knowledge."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from knowledge_edits import KNOWLEDGE, copy_knowledge
from mbcbot.bot import EMERGENCY_ENV, KNOWLEDGE_ENV, Bot

# In CI the property tests draw the same examples every run, so a red build is reproducible;
# on a developer's machine they explore afresh each time.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@pytest.fixture(scope="session", autouse=True)
def _no_deployment_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests see the shipped defaults, whatever the shell running them has set, and keep their own cache."""
    with pytest.MonkeyPatch.context() as patch:
        for name in (KNOWLEDGE_ENV, EMERGENCY_ENV, "MBCBOT_NO_CACHE"):
            patch.delenv(name, raising=False)
        patch.setenv("MBCBOT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield


@pytest.fixture(scope="session")
def bot(_no_deployment_settings: None) -> Bot:
    """The bot over the real, reviewed knowledge (loaded once)."""
    return Bot.load(KNOWLEDGE)


@pytest.fixture
def knowledge_copy(tmp_path: Path) -> Path:
    """A private copy of the real knowledge folder, free to break."""
    return copy_knowledge(tmp_path / "knowledge")
