"""The live labs of ``make interop`` (scenarios/linux/live) without a daemon, simulated and
deterministic: what the real daemon will receive through ``ikesim.live``. The responder lab's
static PAT publishes charon's ports 10500/14500 as 127.0.3.1:500/4500, so RT2's main mode
request, sent to 127.0.3.1:500 for PC2's ping, reaches the daemon's host on port 10500 from
127.0.2.2:500, the socket the bridge sends it from; unanswered, RT2 resends it."""

from __future__ import annotations

from pathlib import Path

from ikesim.net.packet import Udp
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
LIVE = ROOT / "scenarios" / "linux" / "live"


def _udp_to(runtime: Runtime, device: str) -> list[tuple[float, int, int, int, int, bytes]]:
    """(time, src, sport, dst, dport, data) of every UDP datagram a link carries to ``device``."""
    seen: list[tuple[float, int, int, int, int, bytes]] = []

    def tap(now: float, link, packet, sender) -> None:
        peer = link.a if link.b is sender else link.b
        if isinstance(packet.payload, Udp) and peer.device.name == device:
            udp = packet.payload
            seen.append((now, packet.src, udp.sport, packet.dst, udp.dport, bytes(udp.data)))

    runtime.lab.taps.append(tap)
    return seen


def test_the_pat_publishes_the_daemons_ports_to_the_initiating_router() -> None:
    runtime = Runtime(load_scenario(LIVE / "ios-charon-responder.yaml"))
    seen = _udp_to(runtime, "rt1")
    runtime.advance(16.0)
    assert seen, "RT2's main mode request never reached the daemon's host"
    assert {(src, sport, dst, dport) for _, src, sport, dst, dport, _ in seen} == \
        {(0x7F000202, 500, 0x7F000101, 10500)}
    first = seen[0][5]
    assert first[16] == 1 and first[18] == 2       # SA payload first, exchange 2: main mode
    assert seen[0][0] >= 2.0                        # PC2's ping at 2 s starts it
    assert len(seen) >= 2 and all(data == first for *_, data in seen)   # resent, unchanged


def test_the_esp_lab_is_silent_without_the_daemon() -> None:
    """Without ``--live`` the daemon's host never speaks, so RT2, the responder there, sends
    nothing to it: every datagram the live run's daemon receives is an answer to its own."""
    runtime = Runtime(load_scenario(LIVE / "ios-charon-esp.yaml"))
    seen = _udp_to(runtime, "rt1")
    runtime.advance(16.0)
    assert seen == []
