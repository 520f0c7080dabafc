"""Live peers (``ikesim.live``, the scenario's ``live:`` section, ``ikesim run --live``): the
bridge carries real loopback datagrams into the lab and back, unchanged and only for the
daemon's address; a wrong section, a port in use or a missing section is one line and exit 2.
The real daemons are in interop/ (``make interop``)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from ikesim.errors import InputError
from ikesim.live import LiveBridge
from ikesim.net.packet import Udp
from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
LIVE_LAB = ROOT / "scenarios" / "linux" / "live" / "ios-charon.yaml"
TEXT = LIVE_LAB.read_text()


def _ikesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ikesim", *args], capture_output=True,
                          text=True, timeout=120, check=False)


def _line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def test_live_section_is_read() -> None:
    live = load_scenario(LIVE_LAB).live
    assert (live.device, str(live.daemon), [str(a) for a in live.listen]) == \
        ("rt1", "127.0.1.1", ["127.0.2.2"])
    assert (live.ike_port, live.natt_port) == (10500, 14500)


@pytest.mark.parametrize(("old", "new", "reason"), [
    ("listen: [127.0.2.2]", "listen: [10.0.0.1]", "is not in 127.0.0.0/8"),
    ("listen: [127.0.2.2]", "listen: [127.0.9.9]", "is not an address of a simulated device"),
    ("listen: [127.0.2.2]", "listen: [127.0.1.1]", "is not an address of a simulated device"),
    ("device: rt1", "device: RT2", "must be a host of this scenario"),
    ("ports: {ike: 10500, nat_t: 14500}", "ports: {ike: 10500, nat_t: 10500}", "must differ"),
    ("ports: {ike: 10500, nat_t: 14500}", "ports: {ike: 70000}", "must be a UDP port"),
    ("  listen: [127.0.2.2]", "  listen: [127.0.2.2]\n  bind: all", "unknown key 'bind'"),
])
def test_bad_live_sections_name_the_line(old: str, new: str, reason: str) -> None:
    text = TEXT.replace(old, new)
    with pytest.raises(InputError) as err:
        parse_scenario(text, file="live.yaml")
    assert reason in str(err.value)
    assert err.value.file == "live.yaml"
    assert err.value.line == _line_of(text, new.strip().splitlines()[-1])


def test_a_daemon_host_off_loopback_is_refused() -> None:
    text = TEXT.replace("rt1: {address: 127.0.1.1/24, gateway: 127.0.1.254}",
                        "rt1: {address: 10.1.1.1/24, gateway: 10.1.1.254}")
    with pytest.raises(InputError, match=r"10\.1\.1\.1 is not in 127\.0\.0\.0/8"):
        parse_scenario(text, file="live.yaml")


def test_live_without_a_section_is_exit_2(tmp_path: Path) -> None:
    done = _ikesim("run", "--live", str(ROOT / "scenarios" / "missing-return-route.yaml"))
    assert done.returncode == 2
    assert "--live needs a 'live:' section" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_port_in_use_is_exit_2_not_a_hang() -> None:
    blocker = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    blocker.bind(("127.0.2.2", 4500))          # the lab's NAT-T socket
    try:
        done = _ikesim("run", "--live", str(LIVE_LAB))
    finally:
        blocker.close()
    assert done.returncode == 2, done.stderr
    assert done.stderr.strip().endswith(
        "cannot bind the live socket 127.0.2.2:4500: the port is in use (another IKE daemon "
        "or ikesim?)")
    assert "Traceback" not in done.stderr
    assert str(LIVE_LAB) in done.stderr


def test_datagrams_cross_the_lab_both_ways_unchanged() -> None:
    runtime = Runtime(load_scenario(LIVE_LAB), realtime=True)
    seen: list[tuple[str, int, int, int, int, bytes]] = []

    def tap(_t: float, link, packet, sender) -> None:
        if isinstance(packet.payload, Udp):
            seen.append((sender.device.name, packet.src, packet.payload.sport, packet.dst,
                         packet.payload.dport, packet.payload.data))

    runtime.lab.taps.append(tap)
    bridge = LiveBridge.attach(runtime)
    daemon = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    stranger = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        daemon.bind(("127.0.1.1", 10500))
        stranger.bind(("127.0.3.3", 10500))
        daemon.settimeout(5)
        runtime.lab.env.sync()
        daemon.sendto(b"from the daemon", ("127.0.2.2", 500))
        stranger.sendto(b"not the daemon", ("127.0.2.2", 500))
        runtime.advance(0.2)
        # RT2 -> the daemon's host in the lab -> the real socket bound to RT2's address
        runtime.lab.devices["RT2"].send_udp(0x7F000101, 4500, 10500, b"from RT2",
                                            src=0x7F000202)
        runtime.advance(0.4)
        data, source = daemon.recvfrom(100)
    finally:
        bridge.close()
        daemon.close()
        stranger.close()
    assert (data, source) == (b"from RT2", ("127.0.2.2", 4500))
    assert ("ISP", 0x7F000101, 10500, 0x7F000202, 500, b"from the daemon") in seen
    assert ("rt1", 0x7F000101, 10500, 0x7F000202, 500, b"from the daemon") in seen
    assert not [s for s in seen if s[5] == b"not the daemon"]
    assert (bridge.counters.to_lab, bridge.counters.to_daemon, bridge.counters.ignored) == \
        (1, 1, 1)
