"""NAT: PAT with port preservation and groups, idle timeouts, static NAT and port forwarding,
pools, exemption (ACL deny, route-map deny), ICMP errors, exhaustion and static conflicts, and
the IOS order of operations that makes "NAT exemption missing" break a crypto-map VPN."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from scapy.layers.inet import ICMP, IP

from ikesim.ios.config import apply_config_lines
from ikesim.ios.ping import ping
from ikesim.net.addr import ip_to_int
from ikesim.net.builders import FA0, FA1, seed_configs, seed_lab
from ikesim.net.capture import Recorder
from ikesim.net.config import DeviceConfig, NatPool, NatRule, RouteMapEntry
from ikesim.net.lab import Lab
from ikesim.net.nat_icmp import adjust
from ikesim.net.packet import Packet, Tcp, checksum, encode_packet, tcp_packet, udp_packet
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent
PC1, RT1_OUT, RT2_OUT = "172.16.1.2", "10.10.10.2", "11.11.11.2"


def acl_lines(config: DeviceConfig, *lines: str) -> DeviceConfig:
    return apply_config_lines(config, list(lines))


def nat_configs(*rules: NatRule, acl: tuple[str, ...] = ("access-list 1 permit 172.16.1.0 0.0.0.255",),
                pools: dict[str, NatPool] | None = None, timeouts: dict | None = None,
                route_maps: dict | None = None) -> dict[str, DeviceConfig]:
    """The seed lab with RT1's LAN inside and Fa1/0 outside; the ISP has no route to the LAN."""
    configs = seed_configs()
    rt1 = acl_lines(configs["RT1"], *acl)
    rt1.interfaces[FA0].nat, rt1.interfaces[FA1].nat = "inside", "outside"
    rt1.nat_rules = list(rules)
    rt1.nat_pools = pools or {}
    rt1.nat_timeouts = timeouts or {}
    rt1.route_maps = route_maps or {}
    configs["RT1"] = rt1
    return configs


def pat(acl: str = "1") -> NatRule:
    return NatRule("list", match=acl, interface=FA1, overload=True)


def run_ping(lab: Lab, device: str, dst: str, **kw):
    done: dict = {}

    def wrapper(env):
        done["result"] = yield env.process(ping(lab, device, dst, **kw))

    lab.env.process(wrapper(lab.env))
    lab.run(lab.env.now + 30)
    return done["result"]


def rows(lab: Lab, device: str = "RT1") -> list[tuple]:
    from ikesim.net.addr import int_to_ip

    out = []
    for t in lab.devices[device].nat.translations():
        def ep(ip, port):
            return None if ip is None else (int_to_ip(ip) if port is None else f"{int_to_ip(ip)}:{port}")
        out.append((t.protocol, ep(t.inside_global, t.global_port), ep(t.inside_local, t.local_port),
                    ep(t.outside, t.outside_local_port), ep(t.outside, t.outside_global_port)))
    return out


def test_pat_translates_pings_and_the_isp_sees_only_the_outside_address() -> None:
    lab = seed_lab(configs=nat_configs(pat()))
    recorder = Recorder(lab, links=["RT1-ISP"])
    result = run_ping(lab, "PC1", RT2_OUT, count=3)
    assert result.marks == "!!!"
    wire = [IP(f.data) for f in recorder.frames]
    assert {(p.src, p.dst) for p in wire} == {(RT1_OUT, RT2_OUT), (RT2_OUT, RT1_OUT)}
    ident = wire[0][ICMP].id
    assert rows(lab) == [(1, f"{RT1_OUT}:{ident}", f"{PC1}:{ident}", f"{RT2_OUT}:{ident}",
                          f"{RT2_OUT}:{ident}")]
    # Idle ICMP entries go after 60 s (IOS icmp-timeout); a reply arriving later is not
    # translated (it is for the router itself, which has no such ping).
    lab.run(lab.env.now + 61)
    assert rows(lab) == []


