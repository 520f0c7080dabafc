"""Forwarding path: ACLs, TTL, loss, link state, ICMP errors, listeners, drops, determinism."""

from __future__ import annotations

import pytest
from scapy.layers.inet import ICMP, IP, UDP

from ikesim.errors import InputError
from ikesim.net.acl import PROTO_UDP, Acl, AclEntry
from ikesim.net.addr import ip_to_int
from ikesim.net.builders import FA0, FA1, make_config, seed_configs, seed_lab
from ikesim.net.lab import Lab
from ikesim.net.packet import (
    Icmp,
    encode_packet,
    icmp_error_quote,
    icmp_packet,
    quoted_echo,
    udp_packet,
)

PC1, PC2 = ip_to_int("172.16.1.2"), ip_to_int("172.16.2.2")
RT1_OUT, RT2_OUT = ip_to_int("10.10.10.2"), ip_to_int("11.11.11.2")
ANY = 0xFFFFFFFF


def drops(lab: Lab, reason: str | None = None) -> list[dict]:
    return [
        dict(device=e.device, time=e.time, **e.fields)
        for e in lab.events.of_kind("drop")
        if reason is None or e.fields["reason"] == reason
    ]


def listen(device, port: int) -> list:
    got: list = []
    device.udp_listeners[port] = lambda packet, iface: got.append((packet, iface.name))
    return got


def test_packet_bytes_match_scapy() -> None:
    udp = udp_packet(RT1_OUT, RT2_OUT, 500, 500, b"\x01\x02\x03", ttl=255, ident=7)
    wire = encode_packet(udp)
    parsed = IP(wire)
    assert parsed[IP].len == 31 and parsed[IP].ttl == 255 and parsed[IP].id == 7
    assert parsed[IP].src == "10.10.10.2" and parsed[UDP].dport == 500
    rebuilt = IP(
        bytes(
            IP(src="10.10.10.2", dst="11.11.11.2", ttl=255, id=7)
            / UDP(sport=500, dport=500)
            / b"\x01\x02\x03"
        )
    )
    assert parsed[IP].chksum == rebuilt[IP].chksum and parsed[UDP].chksum == rebuilt[UDP].chksum
    echo = icmp_packet(PC1, PC2, Icmp(8, 0, 3, 4, b"\xab\xcd" * 36))
    parsed = IP(encode_packet(echo))
    assert parsed[ICMP].id == 3 and parsed[ICMP].seq == 4 and parsed[IP].len == 100
    assert (
        parsed[ICMP].chksum
        == IP(
            bytes(IP(src="172.16.1.2", dst="172.16.2.2") / ICMP(id=3, seq=4) / (b"\xab\xcd" * 36))
        )[ICMP].chksum
    )
    quote = icmp_error_quote(echo)
    assert len(quote) == 28 and quoted_echo(quote) == (PC1, 3, 4)
    assert quoted_echo(icmp_error_quote(udp)) is None


def test_udp_delivery_to_listener_and_port_unreachable() -> None:
    lab = seed_lab(isp_routes=True)
    rt1, rt2 = lab.devices["RT1"], lab.devices["RT2"]
    got = listen(rt2, 500)
    icmp_seen: list = []
    rt1.icmp_listeners.append(lambda p, i: icmp_seen.append(p.payload))
    assert rt1.send_udp(RT2_OUT, 500, 500, b"hello")
    assert rt1.send_udp(RT2_OUT, 500, 4500, b"closed")
    lab.run(1)
    assert len(got) == 1
    packet, ifname = got[0]
    assert packet.src == RT1_OUT and packet.payload.data == b"hello" and ifname == FA1
    assert packet.ttl == 254  # one router (ISP) in between
    (drop,) = drops(lab, "port-unreachable")
    assert drop["device"] == "RT2" and drop["dst"] == "11.11.11.2"
    assert [(m.type, m.code) for m in icmp_seen] == [(3, 3)]


def test_send_udp_without_route_returns_false_and_records_drop() -> None:
    lab = seed_lab()
    isp = lab.devices["ISP"]
    assert isp.send_udp(PC2, 1000, 2000, b"x") is False
    (drop,) = drops(lab)
    assert drop["reason"] == "no-route" and drop["device"] == "ISP" and drop["interface"] is None
    assert drop["summary"] == "UDP 0.0.0.0:1000 > 172.16.2.2:2000 len 1"


def _deny_udp_500() -> Acl:
    return Acl(
        "101",
        "extended",
        [
            AclEntry("deny", PROTO_UDP, 0, ANY, 0, ANY, text="deny udp any any"),
            AclEntry("permit", None, 0, ANY, 0, ANY, text="permit ip any any"),
        ],
    )


