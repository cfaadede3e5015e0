"""docs/operations.md as an operator follows it: every series the service reports is documented (and only those),
its nginx block passes `nginx -t` inside the configuration of docs/embedding.md, and the settings table names the switch."""

from __future__ import annotations

import re
import socket
import subprocess
from pathlib import Path

import pytest

pytest.importorskip("prometheus_client")
from prometheus_client.parser import text_string_to_metric_families
from starlette.testclient import TestClient

from mbcbot.bot import Bot
from mbcbot.web.app import create_app
from mbcbot.web.settings import WebSettings
from test_embedding_docs import CERTIFICATE, EMBEDDING, NGINX, NGINX_CONF, OPENSSL, documented_nginx, self_signed

OPERATIONS = EMBEDDING.with_name("operations.md")
TABLE_ROW = re.compile(r"^\| `(mbcbot_\w+)` \| (\w+) \|([^|]*)\|", flags=re.MULTILINE)
PUBLIC_PROXY = "    location / {\n"  # the public server's one location in embedding.md: ours goes beside it


def documented_series() -> dict[str, tuple[str, set[str]]]:
    """The series table of docs/operations.md: each series with its type and labels."""
    rows = TABLE_ROW.findall(OPERATIONS.read_text(encoding="utf-8"))
    return {name: (kind, set(re.findall(r"`(\w+)`", labels))) for name, kind, labels in rows}


def served_series(bot: Bot) -> dict[str, tuple[str, set[str]]]:
    """The series /metrics reports after one chat turn: each with its type and labels."""
    with TestClient(create_app(bot, WebSettings("secret", metrics=True, rate_per_minute=0))) as client:
        client.post("/api/v1/chat", json={"message": "liver"})
        text = client.get("/metrics").text
    found: dict[str, tuple[str, set[str]]] = {}
    for family in text_string_to_metric_families(text):
        name = family.name + "_total" if family.type == "counter" else family.name
        labels = {label for sample in family.samples for label in sample.labels if label != "le"}
        found[name] = (family.type, labels)
    return found


def test_every_series_is_documented_with_its_type_and_labels(bot: Bot) -> None:
    assert documented_series() == served_series(bot)


def test_the_settings_table_names_the_switch() -> None:
    assert "| `MBCBOT_METRICS` | off |" in EMBEDDING.read_text(encoding="utf-8")
    assert "(operations.md)" in EMBEDDING.read_text(encoding="utf-8")


def operations_nginx() -> tuple[str, str]:
    """The nginx block of docs/operations.md: the location for the public server, and the private listener."""
    blocks = re.findall(r"```nginx\n(.*?)```", OPERATIONS.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, f"{OPERATIONS.name} has {len(blocks)} nginx blocks, not one"
    public, private = blocks[0].split("\n\n", 1)  # the location, a blank line, then the listener
    assert "\nserver {" in private
    return public, private


def test_the_public_proxy_refuses_metrics_and_the_private_listener_allows_only_its_network() -> None:
    public, private = operations_nginx()
    assert re.search(r"location = /metrics \{\s*return 404;\s*\}", public)
    assert re.search(r"allow 10\.0\.0\.0/8;\s*deny all;", private)
    assert "location / {\n        return 404;" in private  # nothing but the metrics on the private listener


@pytest.mark.skipif(NGINX is None, reason="checking the documented nginx configuration needs nginx: apt-get install nginx")
@pytest.mark.skipif(OPENSSL is None, reason="the documented configuration needs a certificate, made with openssl")
def test_the_documented_nginx_blocks_pass_nginx_t_together(tmp_path: Path) -> None:
    public, private = operations_nginx()
    embedding = documented_nginx()
    assert embedding.count(PUBLIC_PROXY) == 1
    indented = "".join(f"    {line}\n" for line in public.splitlines())
    with socket.socket() as probe:  # nginx -t binds its listeners: the private address becomes a free loopback port
        probe.bind(("127.0.0.1", 0))
        loopback = f"127.0.0.1:{probe.getsockname()[1]}"
    private, moved = re.subn(r"(?m)^    listen [\d.]+:\d+;", f"    listen {loopback};", private)
    assert moved == 1
    combined = embedding.replace(PUBLIC_PROXY, indented + PUBLIC_PROXY) + "\n" + private
    certificate, key = self_signed(tmp_path)
    paths = iter([str(certificate), str(key)])
    block, count = CERTIFICATE.subn(lambda line: f"{line.group(1)}{next(paths)};", combined)
    assert count == 2
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, block=block), encoding="utf-8")
    args = [str(NGINX), "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr + "\n" + block
    assert "test is successful" in checked.stderr
