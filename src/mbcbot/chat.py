"""The interactive terminal conversation (prompt-toolkit lives here and nowhere else)."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import WordCompleter
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.output.color_depth import ColorDepth

from mbcbot.bot import Bot
from mbcbot.console import Observer, as_text, wrapped
from mbcbot.errors import MbcbotError
from mbcbot.model import Session
from mbcbot.text import printable

MAX_WIDTH = 100  # long lines are hard to read, however wide the terminal
COMMAND_WORDS = ("help", "topics", "more", "next", "back", "sources", "start over", "quit")


def private_history(path: Path) -> History:
    """A history file only its owner can read (created with mode 0600); MbcbotError when `path` is not, or
    cannot be, a regular file (a named pipe there would make the chat wait for a reader that never comes)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY | os.O_NONBLOCK, 0o600)
    except OSError as error:
        raise MbcbotError(f"the history file {path} cannot be written: {error.strerror or error}") from None
    try:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            raise MbcbotError(f"the history file {path} is not a regular file: name a file of its own")
        os.fchmod(descriptor, 0o600)
    finally:
        os.close(descriptor)
    return FileHistory(str(path))


def run_chat(bot: Bot, color: bool, history_file: Path | None, explain: bool = False, observer: Observer | None = None) -> int:
    """Talk with a person at a terminal until 'quit' or Ctrl-D."""
    history = private_history(history_file) if history_file else InMemoryHistory()
    words = [*COMMAND_WORDS, *(f"slide {n}" for n in range(1, len(bot.knowledge.slides) + 1)), *bot.topics()]
    completer = WordCompleter(words, ignore_case=True, sentence=True)
    prompt: PromptSession[str] = PromptSession(
        history=history,
        completer=completer,
        complete_while_typing=False,
        color_depth=ColorDepth.DEPTH_8_BIT if color else ColorDepth.DEPTH_1_BIT,
    )
    print(wrapped(printable(bot.welcome()), min(shutil.get_terminal_size().columns, MAX_WIDTH) - 1), end="\n\n")
    session = Session()
    while True:
        try:
            message = prompt.prompt(ANSI("\x1b[1myou>\x1b[0m ") if color else "you> ")
        except EOFError:
            return 0
        except KeyboardInterrupt:
            continue
        if message.strip().lower() in ("quit", "exit", "q", ":q"):
            return 0
        reply, session = bot.reply(message, session, explain=explain)
        if observer is not None:
            observer(message, reply)
        width = min(shutil.get_terminal_size().columns, MAX_WIDTH) - 1
        print(as_text(reply, color=color, explain=explain, width=width), end="\n\n")
        if reply.kind == "goodbye":
            return 0
