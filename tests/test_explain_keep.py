"""The explanation's bounded event keeper (ikesim/explain/keep.py, issue 13 "memory for long
runs"): every catalogue lab is explained exactly as from the whole event history; a long stream
keeps the first hour and the last records of each group and counts the rest; a long lab keeps
about what a short one does."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.explain import analyse, explain
from ikesim.explain.keep import ESP_KEPT, EventKeeper, run_kept
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
    full = runtime.events.events
    read = [e for e in full if EventKeeper.read(e)]
    stand_ins = [e for e in bounded.events if "count" in e.fields]
    assert [e for e in bounded.events if "count" not in e.fields] == \
        [e for e in read if e.kind != "esp" or e in bounded.events]
    assert all(e.kind == "esp" for e in stand_ins)
    assert len([e for e in read if e.kind == "esp"]) == \
        sum(int(e.fields.get("count", 1)) for e in bounded.events if e.kind == "esp")
    assert not bounded.elided and bounded.notes() == []
    assert analyse(scenario, bounded.events).as_json() == \
        analyse(scenario, runtime.events.events).as_json()


def _event(seq: int, device: str = "RT1", kind: str = "drop", **fields: object) -> SimEvent:
    return SimEvent(float(seq), seq, device, kind, dict(fields or {"reason": "no-route"}))


def test_a_long_stream_keeps_the_first_seconds_and_the_last_of_each_group() -> None:
    keeper = EventKeeper(False, full_seconds=5, last=3)
    for seq in range(1000):
        keeper(_event(seq))                                  # one group, 1000 records
    keeper(_event(1000, kind="ike", event="delete", peer=7))
    keeper(_event(1001, kind="console", output=["debug line"]))   # debug output: not kept
    kept = keeper.events
    assert [e.seq for e in kept] == [0, 1, 2, 3, 4, 997, 998, 999, 1000]
    assert keeper.elided == {"drop": 992}
    (note,) = keeper.notes()
    assert "992 drop" in note and "first 5 s" in note and "last 3" in note


def test_groups_are_told_apart_by_device_kind_and_what_the_rules_look_at() -> None:
    keeper = EventKeeper(False, full_seconds=3, last=1)
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


def test_esp_records_are_kept_at_both_ends_and_counted_in_between() -> None:
    keeper = EventKeeper(False)
    for seq in range(1000):
        keeper(_event(seq, kind="esp", direction="out", peer="11.11.11.2"))
    kept = keeper.events
    assert len(kept) == 2 * ESP_KEPT + 1 and not keeper.elided
    assert sum(int(e.fields.get("count", 1)) for e in kept) == 1000
    assert [e.seq for e in kept][:ESP_KEPT] == list(range(ESP_KEPT))
    assert [e.seq for e in kept][-ESP_KEPT:] == list(range(1000 - ESP_KEPT, 1000))


def test_ike_events_no_rule_reads_are_not_kept() -> None:
    keeper = EventKeeper(False)
    keeper(_event(1, kind="ike", event="process_payload", payload="SA"))
    keeper(_event(2, kind="ike", event="qm_begin", peer=7))
    assert [e.seq for e in keeper.events] == [2] and not keeper.elided


def test_a_long_lab_keeps_about_what_a_short_one_does() -> None:
    def esp_total(keeper: EventKeeper) -> int:
        return sum(int(e.fields.get("count", 1)) for e in keeper.events if e.kind == "esp")

    short = run_kept(parse_scenario(_busy(1), file=str(HEALTHY)))
    long = run_kept(parse_scenario(_busy(3), file=str(HEALTHY)))
    assert len(long.events) < 2 * len(short.events)
    # every echo of the 3 h (a ping of 5 each minute) is counted, by both routers both ways
    assert esp_total(long) >= 4 * 5 * (3 * 60 - 1)
    assert esp_total(short) >= 4 * 5 * (60 - 1)
    explanation = explain(parse_scenario(_busy(3), file=str(HEALTHY)), search=False)
    (pair,) = explanation.pairs
    assert pair.status == "healthy"
    (note,) = explanation.notes                     # pings after the first hour: the last 50
    assert note.startswith("long run: after the first 3600 s, ") and " console " in note
    assert any(line.startswith("ESP at RT1: ") for line in pair.quick_mode.lines)


def test_every_ike_event_kind_the_rules_name_is_kept() -> None:
    """A kind an explain rule (or the teaching ladder) compares against must be in USED_IKE,
    else the bounded keeper silently hides it from that rule."""
    import re
    from pathlib import Path

    import ikesim.ike.events as catalogue
    from ikesim.explain.keep import USED_IKE

    kinds = set(re.findall(r"^  ([a-z_0-9]+)\s", catalogue.__doc__ or "", re.M))
    root = Path(catalogue.__file__).parents[1]
    sources = [*(root / "explain").glob("*.py"), root / "teach" / "facts.py"]
    named = {k for p in sources for k in kinds if re.search(rf"[\"']{k}[\"']", p.read_text())}
    assert named - USED_IKE == set()
