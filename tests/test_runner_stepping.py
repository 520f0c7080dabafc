"""The runner's stepping API (what the lab console drives): stopping anywhere changes nothing,
conditions stop at the right instant, injected events are recorded and replay identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.model import EventSpec
from ikesim.scenario.runner import Runtime, run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
SEED = SCENARIOS / "missing-return-route.yaml"
FIXED = SCENARIOS / "missing-return-route-fixed.yaml"


def _events(runtime: Runtime) -> list[str]:
    return [json.dumps(e.as_json(), sort_keys=True, default=str) for e in runtime.events.events]


@pytest.mark.parametrize("stops", [[7.0], [55.0, 55.0, 61.0, 66.0, 66.5, 71.0025], [1.0] * 3])
def test_stopping_anywhere_changes_nothing(stops: list[float]) -> None:
    whole = Runtime(load_scenario(SEED))
    whole_text = whole.run().transcript_text()
    chunked = Runtime(load_scenario(SEED))
    t = 0.0
    for stop in stops:
        t = max(t, stop)
        chunked.advance(t)
    assert chunked.run().transcript_text() == whole_text
    assert _events(chunked) == _events(whole)


def test_progress_chunks_change_nothing_and_report_time() -> None:
    seen: list[float] = []
    runtime = Runtime(load_scenario(SEED))
    text = runtime.run(progress=seen.append).transcript_text()
    assert text == run_scenario(load_scenario(SEED)).transcript_text()
    assert seen == sorted(seen) and len(seen) > 50 and seen[-1] == 260.0


def test_advance_stops_on_a_condition_at_its_instant() -> None:
    runtime = Runtime(load_scenario(FIXED))
    engine = runtime.devices["RT2"].crypto.engine

    def qm_idle() -> bool:
        return any(row.state == "QM_IDLE" for row in engine.sa_rows())

    assert runtime.advance(40.0, stop=qm_idle) is True
    assert qm_idle()
    stopped = runtime.now
    assert 10.0 < stopped < 11.0          # the ping at 10 s brings the tunnel up
    # stopping there was harmless: the rest of the run is the same as an uninterrupted one
    assert runtime.run().transcript_text() == run_scenario(load_scenario(FIXED)).transcript_text()


def test_advance_without_the_condition_reports_false_at_the_limit() -> None:
    runtime = Runtime(load_scenario(SEED))
    engine = runtime.devices["RT2"].crypto.engine
    assert runtime.advance(100.0, stop=lambda: any(
        r.state == "QM_IDLE" for r in engine.sa_rows())) is False
    assert runtime.now == 100.0


def test_injected_events_are_recorded_and_replay_identically() -> None:
    live = Runtime(load_scenario(SEED))
    live.advance(66.0)                     # the scenario's own 66 s command has played
    route = EventSpec(at=0, action="configure", device="RT2",
                      lines=["ip route 0.0.0.0 0.0.0.0 11.11.11.1"])
    live.inject(route)
    show = live.inject(EventSpec(at=0, action="exec", device="RT2",
                                 command="sh crypto isakmp sa"))
    live.advance(200.0, stop=lambda: show.done)
    # both queued at 66 s, where nothing had happened yet: after the scenario's own 66 s event
    assert live.now == 66.0 and [e.at for e in live.injected] == [66.0, 66.0]
    text = SEED.read_text() + "".join(
        f"  - {{at: {e.at!r}, device: RT2, {k}}}\n" for e, k in zip(
            live.injected, ["configure: 'ip route 0.0.0.0 0.0.0.0 11.11.11.1'",
                            "exec: sh crypto isakmp sa"], strict=True))
    replay = run_scenario(parse_scenario(text, file="replay.yaml"))
    assert live.run().transcript_text() == replay.transcript_text()
    assert "QM_IDLE" in replay.transcript_text()


def test_origin_names_the_event_whose_command_printed() -> None:
    runtime = Runtime(load_scenario(SEED))
    seen: list[tuple[str, EventSpec | None]] = []
    runtime.transcript.add_listener(lambda block: seen.append((block.kind, runtime.origin())))
    runtime.advance(56.0)
    mine = runtime.inject(EventSpec(at=0, action="exec", device="RT1", command="sh ip route"))
    runtime.advance(60.0, stop=lambda: mine.done)
    commands = [origin for kind, origin in seen if kind == "command"]
    # the scenario's own commands (50 s, 55 s) have no origin; the injected one has its event
    assert commands == [None, None, runtime.injected[-1]]
    assert runtime.injected[-1].command == "sh ip route"


def test_a_command_typed_where_something_already_happened_is_played_a_microsecond_later(
        tmp_path: Path) -> None:
    live = Runtime(load_scenario(SEED))
    live.advance(66.0)
    first = live.inject(EventSpec(at=0, action="exec", device="RT2", command="sh ip route"))
    live.advance(100.0, stop=lambda: first.done)
    second = live.inject(EventSpec(at=0, action="exec", device="RT2", command="sh ip route"))
    live.advance(100.0, stop=lambda: second.done)
    assert [e.at for e in live.injected] == [66.0, 66.000001]
    text = SEED.read_text() + "".join(
        f"  - {{at: {e.at!r}, device: RT2, exec: sh ip route}}\n" for e in live.injected)
    replay = run_scenario(parse_scenario(text, file="replay.yaml"))
    assert live.run().transcript_text() == replay.transcript_text()


def test_the_scenarios_own_event_at_the_same_instant_comes_first() -> None:
    live = Runtime(load_scenario(SEED))
    live.advance(76.0)                      # the scenario shows the SA table at 76 s too
    mine = live.inject(EventSpec(at=0, action="exec", device="RT2", command="sh ip route"))
    live.advance(100.0, stop=lambda: mine.done)
    shown = [e.fields.get("command") for e in live.events.events
             if e.kind == "console" and e.time == 76.0 and "command" in e.fields]
    assert shown == ["sh crypto isakmp sa", "sh ip route"]
