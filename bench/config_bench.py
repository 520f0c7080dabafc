"""Loading a real configuration (issue 9): the largest file of tests/data/real-configs parsed
as `ikesim validate` parses it, against a floor measured in the same run.

The floor is the least work any line-oriented IOS parser does on the same text: split it into
lines, each line into words, and look every lower-cased word up in a dictionary of keywords. The
ratio says how much the IOS grammar (modes, abbreviations, numbers, the data model, the catalogue
of accepted lines) costs on top of merely reading the words; absolute times are for context.

    python3 -m bench.config_bench
"""

from __future__ import annotations

import gc
import statistics
import time
from pathlib import Path

from ikesim.ios.config import FEATURES, parse_config
from ikesim.ios.config.catalogue import GLOBAL, INTERFACE

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "data" / "real-configs"


def largest_config() -> Path:
    return max(CORPUS.glob("*.cfg"), key=lambda p: p.stat().st_size)


def _floor(text: str, keywords: dict[str, object]) -> int:
    found = 0
    for line in text.splitlines():
        for word in line.split():
            if keywords.get(word.lower()) is not None:
                found += 1
    return found


def _best(fn, rounds: int) -> float:           # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times) if rounds < 5 else statistics.median(times)


def run(repeats: int = 20, rounds: int = 7) -> dict[str, object]:
    path = largest_config()
    text = path.read_text()
    ignore = list(FEATURES)
    keywords = {k: True for k in list(GLOBAL) + list(INTERFACE)}
    parse = _best(lambda: [parse_config(text, ignore=ignore) for _ in range(repeats)], rounds)
    floor = _best(lambda: [_floor(text, keywords) for _ in range(repeats)], rounds)
    lines = len(text.splitlines())
    return {"file": path.name, "lines": lines,
            "parse ms per file": 1000 * parse / repeats,
            "floor ms per file (split + lookup)": 1000 * floor / repeats,
            "parse / floor": parse / floor,
            "parse us per line": 1e6 * parse / repeats / lines}


if __name__ == "__main__":
    for key, value in run().items():
        print(f"{key:<36} {value}")
