"""The seed lab reproduced from the simulation: RT2's timeline, tables and PC1's ping, checked
against the seed write-up (copied to tests/data/seed) and from the structured events."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import RunResult, run_scenario

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data" / "seed"
SEED = DATA / "000_3867bc4c10a91e5a.txt"


@pytest.fixture(scope="module")
def seed_run() -> RunResult:
    return run_scenario(load_scenario(ROOT / "scenarios" / "missing-return-route.yaml"))


def _checker():
    spec = importlib.util.spec_from_file_location("seed_timeline_check",
                                                  DATA / "seed_timeline_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_seed_timeline_tool_agrees(seed_run: RunResult, tmp_path: Path) -> None:
    """The shared checker: every seed event within +-1 s, no extra events, same tables."""
    transcript = tmp_path / "transcript.txt"
    transcript.write_text(seed_run.transcript_text())
    proc = subprocess.run([sys.executable, str(DATA / "seed_timeline_check.py"), str(SEED),
                           str(transcript)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout
    assert "seed events matched 38/38, extra 0, tables match" in proc.stdout


def test_tables_equal_the_seed_tables(seed_run: RunResult) -> None:
    checker = _checker()

    def dedup(tables: list) -> list:
        return [t for i, t in enumerate(tables) if i == 0 or t != tables[i - 1]]

    ours = dedup(checker.show_tables(seed_run.transcript_text()))
    assert ours == dedup(checker.show_tables(SEED.read_text()))
    assert ours[1] == (("11.11.11.2", "10.10.10.2", "MM_SA_SETUP", 1, False),)
    assert ours[2] == (("11.11.11.2", "10.10.10.2", "MM_SA_SETUP", 2, False),
                       ("11.11.11.2", "10.10.10.2", "MM_NO_STATE", 1, True))


def _ike(run: RunResult, device: str) -> list[tuple[float, int, str, dict]]:
    return [(e.time, e.fields["sa"], e.fields["event"], e.fields) for e in run.events.events
            if e.kind == "ike" and e.device == device]


def test_rt2_offsets_from_the_first_new_sa(seed_run: RunResult) -> None:
    events = _ike(seed_run, "RT2")
    t0 = next(t for t, _, kind, f in events if kind == "rx" and f.get("new_sa"))

    def offsets(kind: str, sa: int) -> list[int]:
        return [round(t - t0) for t, s, k, _ in events if k == kind and s == sa]

    assert offsets("duplicate", 1) == [10, 20, 30, 40, 50]
    assert offsets("retransmit", 1) == [11, 21, 31, 41, 51]
    assert offsets("delete", 1) == [61]
    assert offsets("purge", 1) == [121]
    new_sas = [round(t - t0) for t, _, k, f in events if k == "rx" and f.get("new_sa")]
    assert new_sas == [0, 60]
    assert offsets("duplicate", 2) == [70, 80, 90, 100, 110]
    assert offsets("retransmit", 2) == [71, 81, 91, 101, 111]
    assert offsets("delete", 2) == [121]
    assert offsets("purge", 2) == [181]
    deletes = [f["reason"] for _, _, k, f in events if k == "delete"]
    assert deletes == ["death by retransmission P1"] * 2


def test_rt1_initiator_story(seed_run: RunResult) -> None:
    events = _ike(seed_run, "RT1")
    t0 = next(t for t, _, kind, _ in events if kind == "tx")
    sends = [round(t - t0) for t, s, k, f in events if k == "tx" and s == 1]
    assert sends == [0, 10, 20, 30, 40, 50]
    assert all(f["state"] == "MM_NO_STATE" for _, s, k, f in events if k == "tx" and s == 1)
    assert [round(t - t0) for t, s, k, _ in events if k == "delete"] == [60, 120]
    assert [round(t - t0) for t, s, k, _ in events if k == "purge"] == [120, 180]


def test_rt2_drops_its_replies_for_lack_of_a_route(seed_run: RunResult) -> None:
    drops = [e for e in seed_run.events.events if e.kind == "drop" and e.device == "RT2"]
    assert drops and {e.fields["reason"] for e in drops} == {"no-route"}
    assert all(e.fields["dst"] == "10.10.10.2" for e in drops)
    assert len(drops) == 12     # MM2 and its five resends, for each of the two SAs


def test_pc1_ping_fails_after_100_seconds(seed_run: RunResult) -> None:
    (ping,) = [e for e in seed_run.events.events if e.kind == "console"
               and e.fields.get("command", "").startswith("ping")]
    assert "Success rate is 0 percent (0/50)" in ping.fields["output"]
    assert "." * 50 in ping.fields["output"]
    assert 100 <= ping.time - ping.fields["started"] < 101


def test_show_ip_route_matches_the_seed_line_for_line(seed_run: RunResult) -> None:
    text = seed_run.transcript_text()
    ours = text[text.index("RT2#sh ip route"):].splitlines()
    seed = SEED.read_text()
    theirs = seed[seed.index("RT2#sh ip route"):].splitlines()[:8]
    # The write-up omits the codes legend; from "Gateway of last resort" on, line for line.
    start = ours.index("Gateway of last resort is not set")
    assert ours[start - 1:start + 6] == theirs[1:8]
    assert ours[1].startswith("Codes: C - connected, S - static")


def test_same_seed_same_bytes(seed_run: RunResult) -> None:
    again = run_scenario(load_scenario(ROOT / "scenarios" / "missing-return-route.yaml"))
    assert again.transcript_text() == seed_run.transcript_text()
    dump = lambda r: "\n".join(json.dumps(e.as_json(), sort_keys=True, default=str)  # noqa: E731
                               for e in r.events.events)
    assert dump(again) == dump(seed_run)
