"""Simulated seconds per wall second of the seed lab, measured in-process so interpreter
start-up and imports are excluded (issue 4: >= 2000x; issue 14: >= 50,000x)."""

from __future__ import annotations

import time
from pathlib import Path

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

SEED_LAB = Path(__file__).resolve().parent.parent / "scenarios" / "missing-return-route.yaml"


def run(repeats: int = 5) -> dict:
    scenario = load_scenario(SEED_LAB)
    Runtime(scenario).run()                       # warm-up (imports, caches)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        Runtime(scenario).run()
        best = min(best, time.perf_counter() - started)
    return {"simulated_s": scenario.duration, "wall_s_best": best,
            "sim_s_per_wall_s": scenario.duration / best, "target": ">= 50,000 (issue 14)"}
