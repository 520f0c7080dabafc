"""Golden transcripts: every scenario with a sibling ``NAME.transcript.txt`` must print exactly
that text. Regenerate after an intended change with ``IKESIM_UPDATE_GOLDEN=1 pytest
tests/test_golden_transcripts.py`` and review the diff."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
GOLDEN = sorted(SCENARIOS.rglob("*.transcript.txt"))


def test_there_are_golden_transcripts() -> None:
    assert any(p.name == "missing-return-route.transcript.txt" for p in GOLDEN)


@pytest.mark.parametrize("golden", GOLDEN, ids=[p.name.split(".")[0] for p in GOLDEN])
def test_transcript_matches_golden(golden: Path) -> None:
    scenario_path = golden.with_name(golden.name.replace(".transcript.txt", ".yaml"))
    got = run_scenario(load_scenario(scenario_path)).transcript_text()
    if os.environ.get("IKESIM_UPDATE_GOLDEN"):
        golden.write_text(got)
    want = golden.read_text()
    if got != want:
        diff = "".join(difflib.unified_diff(want.splitlines(True), got.splitlines(True),
                                            "golden", "now", n=2))
        pytest.fail(f"{scenario_path.name}: transcript differs from {golden.name}:\n{diff[:6000]}")