def test_pat_keeps_ports_when_free_and_moves_within_the_port_group() -> None:
    lab = seed_lab(configs=nat_configs(pat(), acl=("access-list 1 permit any",)))
    rt1, isp = lab.devices["RT1"], lab.devices["ISP"]
    got: list = []
    isp.udp_listeners[500] = lambda packet, iface: got.append((packet.src, packet.payload.sport))
    isp.udp_listeners[4000] = isp.udp_listeners[500]
    pc1 = lab.devices["PC1"]
    pc1.send_udp(ip_to_int("10.10.10.1"), 500, 500, b"x")
    # A second inside host (the router's own LAN address stands in for it) with the same port.
    lab.run(0.1)
    other = udp_packet(ip_to_int("172.16.1.9"), ip_to_int("10.10.10.1"), 500, 500, b"y", ttl=64)
    rt1.receive(other, rt1.interfaces[FA0])
    high = udp_packet(ip_to_int("172.16.1.9"), ip_to_int("10.10.10.1"), 4000, 4000, b"z", ttl=64)
    rt1.receive(high, rt1.interfaces[FA0])
    third = udp_packet(ip_to_int("172.16.1.10"), ip_to_int("10.10.10.1"), 4000, 4000, b"w", ttl=64)
    rt1.receive(third, rt1.interfaces[FA0])
    lab.run(0.2)
    out = ip_to_int(RT1_OUT)
    assert got == [(out, 500), (out, 1), (out, 4000), (out, 1024)]
    # UDP entries live 300 s idle (IOS udp-timeout), then their ports are free again.
    lab.run(0.2 + 299)
    assert len(rows(lab)) == 4
    lab.run(0.2 + 301)
    assert rows(lab) == []


def test_pat_port_exhaustion_drops_the_flow() -> None:
    lab = seed_lab(configs=nat_configs(pat(), acl=("access-list 1 permit any",)))
    rt1 = lab.devices["RT1"]
    # 513 inside hosts all using source port 500: group 0-511 holds 511 of them.
    for n in range(513):
        source = ip_to_int("172.16.1.0") + 2 + n
        rt1.receive(udp_packet(source, ip_to_int("10.10.10.1"), 500, 9, b"", ttl=64),
                    rt1.interfaces[FA0])
    dropped = [e.fields for e in lab.events.of_kind("drop")
               if e.fields["reason"] == "nat-port-exhausted"]
    assert len(rows(lab)) == 511 and len(dropped) == 2
    assert dropped[0]["src"] == "172.16.3.1" and dropped[0]["interface"] == FA1


def test_nat_exemption_by_acl_deny_and_by_route_map() -> None:
    acl = ("access-list 101 deny ip 172.16.1.0 0.0.0.255 11.11.11.0 0.0.0.255",
           "access-list 101 permit ip 172.16.1.0 0.0.0.255 any")
    lab = seed_lab(configs=nat_configs(pat("101"), acl=acl))
    recorder = Recorder(lab, links=["RT1-ISP"])
    run_ping(lab, "PC1", RT2_OUT, count=1)
    assert IP(recorder.frames[0].data).src == PC1  # exempt: leaves untranslated
    assert rows(lab) == []
    run_ping(lab, "PC1", "10.10.10.1", count=1)
    assert len(rows(lab)) == 1  # the ISP's own address is translated
    # The same with a route-map: deny 10 matching the VPN traffic, permit 20 the rest.
    maps = {"NONAT": [RouteMapEntry("NONAT", 10, "deny", ["102"]),
                      RouteMapEntry("NONAT", 20, "permit", [])]}
    acl = ("access-list 102 permit ip 172.16.1.0 0.0.0.255 11.11.11.0 0.0.0.255",)
    lab = seed_lab(configs=nat_configs(NatRule("route-map", match="NONAT", interface=FA1,
                                               overload=True), acl=acl, route_maps=maps))
    recorder = Recorder(lab, links=["RT1-ISP"])
    run_ping(lab, "PC1", RT2_OUT, count=1)
    run_ping(lab, "PC1", "10.10.10.1", count=1)
    sources = [IP(f.data).src for f in recorder.frames if IP(f.data)[ICMP].type == 8]
    assert sources == [PC1, RT1_OUT]


