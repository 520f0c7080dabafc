"""scenario/gcpolicy.py: the lab is frozen out of garbage collections while it runs, handed back
afterwards, and a freeze made by someone else is left alone."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from ikesim.scenario.gcpolicy import heap_frozen
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

SEED_LAB = Path(__file__).resolve().parent.parent / "scenarios" / "missing-return-route.yaml"


@pytest.fixture(autouse=True)
def _nothing_frozen() -> None:
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_the_built_lab_is_frozen_during_the_run_and_released_after() -> None:
    runtime = Runtime(load_scenario(SEED_LAB))
    seen: list[int] = []
    runtime.events.subscribe(lambda event: seen.append(gc.get_freeze_count()))
    result = runtime.run()
    assert seen and min(seen) > 0            # every event of the run saw the lab frozen
    assert gc.get_freeze_count() == 0
    assert "death by retransmission P1" in result.transcript.text()


def test_a_freeze_made_by_someone_else_is_left_alone() -> None:
    gc.freeze()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    with heap_frozen() as froze:
        assert froze is False
        assert gc.get_freeze_count() == frozen
    assert gc.get_freeze_count() == frozen    # not unfrozen by the run


def test_nested_runs_freeze_once_and_an_error_still_releases() -> None:
    with pytest.raises(RuntimeError), heap_frozen() as outer:
        assert outer is True
        with heap_frozen() as inner:
            assert inner is False
        assert gc.get_freeze_count() > 0        # the inner run did not unfreeze the outer's
        raise RuntimeError("a run that fails")
    assert gc.get_freeze_count() == 0
