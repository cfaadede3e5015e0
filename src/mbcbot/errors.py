"""Exceptions: every problem names its file and line."""

from __future__ import annotations

import os
from typing import NamedTuple


class Problem(NamedTuple):
    """One thing wrong in a knowledge or transcript file."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


def shown(path: str | os.PathLike[str]) -> str:
    """The path as a person reads it: relative to here when below here (pathlib stays out of a start)."""
    relative = os.path.relpath(path)
    return os.fspath(path) if relative.startswith("..") else relative


class MbcbotError(Exception):
    """Base class of every error mbcbot reports to a person."""


class KnowledgeError(MbcbotError):
    """The knowledge folder cannot be served; holds every problem found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
