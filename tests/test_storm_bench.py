"""Sanity of the scale benchmarks at a small size (no timing assertions: the figures themselves
come from `make bench`): the storm completes through the bare engines and through the lab, the
floor and memory figures are produced, and the lab build stays per-router flat in work done."""

from __future__ import annotations

from bench import storm_bench
from bench.storm_lab import build_engine_storm, run_engine_storm, storm_scenario
from ikesim.scenario.runner import Runtime


def test_engine_storm_carries_every_exchange() -> None:
    storm = build_engine_storm(2, 5)
    # main mode: 6 messages per spoke; quick mode: 3 more
    assert run_engine_storm(storm, quick=False) == 30
    assert run_engine_storm(build_engine_storm(14, 3), quick=True, echoes=2) == 27


def test_lab_storm_establishes_every_spoke_and_pings_through_esp() -> None:
    rt, outcome = storm_bench._runtime(2, 4, True, keep=True)
    result = rt.run()
    outcome.check(4, True)
    assert result.transcript_text().count("Success rate is 80 percent (4/5)") == 4
    hub = rt.devices["HUB"].crypto.engine
    assert len(hub.ipsec_pairs()) == 4


def test_storm_figures_are_produced() -> None:
    time = storm_bench.measure_time(2, 3, False)
    assert time["engine_ratio"] > 0 and time["lab_ratio"] > 0 and time["build_s"] > 0
    memory = storm_bench.measure_memory(2, 3, True, streamed=True)
    assert memory["other_B_per_spoke"] > 0 and memory["crypto_B_per_spoke"] > 0


def test_hub_classifier_holds_one_rule_per_spoke() -> None:
    rt = Runtime(storm_scenario(2, 50, quick=False))
    (classifier,) = rt.devices["HUB"].crypto._classifiers.values()
    assert len(classifier.rules) == 50 and len(classifier.policies()) == 50
