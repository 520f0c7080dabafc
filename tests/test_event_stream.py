"""The event stream (ikesim/net/events.py), expectations watched from it, and the timeline that
plays scenario events: streaming changes nothing in what a run produces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import ikesim.scenario.runner as rt_module
from ikesim.cli.common import json_default
from ikesim.net.events import EventLog
from ikesim.scenario import playback
from ikesim.scenario.expect import check_scenario, evaluate, expectations_of
from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "expect"


def test_subscribers_see_every_event_once_in_seq_order() -> None:
    log = EventLog(keep=False)
    seen: list[tuple[str, int]] = []

    def first(event: Any) -> None:
        seen.append(("first", event.seq))
        if event.kind == "outer":       # an event emitted while another is delivered
            log.emit(1.0, "RT1", "inner")

    log.subscribe(first)
    log.subscribe(lambda e: seen.append(("second", e.seq)))
    log.emit(1.0, "RT1", "outer")
    assert seen == [("first", 0), ("second", 0), ("first", 1), ("second", 1)]
    assert log.count == 2 and not log.keeps_history
    with pytest.raises(RuntimeError, match="without keeping"):
        _ = log.events


def test_a_subscriber_with_kinds_sees_only_those_in_order_with_the_others() -> None:
    log = EventLog(keep=False)
    seen: list[tuple[str, str]] = []
    everything = lambda e: seen.append(("all", e.kind))        # noqa: E731
    log.subscribe(everything)
    log.subscribe(lambda e: seen.append(("link", e.kind)), kinds=["link", "interface"])
    log.emit(0.0, "RT1", "ike")
    log.emit(0.0, "RT1", "link")
    assert seen == [("all", "ike"), ("all", "link"), ("link", "link")]
    # subscribing again changes the routes already resolved for a kind
    log.subscribe(lambda e: seen.append(("ike", e.kind)), kinds={"ike"})
    seen.clear()
    log.emit(0.0, "RT1", "ike")
    assert seen == [("all", "ike"), ("ike", "ike")]
    log.unsubscribe(everything)
    seen.clear()
    log.emit(0.0, "RT1", "ike")
    log.emit(0.0, "RT1", "interface")
    assert seen == [("ike", "ike"), ("link", "interface")]
    with pytest.raises(ValueError, match="not subscribed"):
        log.unsubscribe(everything)


def test_the_console_hook_prints_link_changes_but_is_not_called_for_ike_events() -> None:
    scenario = ROOT / "scenarios" / "routing" / "three-routers.yaml"
    rt = Runtime(load_scenario(scenario))
    called: list[str] = []
    original = rt._on_event
    rt.events.unsubscribe(original)

    def spy(event: Any) -> None:
        called.append(event.kind)
        original(event)
    rt.events.subscribe(spy, kinds=rt_module.SYSLOG_EVENT_KINDS)
    result = rt.run()
    assert "interface" in called and set(called) <= {"interface", "ospf", "tunnel"}
    assert len(called) < len(result.events.events)
    golden = scenario.with_name("three-routers.transcript.txt").read_text()
    assert result.transcript_text() == golden and "%LINEPROTO-5-UPDOWN" in golden


def test_reserved_field_names_are_refused() -> None:
    with pytest.raises(ValueError, match="reserved"):
        EventLog().emit(0.0, "RT1", "x", seq=3)


MANY_FAILURES = """\
expect:
  - phase1: {between: [RT1, RT2], outcome: established}
  - phase1: {between: [RT1, RT2], outcome: failed, reason: no-psk}
  - sa: {device: RT1, at: 12s, rows: []}
  - log: {device: RT2, match: 'duplicate', equals: 1}
  - log: {device: RT2, match: 'duplicate', within: [0s, 5s]}
  - log: {device: RT1, match: 'no such line'}
  - count: {device: RT1, event: retransmit, equals: 2}
  - count: {event: tx, max: 1}
  - ping: {device: PC1, success: 5}
  - ping: {device: PC1, to: 9.9.9.9, rate: 100}
  - drop: {device: RT2, reason: no-route, max: 0}
  - drop: {reason: ttl, min: 3}