def test_inbound_acl_drops_and_permits() -> None:
    configs = seed_configs(isp_routes=True)
    configs["RT2"] = make_config(
        "RT2",
        {FA0: "172.16.2.1/24", FA1: "11.11.11.2/24"},
        routes=["0.0.0.0/0 11.11.11.1"],
        acls=[_deny_udp_500()],
        acl_in={FA1: "101"},
    )
    lab = seed_lab(configs=configs)
    got = listen(lab.devices["RT2"], 500)
    lab.devices["RT1"].send_udp(RT2_OUT, 500, 500, b"ike")
    lab.devices["RT1"].send_echo(RT2_OUT, 9, 0)
    lab.run(1)
    assert got == []
    (drop,) = drops(lab, "acl-in")
    assert drop["device"] == "RT2" and drop["interface"] == FA1 and drop["acl"] == "101"
    assert drop["protocol"] == PROTO_UDP
    assert drops(lab, "acl-in") == [drop]  # the echo was permitted


def test_outbound_acl_filters_transit_but_not_router_originated_traffic() -> None:
    acl = Acl(
        "102",
        "extended",
        [AclEntry("deny", PROTO_UDP, 0, ANY, 0, ANY), AclEntry("permit", None, 0, ANY, 0, ANY)],
    )
    configs = seed_configs(isp_routes=True)
    configs["ISP"] = make_config(
        "ISP",
        {FA0: "10.10.10.1/24", FA1: "11.11.11.1/24"},
        routes=["172.16.1.0/24 10.10.10.2", "172.16.2.0/24 11.11.11.2"],
        acls=[acl],
        acl_out={FA1: "102"},
    )
    lab = seed_lab(configs=configs)
    got = listen(lab.devices["RT2"], 500)
    lab.devices["RT1"].send_udp(RT2_OUT, 500, 500, b"transit")  # crosses ISP Fa1/0 out
    lab.devices["ISP"].send_udp(RT2_OUT, 500, 500, b"from ISP")  # originated by ISP
    lab.run(1)
    assert [p.payload.data for p, _ in got] == [b"from ISP"]
    (drop,) = drops(lab, "acl-out")
    assert drop["device"] == "ISP" and drop["interface"] == FA1 and drop["src"] == "10.10.10.2"


def test_ttl_expiry_in_a_routing_loop_sends_time_exceeded() -> None:
    configs = seed_configs()
    # ISP points 172.16.2.0/24 back at RT1 and RT1 defaults to ISP: a loop.
    configs["ISP"] = make_config(
        "ISP", {FA0: "10.10.10.1/24", FA1: "11.11.11.1/24"}, routes=["172.16.0.0/16 10.10.10.2"]
    )
    lab = seed_lab(configs=configs)
    pc1 = lab.devices["PC1"]
    seen: list = []
    pc1.icmp_listeners.append(lambda p, i: seen.append((p.src, p.payload.type)))
    packet = udp_packet(PC1, PC2, 1234, 53, b"q", ttl=6)
    assert pc1.send_packet(packet)
    lab.run(1)
    (drop,) = drops(lab, "ttl")
    # TTL 6 leaves PC1; RT1 → 5, ISP → 4, RT1 → 3, ISP → 2, RT1 → 1, ISP drops.
    assert drop["device"] == "ISP"
    assert seen == [(ip_to_int("10.10.10.1"), 11)]


def test_link_loss_is_seeded_and_reproducible() -> None:
    def run(seed: int) -> list[int]:
        lab = Lab(seed)
        lab.add_router(make_config("A", {FA0: "10.0.0.1/24"}))
        lab.add_router(make_config("B", {FA0: "10.0.0.2/24"}))
        lab.connect("A", FA0, "B", FA0, loss=0.3, name="lossy")
        got = listen(lab.devices["B"], 9)
        for i in range(200):
            lab.devices["A"].send_udp(ip_to_int("10.0.0.2"), 9, 9, bytes([i]))
        lab.run(1)
        lost = [e.fields["summary"] for e in lab.events.of_kind("drop")]
        assert all(e.fields["reason"] == "loss" for e in lab.events.of_kind("drop"))
        assert len(got) + len(lost) == 200
        return [p.payload.data[0] for p, _ in got]

    first = run(7)
    assert first == run(7)
    assert first != run(8)
    assert 100 < len(first) < 180  # about 70 % delivered


