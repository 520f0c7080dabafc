"""The engine's own benchmarks (issue 13), one entry for ``python -m bench``: per-message cost
against the number of half-open SAs (``engine_scaling``) and the hostile 61 KB MM1
(``engine_hostile``)."""

from __future__ import annotations

from bench import engine_hostile, engine_scaling


def run(quick: bool = False) -> dict[str, dict]:
    return {"engine: per-message cost, 10 vs many half-open SAs (issue 13)":
            engine_scaling.run(quick),
            "engine: hostile 61 KB MM1, 2,550 transforms (issue 13)": engine_hostile.run(quick)}
