"""Write a benchmark's table into BENCHMARKS.md between its markers."""

from __future__ import annotations

from pathlib import Path


def write_section(path: Path, name: str, heading: str, lines: list[str]) -> None:
    """Replace what stands between `<!-- name:start -->` and `<!-- name:end -->` (added under `heading` if missing)."""
    text = path.read_text(encoding="utf-8")
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    if start not in text:
        text += f"\n## {heading}\n\n{start}\n{end}\n"
    head, _, rest = text.partition(start)
    _, _, tail = rest.partition(end)
    path.write_text(f"{head}{start}\n" + "\n".join(lines) + f"\n{end}{tail}", encoding="utf-8")
