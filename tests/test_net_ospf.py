"""OSPF: RFC 2328 bytes (round trips, scapy, tshark), adjacencies on Ethernet (DR/BDR) and over
GRE tunnels (point-to-point), timers on the simulated clock, mismatches, passive interfaces,
router IDs, default origination, areas, and the routes SPF installs."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from net_pcap import tshark_fields, write_raw_ip_pcap
from scapy.contrib.ospf import OSPF_Hdr, ospf_lsa_checksum

from ikesim.ios.config import apply_config_lines
from ikesim.net.addr import int_to_ip, ip_to_int
from ikesim.net.builders import FA0, FA1, make_config, seed_configs, seed_lab
from ikesim.net.capture import Recorder
from ikesim.net.config import DeviceConfig, InterfaceConfig, OspfNetwork, OspfProcess, TunnelConfig
from ikesim.net.lab import Lab
from ikesim.net.ospf.packets import (
    DbDescription,
    ExternalLsa,
    Hello,
    LsAck,
    LsaHeader,
    LsRequest,
    LsUpdate,
    NetworkLsa,
    OspfError,
    OspfPacket,
    RouterLink,
    RouterLsa,
    SummaryLsa,
    decode_lsa,
    decode_ospf,
    encode_lsa,
    encode_ospf,
    make_lsa,
)

ANY = ("0.0.0.0", "255.255.255.255")


def ospf(config: DeviceConfig, *networks: tuple[str, str, int], **kw) -> DeviceConfig:
    config.ospf[1] = OspfProcess(1, networks=[
        OspfNetwork(ipaddress.IPv4Address(a), ipaddress.IPv4Address(w), area)
        for a, w, area in networks], **kw)
    return config


def loopback(config: DeviceConfig, address: str, name: str = "Loopback0") -> DeviceConfig:
    config.interfaces[name] = InterfaceConfig(name, ipaddress.IPv4Interface(address))
    return config


def states(lab: Lab, device: str) -> dict[str, tuple[str, str]]:
    """{neighbor router ID: (state, interface)} on one router."""
    process = lab.devices[device].ospf.processes[1]
    return {int_to_ip(n.router_id): (n.state_name, oi.iface.name)
            for oi in process.interfaces.values() for n in oi.neighbors.values()}


def route(lab: Lab, device: str, prefix: str):
    network = ipaddress.IPv4Network(prefix)
    return lab.devices[device].table.get(int(network.network_address), network.prefixlen)


def adjchg(lab: Lab) -> list[tuple[float, str, str, str, str]]:
    return [(round(e.time, 3), e.device, e.fields["neighbor"], e.fields["new"], e.fields["reason"])
            for e in lab.events.of_kind("ospf") if e.fields["event"] == "neighbor-state"
            and e.fields["new"] in ("FULL", "DOWN")]


def triangle(**process_kw) -> Lab:
    lab = Lab()
    for name, ifs, lo in (("R1", {FA0: "10.0.12.1/24", FA1: "10.0.13.1/24"}, "1.1.1.1/32"),
                          ("R2", {FA0: "10.0.12.2/24", FA1: "10.0.23.2/24"}, "2.2.2.2/32"),
                          ("R3", {FA0: "10.0.13.3/24", FA1: "10.0.23.3/24"}, "3.3.3.3/32")):
        lab.add_router(ospf(loopback(make_config(name, ifs), lo), (*ANY, 0), **process_kw))
    lab.connect("R1", FA0, "R2", FA0, name="R1-R2")
    lab.connect("R1", FA1, "R3", FA0, name="R1-R3")
    lab.connect("R2", FA1, "R3", FA1, name="R2-R3")
    return lab


# -- bytes ---------------------------------------------------------------------------------
addresses = st.integers(0, 2**32 - 1)
headers = st.builds(LsaHeader, st.integers(0, 3600), st.integers(0, 255), st.sampled_from([1, 2, 3, 5]),
                    addresses, addresses, st.integers(0x80000001, 0xFFFFFFFF), st.integers(0, 65535),
                    st.integers(20, 200))
bodies = st.one_of(
    st.builds(RouterLsa, st.lists(st.builds(RouterLink, addresses, addresses, st.sampled_from([1, 2, 3]),
                                            st.integers(0, 65535)), max_size=4).map(tuple),
              st.integers(0, 7)),
    st.builds(NetworkLsa, addresses, st.lists(addresses, min_size=1, max_size=4).map(tuple)),
    st.builds(SummaryLsa, addresses, st.integers(0, 0xFFFFFF)),
    st.builds(ExternalLsa, addresses, st.integers(0, 0xFFFFFF), st.booleans(), addresses, addresses))
kinds = {RouterLsa: 1, NetworkLsa: 2, SummaryLsa: 3, ExternalLsa: 5}


@given(headers, bodies)
def test_lsas_round_trip_with_a_valid_fletcher_checksum(header, body) -> None:
    from dataclasses import replace

    lsa = make_lsa(replace(header, type=kinds[type(body)]), body)
    raw = encode_lsa(lsa)
    assert decode_lsa(raw) == lsa
    assert ospf_lsa_checksum(raw) == lsa.header.checksum.to_bytes(2, "big")  # scapy agrees
    with pytest.raises(OspfError):
        decode_lsa(raw[:16] + bytes([raw[16] ^ 1]) + raw[17:])


@given(addresses, addresses, st.one_of(
    st.builds(Hello, addresses, st.integers(1, 65535), st.integers(0, 255), st.integers(0, 255),
              st.integers(1, 2**31), addresses, addresses, st.lists(addresses, max_size=5).map(tuple)),
    st.builds(DbDescription, st.integers(0, 65535), st.integers(0, 255), st.integers(0, 7),
              st.integers(0, 2**32 - 1), st.lists(headers, max_size=3).map(tuple)),
    st.builds(LsRequest, st.lists(st.tuples(st.integers(1, 5), addresses, addresses),
                                  max_size=3).map(tuple)),
    st.builds(LsAck, st.lists(headers, max_size=3).map(tuple))))
def test_packets_round_trip_and_scapy_reads_them(router_id, area, body) -> None:
    packet = OspfPacket(router_id, area, body)
    raw = encode_ospf(packet)
    assert decode_ospf(raw) == packet
    parsed = OSPF_Hdr(raw)
    assert parsed.type == packet.type and parsed.len == len(raw)
    assert parsed.src == int_to_ip(router_id) and parsed.area == int_to_ip(area)
    with pytest.raises(OspfError):
        decode_ospf(raw[:-1] + bytes([raw[-1] ^ 0xFF]) if len(raw) > 24 else raw[:20])


def test_update_round_trips_and_bad_input_is_refused() -> None:
    lsa = make_lsa(LsaHeader(1, 2, 1, 1, 1, 0x80000001), RouterLsa(()))
    packet = OspfPacket(1, 0, LsUpdate((lsa, lsa)))
    assert decode_ospf(encode_ospf(packet)) == packet
    raw = encode_ospf(packet)
    for bad, why in ((b"\x03" + raw[1:], "version"), (raw[:10], "truncated"),
                     (raw[:14] + b"\x00\x01" + raw[16:], "authentication")):
        with pytest.raises(OspfError, match=why):
            decode_ospf(bad)


# -- broadcast networks ----------------------------------------------------------------------
def test_three_routers_on_ethernet_elect_dr_bdr_and_install_o_routes(tmp_path) -> None:
    lab = triangle()
    recorder = Recorder(lab, links=["R1-R2"])
    lab.run(60)
    assert states(lab, "R1") == {"2.2.2.2": ("FULL", FA0), "3.3.3.3": ("FULL", FA1)}
    r1_fa0 = lab.devices["R1"].ospf.processes[1].interfaces[FA0]
    assert (r1_fa0.state, int_to_ip(r1_fa0.dr), int_to_ip(r1_fa0.bdr)) == ("BDR", "10.0.12.2",
                                                                           "10.0.12.1")
    # Both ends of a fresh Ethernet wait 40 s (RFC 2328 §9.4 WaitTimer) before electing.
    assert min(t for t, *_ in adjchg(lab)) == pytest.approx(40.0, abs=0.01)
    lo2 = route(lab, "R1", "2.2.2.2/32")
    assert (lo2.code, lo2.distance, lo2.metric, lo2.out_interface) == ("O", 110, 2, FA0)
    assert lo2.gateway == ip_to_int("10.0.12.2") and lo2.since == pytest.approx(45.006, abs=0.01)
    far = route(lab, "R1", "10.0.23.0/24")
    assert far.metric == 2 and far.out_interface in (FA0, FA1)
    assert route(lab, "R1", "10.0.12.0/24").code == "C"
    # The bytes: hellos every 10 s to 224.0.0.5 with TTL 1, then the exchange; tshark reads
    # every OSPF packet type and finds nothing malformed.
    pcap = write_raw_ip_pcap(tmp_path / "ospf.pcap", [(f.time, f.data) for f in recorder.frames])
    rows = tshark_fields(pcap, ["ip.dst", "ip.ttl", "ospf.msg", "_ws.malformed", "_ws.expert"])
    assert {r[2] for r in rows} == {"1", "2", "3", "4", "5"}
    assert all(r[3] == "" for r in rows)
    hellos = [r for r in rows if r[2] == "1"]
    assert {(r[0], r[1]) for r in hellos} == {("224.0.0.5", "1")}
    assert len(hellos) == 2 * 6  # both ends, t = 0, 10, ..., 50


def test_a_dead_neighbour_goes_after_the_dead_interval_and_its_routes_after_spf() -> None:
    lab = triangle()
    lab.run(60)
    lab.link("R1-R2").loss = 1.0  # carries nothing any more, but stays up
    lab.run(200)
    downs = [a for a in adjchg(lab) if a[3] == "DOWN"]
    assert sorted((d[1], d[2], d[4]) for d in downs) == [("R1", "2.2.2.2", "Dead timer expired"),
                                                         ("R2", "1.1.1.1", "Dead timer expired")]
    assert 90 <= downs[0][0] <= 100  # last hello heard at 50 s, dead 40 s later
    detour = route(lab, "R1", "2.2.2.2/32")
    assert detour.out_interface == FA1 and detour.metric == 3


def test_hello_dead_and_area_mismatches_prevent_the_adjacency() -> None:
    for mismatch, what in (({"ospf_hello": 5}, "hello"), ({"ospf_dead": 60}, "dead")):
        configs = {name: ospf(make_config(name, {FA0: addr}), (*ANY, 0))
                   for name, addr in (("R1", "10.0.0.1/24"), ("R2", "10.0.0.2/24"))}
        for field, value in mismatch.items():
            setattr(configs["R2"].interfaces[FA0], field, value)
        lab = Lab()
        for config in configs.values():
            lab.add_router(config)
        lab.connect("R1", FA0, "R2", FA0)
        lab.run(100)
        assert states(lab, "R1") == {} and states(lab, "R2") == {}
        events = [e.fields for e in lab.events.of_kind("ospf") if e.fields["event"] == "mismatch"]
        assert {e["what"] for e in events} == {what}
        assert events[0]["source"] in ("10.0.0.1", "10.0.0.2")
    lab = Lab()
    lab.add_router(ospf(make_config("R1", {FA0: "10.0.0.1/24"}), (*ANY, 0)))
    lab.add_router(ospf(make_config("R2", {FA0: "10.0.0.2/24"}), (*ANY, 1)))
    lab.connect("R1", FA0, "R2", FA0)
    lab.run(30)
    areas = [(e.device, e.fields["value"]) for e in lab.events.of_kind("ospf")
             if e.fields["event"] == "mismatch" and e.fields["what"] == "area"]
    assert ("R1", 1) in areas and ("R2", 0) in areas and states(lab, "R1") == {}


def test_passive_interface_advertises_its_network_but_sends_no_hellos() -> None:
    lab = Lab()
    r1 = ospf(make_config("R1", {FA0: "10.0.0.1/24", FA1: "192.168.1.1/24"}), (*ANY, 0))
    r1.ospf[1].passive.add(FA1)
    lab.add_router(r1)
    lab.add_router(ospf(make_config("R2", {FA0: "10.0.0.2/24"}), (*ANY, 0)))
    lab.add_host(make_config("PC", {FA0: "192.168.1.10/24"}, gateway="192.168.1.1"))
    lab.connect("R1", FA0, "R2", FA0)
    lab.connect("R1", FA1, "PC", FA0, name="lan")
    recorder = Recorder(lab, links=["lan"])
    lab.run(60)
    assert recorder.frames == []
    assert route(lab, "R2", "192.168.1.0/24").metric == 2
    # Without passive-interface the PC hears the hellos and ignores them, silently.
    r1 = ospf(make_config("R1", {FA0: "10.0.0.1/24", FA1: "192.168.1.1/24"}), (*ANY, 0))
    lab = Lab()
    lab.add_router(r1)
    lab.add_host(make_config("PC", {FA0: "192.168.1.10/24"}, gateway="192.168.1.1"))
    lab.connect("R1", FA1, "PC", FA0, name="lan")
    lab.run(25)
    assert lab.devices["PC"].ignored_multicast == 3 and lab.events.of_kind("drop") == []


def test_router_id_configured_then_highest_loopback_then_highest_interface() -> None:
    def rid(config: DeviceConfig, *, cabled: bool = True) -> tuple[str | None, list[str]]:
        lab = Lab()
        lab.add_router(config)
        if cabled:  # Fa0/0 up: cabled to a neighbour
            lab.add_router(make_config("X", {FA0: "10.0.0.2/24"}))
            lab.connect("R", FA0, "X", FA0)
        lab.run(1)
        value = lab.devices["R"].ospf.processes[1].router_id
        events = [e.fields["event"] for e in lab.events.of_kind("ospf")]
        return (None if value is None else int_to_ip(value)), events

    base = {FA0: "10.0.0.1/24", FA1: "192.168.9.1/24"}  # Fa1/0 never comes up
    assert rid(ospf(make_config("R", base), (*ANY, 0)), cabled=False) == (None, ["no-router-id"])
    assert rid(ospf(make_config("R", base), (*ANY, 0)))[0] == "10.0.0.1"
    assert rid(ospf(loopback(loopback(make_config("R", base), "1.1.1.1/32"), "5.5.5.5/32",
                             "Loopback1"), (*ANY, 0)))[0] == "5.5.5.5"
    assert rid(ospf(loopback(make_config("R", base), "1.1.1.1/32"), (*ANY, 0),
                    router_id=ipaddress.IPv4Address("9.9.9.9")))[0] == "9.9.9.9"


def test_default_information_originate_needs_a_default_route_unless_always() -> None:
    def run(routes: list[str], always: bool):
        lab = Lab()
        lab.add_router(ospf(make_config("R1", {FA0: "10.0.0.1/24", FA1: "8.8.8.1/24"},
                                        routes=routes), ("10.0.0.0", "0.0.0.255", 0),
                            default_originate=True, default_originate_always=always))
        lab.add_router(ospf(make_config("R2", {FA0: "10.0.0.2/24"}), (*ANY, 0)))
        lab.add_router(make_config("ISP", {FA0: "8.8.8.8/24"}))
        lab.connect("R1", FA0, "R2", FA0)
        lab.connect("R1", FA1, "ISP", FA0)
        lab.run(60)
        return route(lab, "R2", "0.0.0.0/0")

    assert run([], False) is None
    default = run(["0.0.0.0/0 FastEthernet1/0"], False)
    assert (default.code, default.subtype, default.metric) == ("O", "E2", 1)
    assert default.gateway == ip_to_int("10.0.0.1")
    assert run([], True).subtype == "E2"


def test_areas_give_inter_area_routes_through_the_abr() -> None:
    lab = Lab()
    lab.add_router(ospf(loopback(make_config("R1", {FA0: "10.0.12.1/24"}), "1.1.1.1/32"),
                        (*ANY, 0)))
    lab.add_router(ospf(make_config("R2", {FA0: "10.0.12.2/24", FA1: "10.0.23.2/24"}),
                        ("10.0.12.0", "0.0.0.255", 0), ("10.0.23.0", "0.0.0.255", 1)))
    lab.add_router(ospf(loopback(make_config("R3", {FA0: "10.0.23.3/24"}), "3.3.3.3/32"),
                        (*ANY, 1)))
    lab.connect("R1", FA0, "R2", FA0)
    lab.connect("R2", FA1, "R3", FA0)
    lab.run(90)
    far = route(lab, "R1", "3.3.3.3/32")
    assert (far.code, far.subtype, far.metric) == ("O", "IA", 3)
    assert route(lab, "R1", "10.0.23.0/24").subtype == "IA"
    back = route(lab, "R3", "1.1.1.1/32")
    assert (back.subtype, back.metric, back.out_interface) == ("IA", 3, FA0)
    assert route(lab, "R2", "3.3.3.3/32").subtype == ""  # intra-area on the ABR


def test_ip_ospf_cost_changes_the_path() -> None:
    lab = triangle()
    lab.run(60)
    assert route(lab, "R1", "2.2.2.2/32").out_interface == FA0
    for name, ifname in (("R1", FA0), ("R2", FA0)):
        config = lab.devices[name].config
        config.interfaces[ifname].ospf_cost = 50
        lab.devices[name].reconfigure(config)
    lab.run(200)
    detour = route(lab, "R1", "2.2.2.2/32")
    assert detour.out_interface == FA1 and detour.metric == 3


# -- over tunnels ---------------------------------------------------------------------------
def gre_ospf_configs() -> dict[str, DeviceConfig]:
    configs = seed_configs()
    for name, local, remote, tunnel_ip, lan in (
            ("RT1", FA1, "11.11.11.2", "10.0.0.1/30", "172.16.1.0"),
            ("RT2", FA1, "10.10.10.2", "10.0.0.2/30", "172.16.2.0")):
        config = configs[name]
        config.interfaces["Tunnel0"] = InterfaceConfig(
            "Tunnel0", ipaddress.IPv4Interface(tunnel_ip),
            tunnel=TunnelConfig(source=local, destination=ipaddress.IPv4Address(remote)))
        ospf(config, ("10.0.0.0", "0.0.0.3", 0), (lan, "0.0.0.255", 0))
    return configs


def test_adjacency_over_gre_is_point_to_point_and_drops_40s_after_hellos_stop() -> None:
    lab = seed_lab(configs=gre_ospf_configs())
    lab.run(30)
    assert states(lab, "RT1") == {"172.16.2.1": ("FULL", "Tunnel0")}
    assert lab.devices["RT1"].ospf.processes[1].interfaces["Tunnel0"].state == "POINT_TO_POINT"
    lan = route(lab, "RT1", "172.16.2.0/24")
    assert (lan.metric, lan.out_interface, int_to_ip(lan.gateway)) == (1001, "Tunnel0", "10.0.0.2")
    # Hellos arrive as GRE: an inbound ACL on RT2 that stops GRE kills the adjacency at the
    # dead interval, and the LAN route goes with the next SPF.
    rt2 = lab.devices["RT2"]
    config = apply_config_lines(rt2.config, ["access-list 150 deny gre any any",
                                             "access-list 150 permit ip any any"])
    config.interfaces[FA1].acl_in = "150"
    rt2.reconfigure(config)
    stop = lab.env.now
    lab.run(stop + 60)
    [(when, device, _, _, reason)] = [a for a in adjchg(lab) if a[3] == "DOWN" and a[1] == "RT2"]
    assert reason == "Dead timer expired" and 30 <= when - stop <= 40
    assert route(lab, "RT2", "172.16.1.0/24") is None
    assert any(e.fields["reason"] == "acl-in" and e.fields["protocol"] == 47
               for e in lab.events.of_kind("drop"))


def test_ospf_learning_the_tunnel_destination_through_the_tunnel_is_recursive_routing() -> None:
    configs = gre_ospf_configs()
    # The classic mistake: RT2 puts its transport network into OSPF, so RT1 learns
    # 11.11.11.0/24 (its tunnel destination) through the tunnel, more specific than its default.
    configs["RT2"].ospf[1].networks.append(
        OspfNetwork(ipaddress.IPv4Address("11.11.11.0"), ipaddress.IPv4Address("0.0.0.255"), 0))
    lab = seed_lab(configs=configs)
    lab.run(120)
    recur = [round(e.time) for e in lab.events.of_kind("tunnel")
             if e.device == "RT1" and e.fields["event"] == "recursive-routing"]
    assert recur and recur[0] <= 40
    downs = [a for a in adjchg(lab) if a[3] == "DOWN" and a[1] == "RT1"]
    assert downs and downs[0][4] == "Interface down or detached"
    assert route(lab, "RT1", "11.11.11.0/24") is None  # gone with the adjacency
