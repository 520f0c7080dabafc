"""Loopbacks, GRE tunnels (RFC 2784/2890 bytes), VTIs with a protection hook, IOS tunnel line
protocol (source, routable destination, recursive routing), `ip unnumbered`, captures."""

from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from net_pcap import tshark_fields, write_raw_ip_pcap
from scapy.layers.inet import ICMP, IP
from scapy.layers.l2 import GRE

from ikesim.ios.ping import ping
from ikesim.net.addr import ip_to_int
from ikesim.net.builders import FA1, seed_configs, seed_lab, static_route
from ikesim.net.capture import Endpoint, Recorder
from ikesim.net.config import DeviceConfig, InterfaceConfig, TunnelConfig
from ikesim.net.gre import GreError, GreHeader, decode_gre, encode_gre
from ikesim.net.lab import Lab
from ikesim.net.packet import Packet, encode_packet
from ikesim.net.packet_decode import decode_packet
from ikesim.net.tunnel import RECURSIVE_HOLD

TU0, LO0 = "Tunnel0", "Loopback0"


def add_iface(config: DeviceConfig, name: str, address: str | None, **kw) -> InterfaceConfig:
    ic = InterfaceConfig(name, ipaddress.IPv4Interface(address) if address else None, **kw)
    config.interfaces[name] = ic
    return ic


def tunnel_configs(*, key_rt1: int | None = None, key_rt2: int | None = None,
                   mode: str = "gre", rt1_source: str | None = FA1,
                   rt1_dest: str | None = "11.11.11.2") -> dict[str, DeviceConfig]:
    """The seed topology with a GRE tunnel RT1 Tu0 10.0.0.1/30 — RT2 Tu0 10.0.0.2/30, the LANs
    routed through it; the ISP knows only its connected networks."""
    configs = seed_configs()
    rt1, rt2 = configs["RT1"], configs["RT2"]
    add_iface(rt1, TU0, "10.0.0.1/30", tunnel=TunnelConfig(
        source=rt1_source, destination=ipaddress.IPv4Address(rt1_dest) if rt1_dest else None,
        mode=mode, key=key_rt1))
    add_iface(rt2, TU0, "10.0.0.2/30", tunnel=TunnelConfig(
        source="11.11.11.2", destination=ipaddress.IPv4Address("10.10.10.2"), mode=mode,
        key=key_rt2))
    rt1.static_routes.append(static_route("172.16.2.0/24 Tunnel0"))
    rt2.static_routes.append(static_route("172.16.1.0/24 10.0.0.1"))
    return configs


def run_ping(lab: Lab, device: str, dst: str, **kw):
    done: dict = {}

    def wrapper(env):
        done["result"] = yield env.process(ping(lab, device, dst, **kw))

    lab.env.process(wrapper(lab.env))
    lab.run()
    return done["result"]


def drops(lab: Lab, reason: str) -> list[dict]:
    return [dict(device=e.device, **e.fields) for e in lab.events.of_kind("drop")
            if e.fields["reason"] == reason]


# -- loopbacks -----------------------------------------------------------------------------
def test_loopback_is_up_without_a_link_and_sources_pings_end_to_end() -> None:
    configs = seed_configs()
    add_iface(configs["RT1"], LO0, "1.1.1.1/32")
    configs["RT2"].static_routes.append(static_route("1.1.1.1/32 11.11.11.1"))
    configs["ISP"].static_routes.append(static_route("1.1.1.1/32 10.10.10.2"))
    lab = seed_lab(configs=configs)
    rt1 = lab.devices["RT1"]
    lo = rt1.interfaces[LO0]
    assert (lo.status, lo.protocol) == ("up", "up") and lo.link is None
    assert rt1.table.get(ip_to_int("1.1.1.1"), 32).code == "C"
    result = run_ping(lab, "RT1", "11.11.11.2", count=3, source="Loopback0")
    assert result.marks == "!!!" and result.source == "1.1.1.1"
    # Without the return route the replies die at RT2 (no route back to 1.1.1.1).
    configs = seed_configs()
    add_iface(configs["RT1"], LO0, "1.1.1.1/32")
    lab = seed_lab(configs=configs)
    assert run_ping(lab, "RT1", "11.11.11.2", count=2, source="Lo0").marks == ".."
    assert drops(lab, "no-route")[0]["device"] == "ISP"


