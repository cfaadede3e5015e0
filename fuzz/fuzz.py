"""Fuzz mbcbot for a bounded time: `python fuzz/fuzz.py TARGET --seconds N [--corpus DIR]`.

TARGET is `reply`, `knowledge`, `transcripts` or `all` (each in turn, N
seconds each). With atheris installed each target runs in its own process
under libFuzzer, coverage-guided over mbcbot's code only; without it,
Hypothesis draws bytes (random, and spliced into the seeds) for the same time.
Either way the run stops by itself and prints one line per target:

    reply: 61234 executions in 120 s (510/s, atheris), 0 crashes

Every distinct finding keeps its shortest input in fuzz/crashes/TARGET/
(`finding-*` with a `.txt` naming the invariant or the exception and its
traceback; libFuzzer's own `timeout-*` and `oom-*`). The corpus grows in
fuzz/corpus/TARGET/ (or DIR), seeded each run. Exit status 1 when anything
was found, 0 otherwise.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import NamedTuple

FUZZ = Path(__file__).resolve().parent
CRASHES = FUZZ / "crashes"
CORPUS = FUZZ / "corpus"
LOGS = FUZZ / "logs"
NAMES = ("reply", "knowledge", "transcripts")
MAX_RESTARTS = 3  # a hang or an out-of-memory ends libFuzzer; it starts again while time is left, this often
HYPOTHESIS_BATCH = 200  # examples per Hypothesis run; runs follow one another until the time is up
FINDING = "mbcbot-fuzz finding:"  # how a worker announces a new finding in its log
LIBFUZZER_ARTIFACT = re.compile(r"Test unit written to (\S+)")


class Summary(NamedTuple):
    """What one target's run did."""

    target: str
    engine: str
    executions: int
    seconds: float
    findings: tuple[str, ...]  # one line each: what broke, and where its input is

    def line(self) -> str:
        """The one-line report."""
        rate = self.executions / self.seconds if self.seconds else 0.0
        crashes = f"{len(self.findings)} crash" + ("" if len(self.findings) == 1 else "es")
        head = f"{self.target}: {self.executions} executions in {self.seconds:.0f} s ({rate:.0f}/s, {self.engine}), {crashes}"
        return "\n".join([head, *(f"  {finding}" for finding in self.findings)])


# ---------------------------------------------------------------------------- findings


def signature(error: BaseException) -> str:
    """What broke, stable across inputs: the invariant's name, or the exception and mbcbot's innermost line."""
    rule = getattr(error, "rule", None)
    if isinstance(rule, str):
        return f"invariant broken: {rule}"
    frames = traceback.extract_tb(error.__traceback__)
    ours = [frame for frame in frames if "/mbcbot/" in frame.filename] or frames
    where = f" at {Path(ours[-1].filename).name}:{ours[-1].lineno}" if ours else ""
    return f"{type(error).__name__}{where}"


def keep(target: str, data: bytes, error: BaseException) -> tuple[str, Path]:
    """Keep the shortest input seen for this finding, with its traceback; return its signature and path."""
    what = signature(error)
    folder = CRASHES / target
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"finding-{hashlib.sha1(what.encode()).hexdigest()[:12]}"
    if not path.exists() or len(data) < path.stat().st_size:
        path.write_bytes(data)
        report = "".join(traceback.format_exception(error))
        path.with_suffix(".txt").write_text(f"{what}\ninput: {data[:300]!r}\n\n{report}", encoding="utf-8")
    return what, path


def shown(path: Path) -> str:
    """A path relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to(FUZZ.parent))
    except ValueError:
        return str(path)


# ---------------------------------------------------------------------------- atheris


def work(name: str, libfuzzer_args: list[str]) -> None:
    """In a worker process: fuzz one target under libFuzzer until it stops."""
    import atheris

    with atheris.instrument_imports(include=["mbcbot"]):  # mbcbot only: the rest of the world stays fast
        import targets
    target = targets.TARGETS[name]
    target.seeds()  # reads the shipped files once, before the clock matters
    seen: set[str] = set()

    def one_input(data: bytes) -> None:
        try:
            target.check(data)
        except Exception as error:
            what, path = keep(name, data, error)
            if what not in seen:
                seen.add(what)
                print(f"{FINDING} {what} ({shown(path)})", file=sys.stderr, flush=True)

    atheris.Setup([sys.argv[0], *libfuzzer_args], one_input)
    atheris.Fuzz()


def fuzz_with_atheris(name: str, seconds: int, corpus: Path) -> Summary:
    """Run one target's worker under libFuzzer, starting it again after a hang, until the time is up."""
    import targets

    target = targets.TARGETS[name]
    seed(corpus, target.seeds())
    artifacts = CRASHES / name
    artifacts.mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    log = LOGS / f"{name}.log"
    log.write_text("", encoding="utf-8")
    start = time.monotonic()
    executions, restarts = 0, 0
    findings: dict[str, str] = {}
    while (remaining := int(start + seconds - time.monotonic())) >= 1:
        flags = [
            f"-max_total_time={remaining}",
            f"-timeout={target.timeout}",
            f"-rss_limit_mb={target.rss_limit_mb}",
            f"-max_len={target.max_len}",
            f"-artifact_prefix={artifacts}/",
            "-print_final_stats=1",
        ]
        offset = log.stat().st_size
        with log.open("a", encoding="utf-8") as out:
            command = [sys.executable, __file__, "--worker", name, str(corpus), *flags]
            scratch = {**os.environ, "TMPDIR": tempfile.gettempdir()}  # the worker's files go where this run cleans up
            done = subprocess.run(command, stdout=out, stderr=out, env=scratch, check=False)
        text = log.read_bytes()[offset:].decode("utf-8", "replace")
        executions += executed(text)
        findings.update(announced(text))
        if done.returncode == 0 or restarts == MAX_RESTARTS:
            break
        restarts += 1
    return Summary(
        name, "atheris", executions, time.monotonic() - start, tuple(f"{what} ({where})" for what, where in findings.items())
    )


