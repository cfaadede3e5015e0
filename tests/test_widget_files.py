"""The widget's files as the service serves them: its defaults filled in, versioned addresses, caching, integrity.

A website pins the versioned widget with the tag `mbcbot embed` prints; these tests hold that the tag's hash is the
hash of the bytes served, that the stylesheet the script loads is pinned too, and that the widget's own words and
emergency number come from knowledge and the deployment, never from the script's source alone.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient

from mbcbot import __version__
from mbcbot.bot import Bot
from mbcbot.cli import main
from mbcbot.conversation import WIDGET_LINES
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings
from mbcbot.web.widget import PLACE, static_file, widget_files

VERSIONED = f"/widget/{__version__}"
SERVICE = re.compile(r"^  var SERVICE = (\{.*\}); //", re.MULTILINE)


def client_for(bot: Bot) -> TestClient:
    return TestClient(create_app(bot, WebSettings(secret="widget-files", rate_per_minute=0)))


def served_defaults(script: bytes) -> dict[str, object]:
    """The settings the service filled into widget.js."""
    found = SERVICE.search(script.decode("utf-8"))
    assert found, "widget.js as served carries the service's settings"
    return dict(json.loads(found.group(1)))


def sha384(content: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(content).digest()).decode()


def test_the_versioned_files_are_the_moving_ones_cached_for_a_year(bot: Bot) -> None:
    client = client_for(bot)
    for name, kind in (("widget.js", "text/javascript"), ("widget.css", "text/css")):
        moving, versioned = client.get(f"/{name}"), client.get(f"{VERSIONED}/{name}")
        assert moving.status_code == versioned.status_code == 200
        assert moving.content == versioned.content
        assert versioned.headers["content-type"].startswith(kind)
        assert versioned.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert moving.headers["cache-control"] == "public, max-age=300"
        for response in (moving, versioned):  # other sites load them, and check them against their integrity
            assert response.headers["access-control-allow-origin"] == "*"
            assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert client.get("/widget/0.0.0/widget.js").status_code == 404
    assert client.get("/api/v1/topics").headers.get("access-control-allow-origin") is None


def test_the_script_carries_the_services_number_and_the_widgets_words_from_knowledge(bot: Bot) -> None:
    script = client_for(bot).get("/widget.js").content
    assert PLACE not in script and script.count(b"var SERVICE = ") == 1
    defaults = served_defaults(script)
    assert defaults["emergencyNumber"] == "911" and defaults["version"] == __version__
    lines = bot.knowledge.conversation.lines
    assert defaults["lines"] == {name: lines[f"widget_{name}"] for name in WIDGET_LINES}
    assert "{emergency_number}" in lines["widget_emergency"]
    served = served_defaults(widget_files(Bot.load(emergency_number="999")).script)
    assert served["emergencyNumber"] == "999"


def test_the_stylesheet_the_script_loads_is_pinned_by_its_hash(bot: Bot) -> None:
    client = client_for(bot)
    defaults = served_defaults(client.get("/widget.js").content)
    style = client.get(str(defaults["style"]))
    assert defaults["style"] == f"{VERSIONED}/widget.css" and style.status_code == 200
    assert defaults["styleIntegrity"] == sha384(style.content) == sha384(static_file("widget.css"))


def test_a_translation_in_knowledge_reaches_the_widget(knowledge_copy: Path) -> None:
    conversation = knowledge_copy / "conversation.yaml"
    text = conversation.read_text(encoding="utf-8")
    conversation.write_text(text.replace("  widget_send: Send\n", "  widget_send: Senden\n"), encoding="utf-8")
    defaults = served_defaults(widget_files(Bot.load(knowledge_copy)).script)
    assert isinstance(defaults["lines"], dict) and defaults["lines"]["send"] == "Senden"


def test_embed_prints_the_tag_pinned_to_the_bytes_served(bot: Bot, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["embed", "--url", "https://bot.example.org/"]) == 0
    tag = capsys.readouterr().out.strip()
    found = re.fullmatch(
        r'<script src="https://bot\.example\.org(/widget/[^/]+/widget\.js)\?v=([0-9a-f]{12})" integrity="(sha384-[^"]+)" '
        r'crossorigin="anonymous" data-api="https://bot\.example\.org" async></script>',
        tag,
    )
    assert found, tag
    path, digest, integrity = found.groups()
    served = client_for(bot).get(path).content
    assert path == f"{VERSIONED}/widget.js" and integrity == sha384(served)
    assert digest == hashlib.sha256(served).hexdigest()[:12]  # new defaults: a new address, never a stale cached copy


def test_embed_follows_the_deployments_number(capsys: pytest.CaptureFixture[str]) -> None:
    """The widget carries the number, so a deployment with its own number gets a tag of its own."""
    assert main(["embed", "--url", "https://bot.example.org"]) == 0
    assert main(["embed", "--url", "https://bot.example.org", "--emergency-number", "999"]) == 0
    default, uk = capsys.readouterr().out.splitlines()
    assert default != uk and default.count("integrity=") == uk.count("integrity=") == 1


@pytest.mark.parametrize("url", ["javascript:alert(1)", "bot.example.org", "https://bot.example.org/?x=1", "https://a@b.org"])
def test_embed_refuses_an_address_that_is_not_a_service(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_code:
        main(["embed", "--url", url])
    assert exit_code.value.code == 2
    assert "not a service address" in capsys.readouterr().err


def test_the_topics_carry_the_emergency_number_and_the_widgets_words(bot: Bot) -> None:
    body = client_for(bot).get("/api/v1/topics").json()
    assert body["emergency_number"] == "911"
    assert set(body["lines"]) == set(WIDGET_LINES)
    assert [topic["title"] for topic in body["topics"]] == [slide.title for slide in bot.knowledge.slides]
