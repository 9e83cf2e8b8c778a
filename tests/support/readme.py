"""The project's README.md as the tests read it: the block after a ``<!-- name -->`` marker and
the cells of a markdown table there."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def after_marker(name: str) -> list[str]:
    """The block right after ``<!-- name -->``: its lines up to the first blank line (a
    code fence's content when the block is one)."""
    marker = f"<!-- {name} -->"
    assert README.count(marker) == 1, f"README needs exactly one {marker}"
    lines = [line.strip() for line in README.split(marker, 1)[1].lstrip("\n").splitlines()]
    if lines[0].startswith("```"):
        return lines[1 : lines.index("```", 1)]
    return lines[: lines.index("")] if "" in lines else lines


def table_rows(name: str) -> list[list[str]]:
    """The cells of the markdown table after ``<!-- name -->``, header and rule left out."""
    rows = [line for line in after_marker(name) if line.startswith("|")]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows[2:]]