def test_shut_loopback_is_administratively_down_and_refuses_to_source() -> None:
    configs = seed_configs()
    add_iface(configs["RT1"], LO0, "1.1.1.1/32", shutdown=True)
    lab = seed_lab(configs=configs)
    lo = lab.devices["RT1"].interfaces[LO0]
    assert (lo.status, lo.protocol) == ("administratively down", "down")
    from ikesim.errors import InputError

    with pytest.raises(InputError, match="interface is down"):
        ping(lab, "RT1", "11.11.11.2", source="Loopback0")


# -- GRE -------------------------------------------------------------------------------------
@given(st.binary(max_size=64), st.one_of(st.none(), st.integers(0, 2**32 - 1)),
       st.one_of(st.none(), st.integers(0, 2**32 - 1)), st.booleans())
def test_gre_header_round_trips_and_scapy_agrees(payload, key, seq, csum) -> None:
    header = GreHeader(key=key, sequence=seq, checksum=csum)
    data = encode_gre(header, payload)
    assert len(data) == header.length + len(payload)
    assert decode_gre(data) == (header, payload)
    parsed = GRE(data)
    assert parsed.proto == 0x0800 and parsed.key_present == (key is not None)
    assert (parsed.key if key is not None else None) == key
    assert parsed.chksum_present == csum


def test_gre_decoder_discards_what_rfc_2784_says_to_discard() -> None:
    good = encode_gre(GreHeader(checksum=True), b"abcd")
    with pytest.raises(GreError, match="checksum"):
        decode_gre(good[:-1] + b"e")
    with pytest.raises(GreError, match="version"):
        decode_gre(b"\x00\x01\x08\x00")
    with pytest.raises(GreError, match="reserved"):
        decode_gre(b"\x40\x00\x08\x00")
    with pytest.raises(GreError, match="needs"):
        decode_gre(b"\x20\x00\x08\x00\x00")


def test_gre_tunnel_carries_the_lans_across_an_isp_that_does_not_know_them(tmp_path) -> None:
    lab = seed_lab(configs=tunnel_configs(key_rt1=1234, key_rt2=1234))
    recorder = Recorder(lab, links=["ISP-RT2"])
    rt1 = lab.devices["RT1"]
    tu = rt1.interfaces[TU0]
    assert (tu.status, tu.protocol) == ("up", "up")
    route = rt1.table.lookup(ip_to_int("172.16.2.2"))
    assert route.out_interface == TU0 and route.code == "S"
    result = run_ping(lab, "PC1", "172.16.2.2", count=3)
    assert result.marks == "!!!" and lab.events.of_kind("drop") == []
    # What crossed ISP-RT2: GRE (protocol 47) between the tunnel endpoints, key 1234, the
    # inner ICMP untouched but for the TTL (PC 64, minus RT1).
    frames = recorder.frames
    assert len(frames) == 6 and {f.link for f in frames} == {"ISP-RT2"}
    outer = IP(frames[0].data)
    assert (outer.src, outer.dst, outer.proto) == ("10.10.10.2", "11.11.11.2", 47)
    assert outer[GRE].key == 1234 and outer[GRE].proto == 0x0800
    inner = outer[GRE].payload
    assert (inner.src, inner.dst, inner.ttl) == ("172.16.1.2", "172.16.2.2", 63)
    assert inner[ICMP].type == 8
    assert frames[0].sender == Endpoint("ISP", FA1) and frames[0].receiver == Endpoint("RT2", FA1)
    assert frames[0].arrival == pytest.approx(frames[0].time + 0.001)
    assert [d for d, _ in recorder.frames_on("RT2", FA1)] == ["in", "out"] * 3
    # Wireshark dissects the bytes: GRE with its key, then the inner ICMP.
    pcap = write_raw_ip_pcap(tmp_path / "gre.pcap", [(f.time, f.data) for f in frames])
    rows = tshark_fields(pcap, ["gre.key", "ip.proto", "icmp.type", "_ws.malformed"])
    assert rows[0][:3] == ["0x000004d2", "47,1", "8"] and all(r[3] == "" for r in rows)
    # Tunnel counters and the inner packets seen on the tunnel interfaces.
    assert tu.counters[0] == 3 and tu.counters[2] == 3
    tunnel_view = Recorder(lab, interfaces=[("RT2", TU0)])
    run_ping(lab, "PC2", "172.16.1.2", count=1)
    assert [d for d, _ in tunnel_view.frames_on("RT2", TU0)] == ["out", "in"]


