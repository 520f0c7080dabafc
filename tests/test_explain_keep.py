"""The explanation's bounded event keeper (ikesim/explain/keep.py, issue 13 "memory for long
runs"): every catalogue lab is explained exactly as from the whole event history; a long stream
keeps the first and last records of each group and counts the rest; a long lab keeps about
what a short one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.explain import analyse, explain
from ikesim.explain.keep import FIRST, LAST, EventKeeper, run_kept
from ikesim.net.events import SimEvent
from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = sorted((ROOT / "scenarios" / "catalogue").glob("*.yaml"))
HEALTHY = ROOT / "scenarios" / "catalogue" / "healthy-tunnel.yaml"


@pytest.mark.parametrize("path", CATALOGUE, ids=[p.stem for p in CATALOGUE])
def test_catalogue_explanations_are_unchanged_by_the_bounded_keeper(path: Path) -> None:
    scenario = load_scenario(path)
    runtime = Runtime(scenario)                      # keeps the whole history as well
    bounded = EventKeeper(False)
    runtime.events.subscribe(bounded)
    runtime.run()
    full = [e for e in runtime.events.events if EventKeeper.wanted(e)]
    assert bounded.events == full and not bounded.elided and bounded.notes() == []
    assert analyse(scenario, bounded.events).as_json() == \
        analyse(scenario, runtime.events.events).as_json()


def _event(seq: int, device: str = "RT1", kind: str = "drop", **fields: object) -> SimEvent:
    return SimEvent(float(seq), seq, device, kind, dict(fields or {"reason": "no-route"}))


def test_a_long_stream_keeps_the_first_and_last_of_each_group_and_counts_the_rest() -> None:
    keeper = EventKeeper(False, first=5, last=3)
    for seq in range(1000):
        keeper(_event(seq))                                  # one group, 1000 records
    keeper(_event(1000, kind="ike", event="delete", peer=7))
    keeper(_event(1001, kind="console", output=["debug line"]))   # debug output: not kept
    kept = keeper.events
    assert [e.seq for e in kept] == [0, 1, 2, 3, 4, 997, 998, 999, 1000]
    assert keeper.elided == {"drop": 992}
    (note,) = keeper.notes()
    assert "992 drop" in note and "first 5" in note and "last 3" in note


def test_groups_are_told_apart_by_device_kind_and_what_the_rules_look_at() -> None:
    keeper = EventKeeper(False, first=1, last=1)
    for seq in range(0, 30, 3):
        keeper(_event(seq, reason="no-route"))
        keeper(_event(seq + 1, reason="acl"))
        keeper(_event(seq + 2, device="RT2", reason="no-route"))
    assert [e.seq for e in keeper.events] == [0, 1, 2, 27, 28, 29]
    assert keeper.elided == {"drop": 24}


def test_a_keeper_over_a_history_keeping_log_keeps_no_copy() -> None:
    runtime = Runtime(load_scenario(HEALTHY))
    keeper = EventKeeper.attach(runtime)
    runtime.run()
    assert keeper.events is runtime.events.events and keeper.notes() == []


def _busy(hours: int) -> str:
    text = HEALTHY.read_text()
    head = text[:text.index("\nevents:")] + "\n"
    return head.replace("duration: 40s", f"duration: {hours}h") + """\
events:
  - {at: 1s, device: RT1, exec: debug crypto isakmp}
  - {at: 10s, device: PC1, exec: ping 172.16.2.2, every: 60s}
"""


def test_a_long_lab_keeps_about_what_a_short_one_does_and_says_so() -> None:
    short = run_kept(parse_scenario(_busy(1), file=str(HEALTHY)))
    long = run_kept(parse_scenario(_busy(3), file=str(HEALTHY)))
    assert not short.elided and long.elided["esp"] > 0
    assert len(long.events) < 2 * len(short.events)
    groups = {}
    for e in long.events:
        groups[(e.device, e.kind, e.fields.get("direction"))] = \
            groups.get((e.device, e.kind, e.fields.get("direction")), 0) + 1
    assert max(groups.values()) <= FIRST + LAST
    explanation = explain(parse_scenario(_busy(3), file=str(HEALTHY)), search=False)
    (pair,) = explanation.pairs
    assert pair.status == "healthy"
    assert any(note.startswith("long run:") for note in explanation.notes)