def test_static_nat_both_ways_and_port_forwarding() -> None:
    rules = [NatRule("static", local=ipaddress.IPv4Address(PC1),
                     global_=ipaddress.IPv4Address("10.10.10.50")),
             NatRule("static", local=ipaddress.IPv4Address("172.16.1.3"), interface=FA1,
                     protocol=17, local_port=500, global_port=5000)]
    lab = seed_lab(configs=nat_configs(*rules))
    # Outside → inside: the ISP pings the static global address and reaches PC1.
    assert run_ping(lab, "ISP", "10.10.10.50", count=2).marks == "!!"
    assert (1, "10.10.10.50", PC1, None, None) not in rows(lab)
    statics = [r for r in rows(lab) if r[3] is None]
    assert statics == [(None, "10.10.10.50", PC1, None, None),
                       (17, f"{RT1_OUT}:5000", "172.16.1.3:500", None, None)]
    # Port forwarding: UDP to 10.10.10.2:5000 goes to 172.16.1.3:500 (here: PC1's LAN link
    # stands in; the packet is seen leaving RT1 Fa0/0 towards 172.16.1.3).
    rec = Recorder(lab, interfaces=[("RT1", FA0)])
    isp = lab.devices["ISP"]
    isp.send_udp(ip_to_int(RT1_OUT), 7000, 5000, b"hello")
    lab.run(lab.env.now + 1)
    drop = [e.fields for e in lab.events.of_kind("drop") if e.fields["reason"] == "arp"]
    assert drop and drop[-1]["dst"] == "172.16.1.3"  # translated, then no such host on the LAN
    assert rec.frames == []
    # Inside → outside from the static host: translated to its global address.
    rec = Recorder(lab, links=["RT1-ISP"])
    run_ping(lab, "PC1", "10.10.10.1", count=1)
    assert IP(rec.frames[0].data).src == "10.10.10.50"


def test_static_conflicts_are_refused_like_ios() -> None:
    rules = [NatRule("static", local=ipaddress.IPv4Address(PC1),
                     global_=ipaddress.IPv4Address("10.10.10.50"), line=3),
             NatRule("static", local=ipaddress.IPv4Address(PC1),
                     global_=ipaddress.IPv4Address("10.10.10.51"), line=4),
             NatRule("static", local=ipaddress.IPv4Address("172.16.1.3"),
                     global_=ipaddress.IPv4Address("10.10.10.50"), line=5)]
    lab = seed_lab(configs=nat_configs(*rules))
    events = [e.fields for e in lab.events.of_kind("nat")]
    assert [(e["event"], e["line"]) for e in events] == [("static-conflict", 4),
                                                        ("static-conflict", 5)]
    assert events[0]["message"] == "% similar static entry (172.16.1.2 -> 10.10.10.50) already exists"
    assert len(lab.devices["RT1"].nat.statics) == 1


def test_pool_without_overload_runs_out_of_addresses() -> None:
    pools = {"P": NatPool("P", ipaddress.IPv4Address("10.10.10.100"),
                          ipaddress.IPv4Address("10.10.10.101"), 24)}
    lab = seed_lab(configs=nat_configs(NatRule("list", match="1", pool="P"), pools=pools))
    rt1 = lab.devices["RT1"]
    for host in ("172.16.1.2", "172.16.1.3", "172.16.1.4"):
        rt1.receive(udp_packet(ip_to_int(host), ip_to_int("10.10.10.1"), 1000, 9, b"", ttl=64),
                    rt1.interfaces[FA0])
    simple = [r for r in rows(lab) if r[0] is None]
    assert simple == [(None, "10.10.10.100", "172.16.1.2", None, None),
                      (None, "10.10.10.101", "172.16.1.3", None, None)]
    assert [e.fields["src"] for e in lab.events.of_kind("drop")
            if e.fields["reason"] == "nat-pool-exhausted"] == ["172.16.1.4"]
    assert rt1.nat.clear() == 4 and rows(lab) == []


