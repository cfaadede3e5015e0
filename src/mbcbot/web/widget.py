"""The widget's files as the service serves them: widget.js carrying this deployment's defaults (its emergency number
and the widget's lines from knowledge), widget.css, their addresses, and the tag that embeds them with integrity."""

from __future__ import annotations

import base64
import hashlib
import json
from html import escape
from importlib import resources
from typing import NamedTuple

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.conversation import WIDGET_LINES

# The one line of widget.js the service fills in; the file refuses to start without it filled.
PLACE = b"  var SERVICE = null; // this service's settings, filled in as it serves the file\n"
VERSIONED = f"/widget/{__version__}"  # the same bytes for as long as this version serves this knowledge
MOVING = {"/widget.js": "script", "/widget.css": "style"}  # always the latest: cached briefly
PATHS = {**MOVING, f"{VERSIONED}/widget.js": "script", f"{VERSIONED}/widget.css": "style"}
DIGEST_CHARS = 12  # of the script's hash, in the printed tag's address: new defaults, a new address to cache


class WidgetFiles(NamedTuple):
    """widget.js as served (the service's defaults filled in) and widget.css."""

    script: bytes
    style: bytes

    def content(self, path: str) -> bytes:
        """The file served at `path`, one of PATHS."""
        return self.script if PATHS[path] == "script" else self.style


def static_file(name: str) -> bytes:
    """A file of the widget as it ships (widget.js, widget.css, demo.html)."""
    return resources.files("mbcbot.web").joinpath("static", name).read_bytes()


def widget_lines(bot: Bot) -> dict[str, str]:
    """The widget's own words from knowledge, by name ("send": "Send"), as they stand."""
    lines = bot.knowledge.conversation.lines
    return {name: lines[f"widget_{name}"] for name in WIDGET_LINES}


def widget_defaults(bot: Bot, style: bytes) -> dict[str, object]:
    """What widget.js is given by the service: its version, emergency number, lines and stylesheet (with its hash)."""
    return {
        "version": __version__,
        "emergencyNumber": bot.dialogue.voice.emergency_number,
        "lines": widget_lines(bot),
        "style": f"{VERSIONED}/widget.css",
        "styleIntegrity": integrity(style),
    }


def widget_files(bot: Bot) -> WidgetFiles:
    """The widget's files for this bot; ValueError if widget.js lacks the line the service fills in."""
    script, style = static_file("widget.js"), static_file("widget.css")
    if script.count(PLACE) != 1:
        raise ValueError(f"widget.js: the line {PLACE.decode().strip()!r} must appear once")
    defaults = json.dumps(widget_defaults(bot, style), ensure_ascii=True, sort_keys=True)
    filled = PLACE.replace(b"null", defaults.encode("ascii"), 1)
    return WidgetFiles(script.replace(PLACE, filled), style)


def integrity(content: bytes) -> str:
    """The Subresource Integrity value of `content` (sha384)."""
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode("ascii")


def embed_tag(files: WidgetFiles, url: str) -> str:
    """The tag that embeds the versioned widget from the service at `url`, pinned by its integrity."""
    base = url.rstrip("/")
    digest = hashlib.sha256(files.script).hexdigest()[:DIGEST_CHARS]
    source = f"{base}{VERSIONED}/widget.js?v={digest}"
    return (
        f'<script src="{escape(source)}" integrity="{integrity(files.script)}" crossorigin="anonymous" '
        f'data-api="{escape(base)}" async></script>'
    )