def test_tunnel_key_mismatch_drops_at_the_receiver() -> None:
    lab = seed_lab(configs=tunnel_configs(key_rt1=1, key_rt2=2))
    recorder = Recorder(lab)
    assert run_ping(lab, "PC1", "172.16.2.2", count=2).marks == ".."
    dropped = drops(lab, "gre-no-tunnel")
    assert dropped and dropped[0]["device"] == "RT2" and dropped[0]["key"] == 1
    record = next(d for d in recorder.drops if d.reason == "gre-no-tunnel")
    assert (record.device, record.interface) == ("RT2", FA1)
    assert IP(record.data)[GRE].key == 1


def test_tunnel_without_source_or_destination_is_up_down() -> None:
    lab = seed_lab(configs=tunnel_configs(rt1_source=None))
    state = lab.devices["RT1"].tunnels.states[TU0]
    tu = lab.devices["RT1"].interfaces[TU0]
    assert (tu.status, tu.protocol) == ("up", "down") and state.reason == "no tunnel source"
    assert lab.devices["RT1"].table.get(ip_to_int("172.16.2.0"), 24) is None
    lab = seed_lab(configs=tunnel_configs(rt1_dest=None))
    assert lab.devices["RT1"].tunnels.states[TU0].reason == "no tunnel destination"
    assert lab.devices["RT1"].interfaces[TU0].protocol == "down"


def test_tunnel_follows_its_source_interface_and_destination_routability() -> None:
    configs = tunnel_configs()
    configs["RT1"].static_routes = [static_route("172.16.2.0/24 Tunnel0")]  # no default
    lab = seed_lab(configs=configs)
    rt1 = lab.devices["RT1"]
    tu, state = rt1.interfaces[TU0], rt1.tunnels.states[TU0]
    assert tu.protocol == "down" and state.reason == "tunnel destination unroutable"
    # A route covering the destination (not reachability: nobody checks the far end).
    new = tunnel_configs()
    new["RT1"].static_routes = [static_route("172.16.2.0/24 Tunnel0"),
                                static_route("11.0.0.0/8 10.10.10.1")]
    lab.run(1.0)
    rt1.reconfigure(new["RT1"])
    state = rt1.tunnels.states[TU0]
    assert tu.protocol == "up" and state.reason == ""
    events = [e.fields for e in lab.events.of_kind("interface") if e.device == "RT1"]
    assert events[-1] == {"interface": TU0, "status": "up", "protocol": "up"}
    lab.link("RT1-ISP").set_up(False)  # the source interface goes down: so does the tunnel
    assert tu.protocol == "down" and state.reason == "tunnel source down"
    assert rt1.table.lookup(ip_to_int("172.16.2.2")) is None  # static via Tu0 withdrawn
    lab.link("RT1-ISP").set_up(True)
    assert tu.protocol == "up"


def test_recursive_routing_disables_the_tunnel_then_it_flaps() -> None:
    configs = tunnel_configs()
    # The tunnel destination learned through the tunnel itself (a more specific route).
    configs["RT1"].static_routes.append(static_route("11.11.11.2/32 Tunnel0"))
    lab = seed_lab(configs=configs)
    rt1 = lab.devices["RT1"]
    tu, state = rt1.interfaces[TU0], rt1.tunnels.states[TU0]
    lab.run(1.0)
    assert tu.protocol == "down" and state.reason == "recursive routing"
    assert rt1.table.lookup(ip_to_int("11.11.11.2")).out_interface == FA1  # via the default
    lab.run(RECURSIVE_HOLD + 0.5)
    lab.run(2 * RECURSIVE_HOLD + 1.0)
    recur = [e for e in lab.events.of_kind("tunnel") if e.fields["event"] == "recursive-routing"]
    assert [round(e.time) for e in recur] == [0, 65, 130]
    flaps = [(round(e.time), e.fields["protocol"]) for e in lab.events.of_kind("interface")
             if e.device == "RT1" and e.fields["interface"] == TU0]
    assert flaps == [(65, "up"), (65, "down"), (130, "up"), (130, "down")]


def test_unnumbered_tunnel_borrows_the_loopback_address() -> None:
    configs = tunnel_configs()
    for name, address in (("RT1", "1.1.1.1/32"), ("RT2", "2.2.2.2/32")):
        add_iface(configs[name], LO0, address)
        tunnel = configs[name].interfaces[TU0]
        tunnel.address, tunnel.unnumbered = None, LO0
    configs["RT2"].static_routes = [static_route("0.0.0.0/0 11.11.11.1"),
                                    static_route("172.16.1.0/24 Tunnel0"),
                                    static_route("1.1.1.1/32 Tunnel0")]
    lab = seed_lab(configs=configs)
    rt1 = lab.devices["RT1"]
    assert rt1.interfaces[TU0].protocol == "up" and rt1.interfaces[TU0].source_address == \
        ip_to_int("1.1.1.1")
    assert run_ping(lab, "PC1", "172.16.2.2", count=2).marks == "!!"
    # Traffic the router itself sends into the tunnel is sourced from the loopback.
    recorder = Recorder(lab, interfaces=[("RT2", TU0)])
    assert run_ping(lab, "RT1", "172.16.2.2", count=1).marks == "!"
    inner = IP(recorder.frames_on("RT2", TU0)[0][1].data)
    assert inner.src == "1.1.1.1"


