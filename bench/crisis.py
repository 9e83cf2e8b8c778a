"""(h) Crisis screening: how long one screen takes, beside its floor, and how well it does on
the labelled set the tests use (recall on texts that need help, false positives on hard
negatives).

The floor is the least any screening must do: fold the text's case and look for one phrase
(``"kill myself" in text.casefold()``).

    python -m bench.crisis
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from core.safety.screening import Screener, default_screener

LABELLED = Path(__file__).resolve().parents[1] / "tests" / "core" / "crisis_labelled.yaml"


@dataclass(frozen=True)
class Screening:
    ms_per_screen: float  # median over the rounds
    p99_ms: float
    floor_ms: float
    recall: float
    false_positive_rate: float
    needs_help: int
    negatives: int


def labelled() -> tuple[list[str], list[str]]:
    data = yaml.safe_load(LABELLED.read_text("utf-8"))
    return list(data["needs_help"]), list(data["hard_negatives"])


def measure(rounds: int, screener: Screener | None = None) -> Screening:
    """Screen every labelled text ``rounds`` times; time each screen."""
    screener = screener or default_screener()
    needs_help, negatives = labelled()
    texts = needs_help + negatives
    timings: list[float] = []
    floor: list[float] = []
    for _ in range(max(rounds, 1)):
        for text in texts:
            began = time.perf_counter()
            screener.screen(text)
            timings.append(time.perf_counter() - began)
            began = time.perf_counter()
            _ = "kill myself" in text.casefold()
            floor.append(time.perf_counter() - began)
    caught = sum(screener.screen(t) is not None for t in needs_help)
    flagged = sum(screener.screen(t) is not None for t in negatives)
    timings.sort()
    return Screening(
        ms_per_screen=statistics.median(timings) * 1000,
        p99_ms=timings[int(len(timings) * 0.99) - 1] * 1000,
        floor_ms=statistics.median(floor) * 1000,
        recall=caught / len(needs_help),
        false_positive_rate=flagged / len(negatives),
        needs_help=len(needs_help),
        negatives=len(negatives),
    )


if __name__ == "__main__":
    print(measure(20))