"""


def _with(text: str, expect: str) -> str:
    cut = text.find("\nexpect:")
    return (text if cut < 0 else text[:cut] + "\n") + expect


def test_streamed_expectations_report_what_the_kept_record_reports() -> None:
    text = _with((DATA / "stuck.yaml").read_text(), MANY_FAILURES)
    scenario = parse_scenario(text, file="stuck.yaml", base_dir=DATA)
    expectations = expectations_of(scenario)
    streaming = Runtime(scenario, events=EventLog(keep=False))
    _, streamed = check_scenario(scenario, expectations, runtime=streaming)
    kept_runtime = Runtime(scenario)
    replayed = evaluate(expectations, kept_runtime.run(), kept_runtime)  # no prepare: replay
    assert len(streamed) == len(expectations.items)        # every one fails
    assert [f.render() for f in streamed if f.kind != "sa"] == \
        [f.render() for f in replayed if f.kind != "sa"]
    assert any("... " in line for f in streamed for line in f.actual)    # examples were cut


def test_evaluating_a_streamed_run_needs_prepare() -> None:
    scenario = load_scenario(DATA / "stuck.yaml")
    runtime = Runtime(scenario, events=EventLog(keep=False))
    result = runtime.run()
    with pytest.raises(ValueError, match="prepare"):
        evaluate(expectations_of(scenario), result, runtime)


def _one_process_per_event(env: Any, events: Any, play: Any) -> None:
    for event in events:
        env.process(play(event))


SAME_TIMES = """\
name: same-times
duration: 40s
routers:
  RT1: |
    hostname RT1
    interface FastEthernet0/0
     ip address 10.0.0.1 255.255.255.0
    interface FastEthernet0/1
     ip address 10.0.1.1 255.255.255.0
hosts:
  PC1: {address: 10.0.0.2/24, gateway: 10.0.0.1}
  PC2: {address: 10.0.1.2/24, gateway: 10.0.1.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa0/1, b: PC2 Fa0/0}
events:
  - {at: 0s, device: PC1, exec: ping 10.0.1.2 repeat 3}
  - {at: 0s, device: RT1, exec: show ip route}
  - {at: 2s, device: PC2, exec: ping 10.0.0.2 repeat 2, every: 2s}
  - {at: 2s, link: RT1-PC2, state: down}
  - {at: 4s, link: RT1-PC2, state: up}
  - {at: 4s, device: RT1, exec: show ip interface brief, every: 4s, until: 20s}
  - at: 6s
    device: RT1
    configure: |
      interface FastEthernet0/0
       shutdown
  - {at: 8s, device: PC1, exec: ping 10.0.1.2 repeat 1}
"""


def _record(scenario: Any) -> tuple[str, list[str]]:
    result = Runtime(scenario).run()
    return result.transcript_text(), [json.dumps(e.as_json(), sort_keys=True,
                                                 default=json_default)
                                      for e in result.events.events]


@pytest.mark.parametrize("source", [
    "same-times", "scenarios/missing-return-route-late-fix.yaml",
    "scenarios/catalogue/link-flap.yaml", "scenarios/catalogue/lossy-link.yaml",
    "scenarios/routing/three-routers.yaml", "scenarios/catalogue/healthy-tunnel.yaml"])
def test_the_timeline_plays_events_exactly_as_one_process_each(
        source: str, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario = parse_scenario(SAME_TIMES, file="same-times.yaml") if source == "same-times" \
        else load_scenario(ROOT / source)
    streamed = _record(scenario)
    monkeypatch.setattr(playback, "schedule", _one_process_per_event)
    assert streamed == _record(scenario)
    assert len(streamed[1]) > 20
