"""`mbcbot replay --url` against real services: a `mbcbot serve` with two workers, the same behind nginx with HTTPS
and a CA of one's own, one with a tight rate limit, and the nginx pair of the scale-out tests with a server killed
mid-run. What QA staff rely on: a transcript that passes in-process passes against a healthy live service of the same
version and knowledge, and one that fails, fails with the same report.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import threading
import time
from pathlib import Path

import pytest

from mbcbot import remote
from mbcbot.cli import main

from .servers import HOST, free_port, health_url, serve, started, wait_until_healthy
from .test_scale_out import NGINX, Cluster, cluster  # noqa: F401 (the fixture, shared)

TRANSCRIPTS = Path(__file__).resolve().parents[2] / "transcripts"
OPENSSL = shutil.which("openssl")
TLS_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log;
events {{
    worker_connections 64;
}}
http {{
    access_log off;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    server {{
        listen {host}:{port} ssl;
        ssl_certificate {tmp}/cert.pem;
        ssl_certificate_key {tmp}/key.pem;
        location / {{
            proxy_pass {upstream};
        }}
    }}
}}
"""


def replay(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """`mbcbot replay ARGS` in this process: its exit code, standard output and standard error."""
    capsys.readouterr()
    code = main(["replay", *args])
    out, err = capsys.readouterr()
    return code, out, err


def without_times(junit: str) -> str:
    return re.sub(r' time="[0-9.]+"', "", junit)


def test_every_transcript_passes_against_a_live_service_with_the_same_report(
    base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    here = replay(capsys, str(TRANSCRIPTS), "--junit", str(tmp_path / "here.xml"), "--coverage")
    live = replay(capsys, str(TRANSCRIPTS), "--url", base_url, "--junit", str(tmp_path / "live.xml"), "--coverage")
    assert here[0] == live[0] == 0, live
    assert live[1] == here[1] and re.search(r"^\d+ of \d+ turns matched in 88 transcripts$", live[1], re.MULTILINE)
    assert without_times((tmp_path / "live.xml").read_text()) == without_times((tmp_path / "here.xml").read_text())
    assert live[2].startswith(f"mbcbot: replaying against {base_url}: mbcbot ") and "warning" not in live[2]


def test_a_changed_expectation_fails_live_with_the_same_diff(
    base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    changed = tmp_path / "liver.yaml"
    changed.write_text(
        "title: Liver, pinned wrongly\nturns:\n"
        "  - user: what happens if it spreads to the liver\n    slides: [6]\n    contains: [lungs]\n"
        "  - user: more\n    kind: answer\n",
        encoding="utf-8",
    )
    here = replay(capsys, str(changed))
    live = replay(capsys, str(changed), "--url", base_url, "--concurrency", "4")
    assert here[0] == live[0] == 1
    assert live[1] == here[1]
    assert "slides: expected [6], got [5]" in live[1] and "-slides: [6]\n  +slides: [5]" in live[1]


def test_transcripts_side_by_side_keep_their_order_and_their_own_conversations(
    base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    one = replay(capsys, str(TRANSCRIPTS), "--url", base_url, "--verbose")
    many = replay(capsys, str(TRANSCRIPTS), "--url", base_url, "--verbose", "--concurrency", "16")
    assert one[0] == many[0] == 0 and one[1] == many[1]


def test_a_service_that_cannot_be_reached_is_exit_2_with_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "BACKOFF", (0.01, 0.01))
    nowhere = f"http://{HOST}:{free_port()}"
    code, out, err = replay(capsys, str(TRANSCRIPTS), "--url", nowhere)
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"mbcbot: cannot reach {nowhere}: [Errno 111] Connection refused"]


def test_a_rate_limited_service_is_waited_out_and_the_retries_reported(
    tmp_path: Path, server_secret: str, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with serve(port, log, server_secret, rate_limit="600", rate_burst="2") as process:
        wait_until_healthy(health_url(port), process, log)
        chosen = sorted(TRANSCRIPTS.glob("*.yaml"))[:4]
        code, out, err = replay(capsys, *map(str, chosen), "--url", f"http://{HOST}:{port}", "--concurrency", "4")
    assert code == 0, out + err
    assert re.search(r"^mbcbot: retried \d+ requests: \d+ after 429 \(waited [0-9.]+ s\)$", err, re.MULTILINE), err


@pytest.mark.skipif(OPENSSL is None or not NGINX.is_file(), reason="HTTPS here needs openssl and nginx")
def test_https_with_a_ca_of_ones_own(
    base_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(remote, "BACKOFF", (0.05,))  # while nginx starts
    subprocess.run(
        [str(OPENSSL), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=IP:{HOST}", "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    port = free_port()
    conf = tmp_path / "nginx.conf"
    conf.write_text(TLS_CONF.format(tmp=tmp_path, host=HOST, port=port, upstream=base_url), encoding="utf-8")
    args = [str(NGINX), "-c", str(conf), "-p", str(tmp_path), "-e", str(tmp_path / "error.log")]
    with started(args, tmp_path / "nginx.out"):
        url = f"https://{HOST}:{port}"
        deadline = time.monotonic() + 10
        while replay(capsys, "--url", url, "--cacert", str(tmp_path / "cert.pem"), str(TRANSCRIPTS))[0] != 0:
            assert time.monotonic() < deadline, "nginx did not start serving HTTPS"
            time.sleep(0.2)
        untrusted = replay(capsys, str(TRANSCRIPTS), "--url", url)
    assert untrusted[0] == 2 and untrusted[1] == ""
    assert re.fullmatch(rf"mbcbot: cannot reach {url}: .*CERTIFICATE_VERIFY_FAILED.*\n", untrusted[2]), untrusted[2]


def test_a_server_killed_mid_run_behind_nginx_loses_no_turn(cluster: Cluster, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    """Six passes over every transcript, side by side, through the nginx pair; one server is killed while they run."""
    outcome: list[tuple[int, str, str]] = []
    running = threading.Thread(
        target=lambda: outcome.append(replay(capsys, *[str(TRANSCRIPTS)] * 6, "--url", cluster.url, "--concurrency", "8"))
    )
    running.start()
    time.sleep(0.5)
    assert running.is_alive(), "the replay ended before a server could be killed: give it more to do"
    cluster.servers[0].kill()
    running.join(120)
    code, out, err = outcome[0]
    assert code == 0, out[-3000:] + err
    assert re.search(r"^(\d+) of \1 turns matched in 528 transcripts$", out, re.MULTILINE), out[-500:]