def seed(corpus: Path, seeds: list[bytes]) -> None:
    """Put every seed in the corpus folder, named by its content."""
    corpus.mkdir(parents=True, exist_ok=True)
    for data in seeds:
        path = corpus / f"seed-{hashlib.sha1(data).hexdigest()}"
        if not path.exists():
            path.write_bytes(data)


def executed(log: str) -> int:
    """How many inputs libFuzzer ran, from its final stats or else its last status line."""
    final = re.findall(r"stat::number_of_executed_units: (\d+)", log)
    if final:
        return int(final[-1])
    status = re.findall(r"^#(\d+)\s", log, flags=re.MULTILINE)
    return max(map(int, status), default=0)


def announced(log: str) -> dict[str, str]:
    """The findings in a worker's log: each signature and where its input is."""
    found = {}
    for line in log.splitlines():
        if line.startswith(FINDING):
            what, _, where = line.removeprefix(FINDING).strip().rpartition(" (")
            found[what] = where.rstrip(")")
    for path in LIBFUZZER_ARTIFACT.findall(log):
        kind = Path(path).name.split("-")[0]
        found[f"libFuzzer {kind}"] = shown(Path(path))
    return found


# ---------------------------------------------------------------------------- hypothesis


def fuzz_with_hypothesis(name: str, seconds: int, corpus: Path) -> Summary:
    """Without atheris: the seeds and corpus, then Hypothesis's bytes and splices of them, in batches until the time is up."""
    import targets
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    target = targets.TARGETS[name]
    seeds = target.seeds() + [path.read_bytes() for path in sorted(corpus.glob("*")) if path.is_file()]
    start = time.monotonic()
    deadline = start + seconds
    findings: dict[str, str] = {}
    executions = 0

    def attempt(data: bytes) -> None:
        nonlocal executions
        if time.monotonic() >= deadline:
            return
        executions += 1
        try:
            target.check(data[: target.max_len])
        except Exception as error:
            what, path = keep(name, data, error)
            findings.setdefault(what, shown(path))

    spliced = st.builds(
        lambda base, at, cut, insert: base[:at] + insert + base[at + cut :],
        st.sampled_from(seeds),
        st.integers(0, target.max_len),
        st.integers(0, 64),
        st.binary(max_size=64),
    )

    @settings(max_examples=HYPOTHESIS_BATCH, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(st.one_of(st.binary(max_size=target.max_len), spliced))
    def explore(data: bytes) -> None:
        attempt(data)

    for data in seeds:
        attempt(data)
    while time.monotonic() < deadline:
        explore()
    return Summary(name, "hypothesis", executions, time.monotonic() - start, tuple(f"{w} ({p})" for w, p in findings.items()))


# ---------------------------------------------------------------------------- command line


def arguments(argv: list[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Fuzz mbcbot's reply pipeline, knowledge loader and transcript reader.")
    parser.add_argument("target", choices=[*NAMES, "all"])
    parser.add_argument("--seconds", type=int, default=120, help="how long each target runs (default 120)")
    parser.add_argument("--corpus", type=Path, help="corpus folder (with 'all', one subfolder per target); default fuzz/corpus/")
    parser.add_argument("--engine", choices=["auto", "atheris", "hypothesis"], default="auto")
    parser.add_argument("--write", type=Path, help="also write the results into this BENCHMARKS.md")
    return parser.parse_args(argv)


def write_results(path: Path, summaries: list[Summary], argv: list[str]) -> None:
    """The run's table, under the 'fuzz' markers of BENCHMARKS.md."""
    sys.path.insert(0, str(FUZZ.parent / "benchmarks"))
    from report import write_section

    lines = [
        f"Last run {time.strftime('%Y-%m-%d')}: `python fuzz/fuzz.py {' '.join(argv)}` (only the mbcbot package instrumented).",
        "",
        "| target | engine | executions | seconds | per second | crashes |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for summary in summaries:
        rate = summary.executions / summary.seconds if summary.seconds else 0.0
        row = f"| {summary.target} | {summary.engine} | {summary.executions:,} | {summary.seconds:.0f} | {rate:.0f} | {len(summary.findings)} |"
        lines.append(row)
    findings = [f"- {summary.target}: {finding}" for summary in summaries for finding in summary.findings]
    lines += ["", *findings] if findings else []
    write_section(path, "fuzz", "Fuzzing", lines)


def main(argv: list[str]) -> int:
    """Run the chosen targets one after the other; 1 if anything was found."""
    if argv[:1] == ["--worker"]:
        work(argv[1], argv[2:])
        return 0
    args = arguments(argv)
    engine = args.engine
    if engine == "auto":
        engine = "atheris" if importlib.util.find_spec("atheris") else "hypothesis"
    names = NAMES if args.target == "all" else (args.target,)
    summaries = []
    with tempfile.TemporaryDirectory(prefix="mbcbot-fuzz-") as scratch:
        tempfile.tempdir = scratch  # the targets' knowledge copies and transcript files, removed at the end
        for name in names:
            corpus = (args.corpus / name if args.target == "all" else args.corpus) if args.corpus else CORPUS / name
            if engine == "atheris":
                summary = fuzz_with_atheris(name, args.seconds, corpus)
            else:
                summary = fuzz_with_hypothesis(name, args.seconds, corpus)
            print(summary.line(), flush=True)
            summaries.append(summary)
    if args.write:
        write_results(args.write, summaries, [a for a in argv if not a.startswith("--write") and a != str(args.write)])
    return 1 if any(summary.findings for summary in summaries) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
