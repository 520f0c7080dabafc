"""Behaviour on variants of the seed lab that must not regress (issue 10), and the console order
of a command started at the same instant as debug output."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime, run_scenario

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"


def _conn_ids(runtime: Runtime, router: str) -> set[int]:
    return {e.fields["conn_id"] for e in runtime.events.events
        if e.kind == "ike" and e.device == router and e.fields.get("conn_id")}


def test_traffic_that_stops_before_the_first_sa_dies_gives_no_second_conn_id() -> None:
    """Five echoes (10 s) instead of fifty: when SA 1 dies by retransmission at ~121 s there
    is no traffic left to ask for another, so conn-id 2 never appears on either router."""
    sc = load_scenario(SCENARIOS / "missing-return-route.yaml")
    sc.events = [replace(e, command="ping 172.16.2.2") if e.command.startswith("ping") else e
                 for e in sc.events]
    sc.expect = None
    runtime = Runtime(sc)
    runtime.run()
    for router in ("RT1", "RT2"):
        assert _conn_ids(runtime, router) == {1}, router
    deaths = [e for e in runtime.events.events if e.kind == "ike"
              and e.fields["event"] == "delete"]
    assert {e.fields["reason"] for e in deaths} == {"death by retransmission P1"}
    assert {e.device for e in deaths} == {"RT1", "RT2"}


def test_route_added_in_mm_sa_setup_lets_mm2_through_on_the_same_conn_id() -> None:
    """The late fix (route added on RT2 at 150 s while its SA 2 sits in MM_SA_SETUP): the next
    duplicate MM1 makes RT2 resend MM2, which now reaches RT1, and main mode completes on
    conn-id 2: no third SA."""
    runtime = Runtime(load_scenario(SCENARIOS / "missing-return-route-late-fix.yaml"))
    result = runtime.run()
    ike = [e for e in result.events.events if e.kind == "ike"]
    setup = [e for e in ike if e.device == "RT2" and e.time < 150
             and e.fields["event"] == "tx" and e.fields.get("state") == "MM_SA_SETUP"]
    assert setup and setup[-1].fields["conn_id"] == 2
    done = [e for e in ike if e.fields["event"] == "phase1_complete"]
    assert {e.device for e in done} == {"RT1", "RT2"}
    assert all(e.time > 150 and e.fields["conn_id"] == 2 for e in done)
    resent = [e for e in ike if e.device == "RT2" and e.time > 150
              and e.fields["event"] == "tx" and e.fields.get("retransmission")]
    assert resent and resent[0].time < min(e.time for e in done)
    assert max(e.fields["conn_id"] for e in ike) == 2


def test_debug_of_a_command_started_at_the_same_instant_is_not_held_back() -> None:
    """Trace 04: spoke1 pings from its own console and its debug lines print while the ping
    runs. A command started at the instant of the debug output held those lines back until
    the ping finished, so the hub's "received packet" printed before spoke1's "sending
    packet"."""
    sc = load_scenario(SCENARIOS / "fidelity" / "04-iosxe-success-initiator.yaml")
    text = run_scenario(sc).transcript_text()
    sent = text.index("(0):sending packet to 203.0.113.1 my_port 500 peer_port 500 (I) "
                      "MM_NO_STATE")
    received = text.index("(0):received packet from 203.0.113.10 dport 500 sport 500 Global "
                          "(N) NEW SA")
    assert sent < received
    # a command that ends at its start instant still prints before what it caused
    late = load_scenario(SCENARIOS / "missing-return-route-late-fix.yaml")
    late.events.append(replace(next(e for e in late.events if e.command.startswith("sh ip")),
                               at=200.0, device="RT1", command="clear crypto isakmp"))
    late.expect = None
    out = run_scenario(late).transcript_text()
    clear = out.index("RT1#clear crypto isakmp")
    assert out.index('deleting SA reason "No reason"', clear) > clear
