"""The command line: `main(argv) -> int`; each command a few lines over the library.

Exit codes: 0 success; 1 problems found (`check`); 2 bad usage or unusable
input, such as a knowledge folder that cannot be served; 70 internal error
(a bug: reported in one line, never a traceback); 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, NoReturn

from mbcbot import __version__
from mbcbot.errors import KnowledgeError, MbcbotError
from mbcbot.text import printable

OK, PROBLEMS, UNUSABLE, INTERNAL, INTERRUPTED = 0, 1, 2, 70, 130


class _Help(argparse.HelpFormatter):
    """Help as wide as the terminal. argparse measures it through shutil, which loads three compression modules
    (2 ms of every start, help shown or not); `os` tells the same."""

    def __init__(self, prog: str) -> None:
        super().__init__(prog, width=_columns() - 2)


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size reads it: $COLUMNS, the terminal, else 80."""
    try:
        return int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        pass
    if sys.__stdout__ is None:
        return 80
    try:
        return os.get_terminal_size(sys.__stdout__.fileno()).columns or 80
    except (ValueError, OSError):  # not a terminal, or closed
        return 80


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help is `_Help`; its command parsers are of this class too."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        """The usage and the error, what was typed shown `printable` ("unrecognized arguments" quotes it raw)."""
        super().error(printable(message))


def parser() -> argparse.ArgumentParser:
    """The argument parser, with help for every command."""
    main = _Parser(
        prog="mbcbot",
        description="Answers questions about metastatic breast cancer by quoting one medically reviewed slideshow. "
        "Not medical advice.",
        epilog="Exit codes: 0 success, 1 problems found, 2 bad usage or unusable input, 70 internal error, 130 interrupted.",
    )
    main.add_argument("--version", action="version", version=f"mbcbot {__version__}")
    common = _Parser(add_help=False)
    common.add_argument(
        "--knowledge",
        type=str,
        metavar="DIR",
        help="knowledge folder (default: the reviewed packs shipped with mbcbot, or $MBCBOT_KNOWLEDGE)",
    )
    common.add_argument(
        "--emergency-number",
        metavar="NUMBER",
        help="number shown in emergency replies (default 911, or $MBCBOT_EMERGENCY_NUMBER)",
    )
    commands = main.add_subparsers(dest="command", metavar="COMMAND", required=True)

    chat = commands.add_parser(
        "chat",
        parents=[common],
        help="talk with mbcbot (one conversation)",
        description="Talk with mbcbot. On a terminal: an interactive conversation. With stdin piped: one reply per input line, all lines one conversation.",
    )
    chat.set_defaults(run=_chat)
    chat.add_argument("--json", action="store_true", help="print one JSON reply per line")
    chat.add_argument("--no-color", action="store_true", help="no colours (also when NO_COLOR is set)")
    chat.add_argument(
        "--history-file",
        type=str,
        metavar="FILE",
        help="opt in to keeping your questions in FILE (mode 0600); by default nothing is written",
    )
    chat.add_argument("--explain", action="store_true", help="show why each reply was chosen")

    ask = commands.add_parser(
        "ask",
        parents=[common],
        help="answer one question and exit",
        description="Answer one question. With no question, read stdin: one independent question per line.",
    )
    ask.set_defaults(run=_ask)
    ask.add_argument("question", nargs="*", help="the question (default: read lines from stdin)")
    ask.add_argument("--json", action="store_true", help="print one JSON reply per line")
    ask.add_argument("--explain", action="store_true", help="show the words read, their weights and the slides scored")

    replay = commands.add_parser(
        "replay",
        parents=[common],
        help="replay transcripts and report any difference",
        description="Replay each transcript in a fresh conversation; print a summary and a diff for every mismatch. "
        "Exit 0 when all match, 1 on any mismatch, 2 when a transcript or the knowledge cannot be used.",
    )
    replay.set_defaults(run=_replay)
    replay.add_argument(
        "paths", nargs="*", default=["transcripts"], metavar="PATH", help="transcript files or folders (default: transcripts/)"
    )
    replay.add_argument("--verbose", action="store_true", help="print every turn, not only mismatches")
    replay.add_argument("--junit", metavar="FILE", help="also write JUnit XML to FILE (one testcase per transcript)")
    replay.add_argument("--update", action="store_true", help="rewrite pinned replies that changed, and print what changed")
    replay.add_argument(
        "--coverage", action="store_true", help="report the slides, sentences, safety rules and intents exercised"
    )
    replay.add_argument(
        "--url",
        type=_service_url,
        metavar="URL",
        help="replay against the live service at URL (POST URL/api/v1/chat, the state token carried turn to turn)",
    )
    replay.add_argument("--cacert", metavar="FILE", help="with --url over HTTPS: trust the CA certificates in FILE")
    replay.add_argument(
        "--concurrency",
        type=_side_by_side,
        default=1,
        metavar="N",
        help=f"replay N transcripts side by side (default 1, at most {MAX_SIDE_BY_SIDE})",
    )

    record = commands.add_parser(
        "record",
        parents=[common],
        help="chat while writing the conversation as a transcript",
        description="Chat (on a terminal, or one line per turn from a pipe) while writing every turn and its full reply "
        "to FILE as a transcript that `mbcbot replay` checks. Only use it for test conversations: what you type is saved.",
    )
    record.set_defaults(run=_record)
    record.add_argument("file", metavar="FILE", help="the transcript to write (.yaml)")
    record.add_argument("--title", help="the transcript's title (default: from the file name)")
    record.add_argument("--no-color", action="store_true", help="no colours (also when NO_COLOR is set)")

    serve = commands.add_parser(
        "serve",
        parents=[common],
        help="run the HTTP API and the chat widget",
        description="Serve POST /api/v1/chat, the widget (/widget.js) and a demo page (/). Needs `pip install mbcbot[web]`. "
        "Settings come from MBCBOT_* environment variables (see docs/embedding.md).",
    )
    serve.set_defaults(run=_serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    serve.add_argument(
        "--log-level", default="info", choices=["debug", "info", "warning", "error"], help="log level (default info)"
    )

    embed = commands.add_parser(
        "embed",
        parents=[common],
        help="print the tag that embeds the widget, pinned by its integrity hash",
        description="Print the <script> tag for a website: the versioned widget from the service at URL, with its "
        "Subresource Integrity hash. Give the same --knowledge and --emergency-number as the service runs with "
        "(the widget carries both); print it again after changing either (see docs/widget.md).",
    )
    embed.set_defaults(run=_embed)
    embed.add_argument(
        "--url", required=True, type=_service_url, help="the service's public address, e.g. https://bot.example.org"
    )

    check = commands.add_parser(
        "check",
        parents=[common],
        help="validate all knowledge and report every problem",
        description="Validate the knowledge folder; report every problem as file:line: what is wrong.",
    )
    check.set_defaults(run=_check)
    check.add_argument(
        "--max-review-age",
        type=float,
        default=3.0,
        metavar="YEARS",
        help="warn when a pack's review is older than this (default 3)",
    )

    stamp = commands.add_parser(
        "stamp",
        help="record a new medical review of a pack",
        description="After a medical review, record the reviewer, the date and the SHA-256 of every slide text in the pack's stamp.yaml.",
    )
    stamp.set_defaults(run=_stamp)
    stamp.add_argument("pack", type=str, help="the pack folder (holding pack.yaml and slides.yaml)")
    stamp.add_argument("--reviewer", required=True, help='who reviewed it, e.g. "Brunilda Nazario, MD"')
    stamp.add_argument("--date", required=True, type=_iso_date, help="the review date, YYYY-MM-DD")
    return main


def _service_url(text: str) -> str:
    """A service's address: http(s), a host, perhaps a path; no query, fragment or credentials."""
    from urllib.parse import urlsplit

    parts = urlsplit(text.strip())
    if parts.scheme not in ("https", "http") or not parts.hostname or parts.query or parts.fragment or "@" in parts.netloc:
        raise argparse.ArgumentTypeError(f"not a service address: {text!r} (e.g. https://bot.example.org)")
    return text.strip().rstrip("/")