# -- VTI with a protection hook ---------------------------------------------------------------
class FakeProtection:
    """Stands in for the crypto side: 'encrypts' by carrying the inner packet as protocol 50
    payload in clear, and hands what arrives to the peer tunnel."""

    def __init__(self, device, peer_address: int) -> None:
        self.device, self.peer, self.has_sa = device, peer_address, False
        self.protected: list[Packet] = []
        device.protocol_handlers[50] = self.on_esp

    def protect(self, packet, tunnel) -> bool:
        if not self.has_sa:
            return False
        self.protected.append(packet)
        data = encode_packet(packet)
        outer = Packet(tunnel.device.tunnels.source_of(tunnel.device.tunnels.states[tunnel.name]),
                       self.peer, 50, 255, data, 20 + len(data), 0)
        return self.device.send_packet(outer, hooks=False)

    def on_esp(self, packet, iface) -> None:
        tunnel = self.device.interfaces[TU0]
        self.device.tunnels.deliver(tunnel, decode_packet(packet.payload))


def test_vti_needs_an_ipsec_sa_and_carries_packets_through_the_protection_hook() -> None:
    lab = seed_lab(configs=tunnel_configs(mode="ipsec"))
    rt1, rt2 = lab.devices["RT1"], lab.devices["RT2"]
    assert rt1.tunnels.states[TU0].reason == "no IPsec SA"
    assert rt1.interfaces[TU0].protocol == "down"
    p1 = FakeProtection(rt1, ip_to_int("11.11.11.2"))
    p2 = FakeProtection(rt2, ip_to_int("10.10.10.2"))
    rt1.tunnels.attach(rt1.interfaces[TU0], p1)
    rt2.tunnels.attach(rt2.interfaces[TU0], p2)
    assert rt1.interfaces[TU0].protocol == "down"  # attached, still no SA
    for device, protection in ((rt1, p1), (rt2, p2)):
        protection.has_sa = True
        device.tunnels.set_protection_up(device.interfaces[TU0], True)
    assert rt1.interfaces[TU0].protocol == "up"
    assert run_ping(lab, "PC1", "172.16.2.2", count=2).marks == "!!"
    assert IP(encode_packet(p1.protected[0])).dst == "172.16.2.2"  # the inner packet
    # The SA goes away but the line protocol has not caught up yet: packets are dropped.
    p1.has_sa = False
    assert run_ping(lab, "PC1", "172.16.2.2", count=1).marks == "."
    dropped = drops(lab, "tunnel-no-ipsec-sa")
    assert dropped[0]["device"] == "RT1" and dropped[0]["interface"] == TU0
    rt1.tunnels.set_protection_up(rt1.interfaces[TU0], False)
    assert rt1.interfaces[TU0].protocol == "down"


def test_protected_gre_hands_the_gre_packet_to_ipsec_and_refuses_clear_gre() -> None:
    lab = seed_lab(configs=tunnel_configs())
    rt1, rt2 = lab.devices["RT1"], lab.devices["RT2"]
    p1 = FakeProtection(rt1, ip_to_int("11.11.11.2"))
    p1.has_sa = True
    rt1.tunnels.attach(rt1.interfaces[TU0], p1)
    assert rt1.interfaces[TU0].protocol == "up"  # GRE line protocol ignores IPsec
    assert run_ping(lab, "PC1", "172.16.2.2", count=1).marks == "."  # RT2 gets ESP, no hook
    gre = IP(encode_packet(p1.protected[0]))
    assert gre.proto == 47 and gre[GRE].payload.dst == "172.16.2.2"
    # RT2 protected, RT1 not: RT1's clear GRE is refused by RT2.
    lab = seed_lab(configs=tunnel_configs())
    rt2 = lab.devices["RT2"]
    p2 = FakeProtection(rt2, ip_to_int("10.10.10.2"))
    rt2.tunnels.attach(rt2.interfaces[TU0], p2)
    assert run_ping(lab, "PC1", "172.16.2.2", count=1).marks == "."
    assert drops(lab, "tunnel-not-ipsec")[0]["device"] == "RT2"