def test_tcp_timeouts_follow_the_flags_and_nat_timeouts_override() -> None:
    lab = seed_lab(configs=nat_configs(pat(), timeouts={"tcp-timeout": 120, "syn-timeout": 0}))
    rt1 = lab.devices["RT1"]
    syn = tcp_packet(ip_to_int(PC1), ip_to_int("10.10.10.1"), Tcp(1025, 23), ttl=64)
    rt1.receive(syn, rt1.interfaces[FA0])
    [entry] = rt1.nat.translations()
    assert entry.timeout is None  # syn-timeout 0: never
    rt1.receive(tcp_packet(ip_to_int(PC1), ip_to_int("10.10.10.1"), Tcp(1025, 23, flags=0x10),
                           ttl=64), rt1.interfaces[FA0])
    assert entry.timeout == 120
    rt1.receive(tcp_packet(ip_to_int(PC1), ip_to_int("10.10.10.1"), Tcp(1025, 23, flags=0x11),
                           ttl=64), rt1.interfaces[FA0])
    assert entry.timeout == 60  # finrst-timeout default
    segment = IP(encode_packet(syn))
    assert segment.haslayer("TCP") and segment["TCP"].chksum == IP(bytes(segment))["TCP"].chksum


def test_icmp_errors_for_translated_flows_reach_the_inside_host() -> None:
    lab = seed_lab(configs=nat_configs(pat()))
    # The ISP has no route to 99.0.0.1 and no default: its unreachable comes back to the
    # global address, is translated, and PC1's ping shows U.
    result = run_ping(lab, "PC1", "99.0.0.1", count=1)
    assert result.marks == "U"


def test_rfc1624_incremental_checksum_matches_a_full_recomputation() -> None:
    data = bytearray(b"\x45\x00\x00\x1c\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x00\x00\x01"
                     b"\x0a\x00\x00\x02")
    full = checksum(bytes(data))
    data[10:12] = full.to_bytes(2, "big")
    new = bytearray(data)
    new[12:16] = bytes([172, 16, 1, 2])
    new[10:12] = b"\x00\x00"
    assert adjust(full, bytes(data[12:16]), bytes(new[12:16])) == checksum(bytes(new))


def test_nat_exemption_missing_sends_vpn_traffic_in_clear() -> None:
    """The classic fault appears by itself: NAT (inside→outside) runs before the crypto map,
    which then sees 10.10.10.2 → 172.16.2.2, not its 172.16.1.0/24 → 172.16.2.0/24 ACL."""

    def lab_with(nat_acl: tuple[str, ...]) -> Runtime:
        scenario = load_scenario(ROOT / "scenarios" / "missing-return-route-fixed.yaml")
        spec = scenario.devices["RT1"]
        config = acl_lines(spec.config, *nat_acl)
        config.interfaces[FA0].nat, config.interfaces[FA1].nat = "inside", "outside"
        config.nat_rules = [pat("110")]
        spec.config = config
        return Runtime(scenario)

    broken = lab_with(("access-list 110 permit ip 172.16.1.0 0.0.0.255 any",)).run()
    assert [e for e in broken.events.of_kind("ike")] == []  # no interesting traffic
    assert "!" not in broken.transcript_text().split("ping 172.16.2.2")[1].splitlines()[4]
    leaked = [e.fields for e in broken.events.of_kind("drop") if e.fields["reason"] == "no-route"]
    assert leaked and leaked[0]["src"] == RT1_OUT and leaked[0]["dst"] == "172.16.2.2"
    fixed = lab_with(("access-list 110 deny ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255",
                      "access-list 110 permit ip 172.16.1.0 0.0.0.255 any")).run()
    assert any(e.fields["event"] == "qm_complete" for e in fixed.events.of_kind("ike"))
    assert "!!!!!" in fixed.transcript_text()


def test_untranslatable_protocols_pass_untouched() -> None:
    lab = seed_lab(configs=nat_configs(pat()))
    rt1 = lab.devices["RT1"]
    raw = Packet(ip_to_int(PC1), ip_to_int("10.10.10.1"), 89, 1, b"\x02\x01", 22)
    assert rt1.nat.inside_to_outside(raw, rt1.interfaces[FA0], rt1.interfaces[FA1])
    assert raw.src == ip_to_int(PC1) and rows(lab) == []