def test_link_down_and_up_mid_run() -> None:
    lab = seed_lab(isp_routes=True)
    got = listen(lab.devices["RT2"], 500)
    rt1 = lab.devices["RT1"]
    link = lab.link("ISP-RT2")

    def traffic(env):
        for i in range(6):
            rt1.send_udp(RT2_OUT, 500, 500, bytes([i]))
            yield env.timeout(1)

    def flap(env):
        yield env.timeout(1.5)
        link.set_up(False)
        yield env.timeout(2)
        link.set_up(True)

    lab.env.process(traffic(lab.env))
    lab.env.process(flap(lab.env))
    lab.run(10)
    assert [p.payload.data[0] for p, _ in got] == [0, 1, 4, 5]
    # While the link is down ISP has no connected route to 11.11.11.0/24.
    dropped = drops(lab)
    assert [(d["device"], d["reason"]) for d in dropped] == [("ISP", "no-route")] * 2
    assert [d["time"] for d in dropped] == pytest.approx([2.001, 3.001])
    links = lab.events.of_kind("link")
    assert [(e.time, e.fields["up"]) for e in links] == [(1.5, False), (3.5, True)]
    states = [
        (e.device, e.fields["interface"], e.fields["protocol"])
        for e in lab.events.of_kind("interface")
    ]
    assert states == [
        ("ISP", FA1, "down"),
        ("RT2", FA1, "down"),
        ("ISP", FA1, "up"),
        ("RT2", FA1, "up"),
    ]


def test_packet_in_flight_when_link_fails_is_dropped() -> None:
    lab = seed_lab(isp_routes=True, delay=0.5)
    got = listen(lab.devices["RT2"], 500)
    lab.devices["ISP"].send_udp(RT2_OUT, 500, 500, b"x")

    def cut(env):
        yield env.timeout(0.2)
        lab.link("ISP-RT2").set_up(False)

    lab.env.process(cut(lab.env))
    lab.run(2)
    assert got == []
    (drop,) = drops(lab)
    assert drop["reason"] == "link-down" and drop["device"] == "RT2" and drop["time"] == 0.5


def test_unreachable_rate_limit_and_arp_failure() -> None:
    lab = seed_lab()  # ISP has no route to the LANs
    rt1 = lab.devices["RT1"]
    seen: list = []
    lab.devices["PC1"].icmp_listeners.append(lambda p, i: seen.append(lab.env.now))
    pc1 = lab.devices["PC1"]
    for t in (0.0, 0.1, 0.2, 0.7):
        ev = lab.env.timeout(t)
        ev.callbacks.append(lambda _e: pc1.send_udp(ip_to_int("8.8.8.8"), 1, 2, b""))
    lab.run(2)
    # RT1 forwards to ISP (default route); ISP has no route and answers at most every 500 ms,
    # but its unreachables cannot get back to PC1 either (no route to 172.16.1.0/24).
    assert len(drops(lab, "no-route")) == 4 + 2
    assert seen == []
    # Unknown host on a connected segment: nobody answers ARP.
    assert rt1.send_udp(ip_to_int("172.16.1.99"), 1, 2, b"") is False
    assert drops(lab, "arp")[0]["gateway"] == "172.16.1.99"


def test_lab_validation_and_graph() -> None:
    lab = seed_lab()
    assert lab.path("PC1", "PC2") == ["PC1", "RT1", "ISP", "RT2", "PC2"]
    assert lab.graph.degree["ISP"] == 2 and lab.graph.nodes["PC1"]["kind"] == "host"
    with pytest.raises(InputError, match="already connected"):
        lab.connect("RT1", "Fa0/0", "ISP", "Fa0/0")
    with pytest.raises(InputError, match="unknown device"):
        lab.connect("RT9", "Fa0/0", "ISP", "Fa0/0")
    with pytest.raises(InputError, match="no interface"):
        lab.connect("RT1", "Serial0/0", "ISP", "Fa0/0")
    with pytest.raises(InputError, match="duplicate device"):
        lab.add_router(make_config("RT1", {}))
    with pytest.raises(InputError, match="exactly one interface"):
        lab.add_host(make_config("PC9", {FA0: "1.1.1.1/24", FA1: "2.2.2.2/24"}))
    with pytest.raises(InputError, match="unknown link"):
        lab.link("nope")
    assert lab.devices["RT1"].uptime(5.0) == 5.0
    late = lab.add_router(make_config("R9", {FA0: None}), uptime=61.0)
    assert late.uptime(1.5) == 62.5


def _trace(seed: int) -> list[dict]:
    from ikesim.ios.ping import ping

    lab = seed_lab(seed, rt2_default=False, isp_routes=True)
    lab.link("RT1-ISP").loss = 0.2
    lab.env.process(ping(lab, "PC1", "172.16.2.2", count=20))
    lab.env.process(ping(lab, "RT1", "11.11.11.2", count=20))
    lab.run()
    return [e.as_json() for e in lab.events.events]


def test_two_runs_give_identical_events() -> None:
    first = _trace(3)
    assert first == _trace(3)
    assert first != _trace(4)
    assert {e["reason"] for e in first} == {"loss", "no-route"}
