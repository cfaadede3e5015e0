"""docs/embedding.md as an operator follows it: its nginx configuration passes `nginx -t`, asks for HTTPS, and
its limits are at least as tight as the service's own; the site's origin is allowed before the tag is added."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mbcbot.web.settings import WebSettings

EMBEDDING = Path(__file__).resolve().parents[1] / "docs" / "embedding.md"
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin")
OPENSSL = shutil.which("openssl")
CERTIFICATE = re.compile(r"^(\s*ssl_certificate(?:_key)?\s+)\S+;", flags=re.MULTILINE)
DIRECTIVE = re.compile(r'^\s*([a-z_]+)\s+((?:"[^"]*"|[^;{#"])+);', flags=re.MULTILINE)
UNITS = {"": 1, "k": 1024, "m": 1024 * 1024, "s": 1}
DEFAULTS = WebSettings("")
# The documented block belongs in nginx's `http` block: this wraps it, with everything else in a temporary folder.
NGINX_CONF = """
pid {tmp}/nginx.pid;
events {{
}}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
{block}
}}
"""


def documented_nginx() -> str:
    """The nginx configuration docs/embedding.md gives: its one `nginx` code block."""
    blocks = re.findall(r"```nginx\n(.*?)```", EMBEDDING.read_text(encoding="utf-8"), flags=re.DOTALL)
    assert len(blocks) == 1, f"{EMBEDDING.name} has {len(blocks)} nginx blocks, not one"
    return str(blocks[0])


def server_blocks(conf: str) -> list[str]:
    """The text of each `server { ... }` block of `conf` (whose blocks nest at most one level inside a server)."""
    return re.findall(r"^server \{\n(.*?)^\}", conf, flags=re.DOTALL | re.MULTILINE)


def directives(block: str) -> dict[str, str]:
    """Each directive of `block` with its arguments (the first, where one is repeated)."""
    found: dict[str, str] = {}
    for name, arguments in DIRECTIVE.findall(block):
        found.setdefault(name, " ".join(arguments.split()))
    return found


def amount(value: str) -> int:
    """An nginx size or time in bytes or seconds: "16k" is 16384, "10s" is 10."""
    number, unit = re.fullmatch(r"(\d+)([kms]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * UNITS[unit]


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A throw-away certificate and key for bot.example.org."""
    certificate, key = folder / "bot.example.org.pem", folder / "bot.example.org.key"
    subprocess.run(
        [str(OPENSSL), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(certificate), "-days", "1", "-subj", "/CN=bot.example.org"],
        check=True, capture_output=True, timeout=30,
    )  # fmt: skip
    return certificate, key


@pytest.mark.skipif(NGINX is None, reason="checking the documented nginx configuration needs nginx: apt-get install nginx")
@pytest.mark.skipif(OPENSSL is None, reason="the documented configuration needs a certificate, made with openssl")
def test_the_documented_nginx_configuration_passes_nginx_t(tmp_path: Path) -> None:
    certificate, key = self_signed(tmp_path)
    paths = iter([str(certificate), str(key)])
    block, count = CERTIFICATE.subn(lambda line: f"{line.group(1)}{next(paths)};", documented_nginx())
    assert count == 2, "the documented configuration should name one certificate and its key"
    conf = tmp_path / "nginx.conf"
    conf.write_text(NGINX_CONF.format(tmp=tmp_path, block=block), encoding="utf-8")
    args = [str(NGINX), "-t", "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    checked = subprocess.run(args, capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr
    assert "test is successful" in checked.stderr


def test_the_documented_nginx_configuration_serves_only_https() -> None:
    plain, secure = (directives(block) for block in server_blocks(documented_nginx()))
    assert plain["listen"] == "80"
    assert plain["return"] == "301 https://$host$request_uri"
    assert secure["listen"] == "443 ssl"
    assert secure["add_header"] == 'Strict-Transport-Security "max-age=63072000; includeSubDomains" always'


def test_the_documented_nginx_limits_are_at_least_as_tight_as_the_services() -> None:
    secure = directives(server_blocks(documented_nginx())[1])
    assert amount(secure["client_max_body_size"]) == DEFAULTS.max_body_bytes
    assert amount(secure["client_body_buffer_size"]) >= DEFAULTS.max_body_bytes  # a body is never written to disk
    count, size = secure["large_client_header_buffers"].split()
    assert int(count) * amount(size) <= DEFAULTS.max_header_bytes
    for timeout in ("client_header_timeout", "client_body_timeout", "send_timeout"):
        assert amount(secure[timeout]) <= DEFAULTS.request_timeout, timeout
    proxied = directives(documented_nginx().split("location / {", 1)[1])
    assert "non_idempotent" in proxied["proxy_next_upstream"].split()
    assert proxied["proxy_set_header"] == "X-Forwarded-For $proxy_add_x_forwarded_for"
    for timeout in ("proxy_connect_timeout", "proxy_send_timeout", "proxy_read_timeout"):
        assert timeout in proxied, timeout


def test_the_sites_origin_is_allowed_before_the_tag_is_added() -> None:
    text = EMBEDDING.read_text(encoding="utf-8")
    allowed, tag = text.index("export MBCBOT_CORS_ORIGINS="), text.index('<script src="https://bot.example.org/widget.js"')
    assert allowed < tag
    assert "unavailable" in text[allowed:tag]  # what the widget says when the origin is not allowed
