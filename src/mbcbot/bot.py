"""The facade every front end uses: load knowledge once, then reply turn by turn."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from mbcbot.dialogue import Dialogue
from mbcbot.knowledge import load_knowledge
from mbcbot.model import Knowledge, Reply, Session

KNOWLEDGE_ENV = "MBCBOT_KNOWLEDGE"
EMERGENCY_ENV = "MBCBOT_EMERGENCY_NUMBER"


def default_knowledge_dir() -> Path:
    """$MBCBOT_KNOWLEDGE, else the knowledge shipped in the package, else the source checkout's."""
    configured = os.environ.get(KNOWLEDGE_ENV)
    if configured:
        return Path(configured)
    shipped = Path(__file__).resolve().parent / "knowledge"
    return shipped if shipped.is_dir() else Path(__file__).resolve().parents[2] / "knowledge"


class Bot:
    """A loaded, validated knowledge base that answers messages."""

    def __init__(self, knowledge: Knowledge, emergency_number: str | None = None) -> None:
        self.knowledge = knowledge
        self.dialogue = Dialogue(knowledge, emergency_number or os.environ.get(EMERGENCY_ENV) or None)

    @classmethod
    def load(cls, root: Path | None = None, emergency_number: str | None = None) -> Bot:
        """Load and validate `root` (default: default_knowledge_dir()); raises KnowledgeError."""
        return cls(load_knowledge(root or default_knowledge_dir()), emergency_number)

    def reply(self, message: str, session: Session | None = None, explain: bool = False) -> tuple[Reply, Session]:
        """The reply to one message and the session that follows it."""
        session = session or Session()
        reply, after = self.dialogue.reply(message, session)
        if explain:
            reply = replace(reply, explanation=self.dialogue.explained(message, session))
        return reply, after

    def welcome(self) -> str:
        """The opening lines of a conversation."""
        voice = self.dialogue.voice
        return voice.line("welcome") + "\n" + voice.line("welcome_hint")

    def topics(self) -> tuple[str, ...]:
        """Slide titles, for completion and suggestions."""
        return tuple(slide.title for slide in self.knowledge.slides)