MAX_SIDE_BY_SIDE = 64


def _side_by_side(text: str) -> int:
    if not text.strip().isdecimal() or not 1 <= int(text) <= MAX_SIDE_BY_SIDE:
        raise argparse.ArgumentTypeError(f"not a number of transcripts from 1 to {MAX_SIDE_BY_SIDE}: {text!r}")
    return int(text)


def _iso_date(text: str) -> object:
    import datetime

    return datetime.date.fromisoformat(text)


def main(argv: list[str] | None = None) -> int:
    """Run one command; returns its exit code."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    args = parser().parse_args(argv)
    try:
        return int(args.run(args))
    except KnowledgeError as error:
        print(printable(f"mbcbot: the knowledge cannot be served:\n{error}"), file=sys.stderr)
        return UNUSABLE
    except MbcbotError as error:
        print(printable(f"mbcbot: {error}"), file=sys.stderr)
        return UNUSABLE
    except KeyboardInterrupt:
        return INTERRUPTED
    except BrokenPipeError:
        sys.stderr.close()
        return OK
    except OSError as error:
        print(printable(f"mbcbot: {error.strerror or error}: {error.filename or ''}".rstrip(": ")), file=sys.stderr)
        return UNUSABLE
    except Exception as error:  # a bug: one clear line, never a traceback in front of a patient
        print(f"mbcbot: internal error ({type(error).__name__}); please report it", file=sys.stderr)
        return INTERNAL


def _bot(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from mbcbot.bot import Bot

    return Bot.load(args.knowledge, args.emergency_number).settled()


def _chat(args: argparse.Namespace) -> int:
    from mbcbot import console

    bot = _bot(args)
    if not sys.stdin.isatty():
        return console.run_conversation(bot, console.input_lines(sys.stdin.buffer), sys.stdout, args.json, args.explain)
    from pathlib import Path

    from mbcbot.chat import run_chat

    color = not args.no_color and not os.environ.get("NO_COLOR")
    history = Path(args.history_file).expanduser() if args.history_file else None
    return run_chat(bot, color, history, args.explain)


def _ask(args: argparse.Namespace) -> int:
    from mbcbot import console

    bot = _bot(args)
    lines = iter([" ".join(args.question)]) if args.question else console.input_lines(sys.stdin.buffer)
    return console.run_questions(bot, lines, sys.stdout, args.json, args.explain)


def _replay(args: argparse.Namespace) -> int:
    from mbcbot.replaying import replay_command

    return replay_command(_bot(args), args)


def _record(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mbcbot import console
    from mbcbot.recording import Recorder

    bot = _bot(args)
    path = Path(args.file)
    recorder = Recorder(path, args.title or path.name.split(".")[0].replace("-", " ").capitalize())
    recorder.save()
    if not sys.stdin.isatty():
        return console.run_conversation(bot, console.input_lines(sys.stdin.buffer), sys.stdout, False, observer=recorder)
    from mbcbot.chat import run_chat

    print(printable(f"Recording this conversation to {path}."))
    return run_chat(bot, not args.no_color and not os.environ.get("NO_COLOR"), None, observer=recorder)


def _serve(args: argparse.Namespace) -> int:
    try:
        from mbcbot.web.server import serve
    except ImportError as error:
        print(f"mbcbot: the web service needs its extra: pip install 'mbcbot[web]' ({error.name} is missing)", file=sys.stderr)
        return UNUSABLE
    return serve(args.host, args.port, args.workers, args.knowledge, args.emergency_number, args.log_level)


def _embed(args: argparse.Namespace) -> int:
    from mbcbot.web.widget import embed_tag, widget_files

    print(embed_tag(widget_files(_bot(args)), args.url))
    return OK


def _check(args: argparse.Namespace) -> int:
    import datetime
    from pathlib import Path

    from mbcbot.bot import Bot, default_knowledge_dir
    from mbcbot.knowledge import load_knowledge
    from mbcbot.replies import spoken_date
    from mbcbot.review import review_age_years

    root = Path(args.knowledge or default_knowledge_dir())
    try:
        knowledge = load_knowledge(root)
        misread = Bot(knowledge, args.emergency_number).samples_answered_elsewhere()
        if misread:
            raise KnowledgeError(misread)
    except KnowledgeError as error:
        print(printable(str(error)))
        print(printable(f"{len(error.problems)} problem(s) found in {root}"), file=sys.stderr)
        return PROBLEMS
    today = datetime.date.today()
    for pack in knowledge.packs:
        age = review_age_years(datetime.date.fromisoformat(pack.review.date), today)
        if age > args.max_review_age:
            print(
                printable(
                    f"warning: pack '{pack.id}' was last reviewed {age:.1f} years ago ({spoken_date(pack.review.date)}, by {pack.review.reviewer}); the limit is {args.max_review_age:g} years: have it reviewed again"
                )
            )
    slides = sum(len(pack.slides) for pack in knowledge.packs)
    samples = sum(len(slide.samples) for slide in knowledge.slides)
    print(
        printable(
            f"ok: {len(knowledge.packs)} pack(s), {slides} slides, review stamps match, "
            f"{samples} sample questions answered from their slides, knowledge in {root}"
        )
    )
    return OK


def _stamp(args: argparse.Namespace) -> int:
    from pathlib import Path

    from mbcbot.stamping import stamp_pack

    print(printable(stamp_pack(Path(args.pack), args.reviewer, args.date)))
    return OK
