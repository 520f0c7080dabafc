"""IOS ping over the simulated network: marks, timing, exact console text, exec parsing."""

from __future__ import annotations

import pytest

from ikesim.errors import InputError
from ikesim.ios.ping import PingResult, format_ping, parse_ping_command, ping
from ikesim.net.builders import seed_configs, seed_lab
from ikesim.net.lab import Lab


def run_ping(lab: Lab, device: str, dst: str, **kw) -> tuple[PingResult, float]:
    start = lab.env.now
    done: dict = {}

    def wrapper(env):
        done["result"] = yield env.process(ping(lab, device, dst, **kw))
        done["end"] = env.now

    lab.env.process(wrapper(lab.env))
    lab.run()
    return done["result"], done["end"] - start


def test_ping_succeeds_across_the_seed_topology() -> None:
    lab = seed_lab(isp_routes=True)
    result, duration = run_ping(lab, "PC1", "172.16.2.2")
    assert result.marks == "!!!!!" and result.received == 5 and result.sent == 5
    assert result.rtts_ms == pytest.approx([8.0] * 5)  # 4 links × 1 ms, both ways
    assert duration == pytest.approx(5 * 0.010)
    assert format_ping("172.16.2.2", 5, 100, 2.0, result) == [
        "",
        "Type escape sequence to abort.",
        "Sending 5, 100-byte ICMP Echos to 172.16.2.2, timeout is 2 seconds:",
        "!!!!!",
        "Success rate is 100 percent (5/5), round-trip min/avg/max = 8/8/8 ms",
    ]
    assert lab.events.of_kind("drop") == []


def test_missing_return_route_gives_timeouts_like_the_seed() -> None:
    lab = seed_lab(rt2_default=False, isp_routes=True)
    result, duration = run_ping(lab, "PC1", "172.16.2.2", count=50)
    assert result.marks == "." * 50 and result.received == 0
    assert 100.0 < duration < 100.2  # 50 × (2 s timeout + 2 ms)
    text = format_ping("172.16.2.2", 50, 100, 2.0, result)
    assert text[1:] == [
        "Type escape sequence to abort.",
        "Sending 50, 100-byte ICMP Echos to 172.16.2.2, timeout is 2 seconds:",
        "." * 50,
        "Success rate is 0 percent (0/50)",
    ]
    drops = lab.events.of_kind("drop")
    assert len(drops) == 50 and {e.device for e in drops} == {"RT2"}
    assert {e.fields["reason"] for e in drops} == {"no-route"}
    assert drops[0].fields["summary"] == "ICMP echo reply 172.16.2.2 > 172.16.1.2 id 1 seq 0"


def test_unreachable_destination_alternates_because_of_icmp_rate_limit() -> None:
    configs = seed_configs(isp_routes=True)
    configs["RT1"].static_routes = []  # RT1 only knows its connected networks
    lab = seed_lab(configs=configs)
    result, _ = run_ping(lab, "PC1", "172.16.2.2")
    assert result.marks == "U.U.U" and result.received == 0
    assert format_ping("172.16.2.2", 5, 100, 2.0, result)[-2:] == [
        "U.U.U",
        "Success rate is 0 percent (0/5)",
    ]
    reasons = [e.fields["reason"] for e in lab.events.of_kind("drop")]
    assert reasons == ["no-route"] * 5


def test_partial_success_and_rtt_summary() -> None:
    lab = seed_lab(isp_routes=True, delay=0.0015)
    link = lab.link("ISP-RT2")

    def flap(env):
        yield env.timeout(0.02)  # just before the 3rd echo (one every ~11 ms)
        link.set_up(False)
        yield env.timeout(5)
        link.set_up(True)

    lab.env.process(flap(lab.env))
    result, _ = run_ping(lab, "RT1", "172.16.2.2", count=10)
    # While ISP–RT2 is down, ISP's static to 172.16.2.0/24 is unresolvable: it answers
    # "net unreachable", rate-limited to one per 500 ms, hence U and . alternating.
    assert result.marks == "!!U.U.U.!!" and result.received == 4
    last = format_ping("172.16.2.2", 10, 100, 2.0, result)[-1]
    ms = [int(r + 1e-9) for r in result.rtts_ms]
    assert last == (
        f"Success rate is {result.received * 10} percent ({result.received}/10), "
        f"round-trip min/avg/max = {min(ms)}/{sum(ms) // len(ms)}/{max(ms)} ms"
    )
    assert ms == [9, 9, 9, 9]  # 3 links × 1.5 ms, both ways


def test_format_wraps_at_70_marks_and_shows_source() -> None:
    result = PingResult("!" * 100 + "." * 50, 150, 100, [1.0] * 99 + [4.7], "172.16.1.1")
    lines = format_ping("10.1.1.1", 150, 1500, 1.0, result)
    assert lines[2] == "Sending 150, 1500-byte ICMP Echos to 10.1.1.1, timeout is 1 seconds:"
    assert lines[3] == "Packet sent with a source address of 172.16.1.1 "
    assert lines[4:7] == ["!" * 70, "!" * 30 + "." * 40, "." * 10]
    assert lines[7] == "Success rate is 66 percent (100/150), round-trip min/avg/max = 1/1/4 ms"


def test_ping_with_source_interface_and_bad_arguments() -> None:
    lab = seed_lab(isp_routes=True)
    result, _ = run_ping(lab, "RT1", "172.16.2.2", count=2, source="Fa0/0")
    assert result.marks == "!!" and result.source == "172.16.1.1"
    with pytest.raises(InputError, match="Invalid source address"):
        ping(lab, "RT1", "172.16.2.2", source="1.2.3.4")
    with pytest.raises(InputError, match="Unrecognized host"):
        ping(lab, "RT1", "nowhere")
    with pytest.raises(InputError, match="datagram size"):
        ping(lab, "RT1", "172.16.2.2", size=20)


def test_parse_ping_command() -> None:
    assert parse_ping_command(["172.16.2.2", "rep", "50"]) == {
        "dst": "172.16.2.2",
        "count": 50,
        "size": 100,
        "timeout": 2.0,
        "source": None,
    }
    parsed = parse_ping_command(
        ["ip", "10.0.0.1", "repeat", "3", "size", "1500", "ti", "1", "so", "FastEthernet0/0"]
    )
    assert parsed == {
        "dst": "10.0.0.1",
        "count": 3,
        "size": 1500,
        "timeout": 1.0,
        "source": "FastEthernet0/0",
    }
    with pytest.raises(InputError, match="Ambiguous"):
        parse_ping_command(["10.0.0.1", "s", "100"])
    with pytest.raises(InputError, match="Invalid input"):
        parse_ping_command(["10.0.0.1", "bogus", "1"])
    with pytest.raises(InputError, match="Incomplete"):
        parse_ping_command(["10.0.0.1", "repeat"])
    with pytest.raises(InputError, match="Invalid input"):
        parse_ping_command(["10.0.0.1", "repeat", "0"])
    with pytest.raises(InputError, match="Incomplete"):
        parse_ping_command([])
    with pytest.raises(InputError, match="Unrecognized host"):
        parse_ping_command(["999.1.1.1"])
