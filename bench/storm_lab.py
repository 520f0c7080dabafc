"""A storm of N spokes against one hub, as a lab scenario and as bare engines.

Lab (``storm_scenario``): HUB (Fa0/0 WAN, Fa0/1 LAN with HPC) — ISP (one interface per spoke and
one for the hub) — SPOKE-i (Fa0/0 WAN, Fa0/1 LAN with PC-i). The hub has one crypto map with an
entry (peer + ``ip access-list extended S<i>``) per spoke and a wildcard pre-shared key; each
spoke has one entry towards the hub. At 1 s every spoke starts main mode at once (``initiate``);
with ``quick`` every PC instead pings the hub's LAN address ``echoes + 1`` times: the first echo
is dropped while IKE (main mode, then quick mode) runs, the others cross the tunnel in ESP.
The run lasts until ``START + SETTLE`` so that memory is measured in a steady state.

Engines (``engine_storm``): the same hub and spoke configurations, one ``IsakmpEngine`` each, the
datagrams handed over first in, first out with no network at all; with ``quick``, the same
phase-2 requests and ``echoes`` ESP round trips through ``ikesim.ipsec.esp``.
"""

from __future__ import annotations

import ipaddress
import random
from collections import deque
from dataclasses import dataclass

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ike.sa import QM_IDLE
from ikesim.ios.config import parse_config
from ikesim.ipsec.esp import decapsulate, encapsulate, peek_spi
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.scenario.model import DeviceSpec, EventSpec, LinkSpec, Scenario

# (ISAKMP policy lines, transform-set keywords) per DH group; bench.direct_floor.SUITES match.
POLICY = {2: (" encr 3des\n hash sha\n group 2", ("esp-3des", "esp-sha-hmac")),
          14: (" encr aes 256\n hash sha256\n group 14", ("esp-aes 256", "esp-sha-hmac"))}
HUB_WAN, HUB_ISP = "198.18.0.1", "198.18.0.2"
HUB_LAN = "192.168.0.1"
START = 1.0                      # every spoke starts at this simulated time
ECHO_BYTES = 100                 # IOS ping default datagram size
SETTLE = 30.0                    # seconds simulated after the start (see storm_scenario)


def spoke_wan(i: int) -> tuple[str, str]:
    """(ISP side, spoke side) of spoke ``i``'s /30 in 100.64.0.0/10."""
    base = int(ipaddress.IPv4Address("100.64.0.0")) + 4 * i
    return str(ipaddress.IPv4Address(base + 1)), str(ipaddress.IPv4Address(base + 2))


def spoke_lan(i: int) -> str:
    return f"10.{i >> 8}.{i & 255}.0"


def hub_config(group: int, n: int) -> str:
    policy, transforms = POLICY[group]
    lines = ["hostname HUB", "crypto isakmp policy 1", policy, " authentication pre-share",
             "crypto isakmp key cisco123 address 0.0.0.0 0.0.0.0",
             f"crypto ipsec transform-set TS {' '.join(transforms)}"]
    for i in range(n):
        lines += [f"crypto map HUB {i + 1} ipsec-isakmp", f" set peer {spoke_wan(i)[1]}",
                  " set transform-set TS", f" match address S{i}"]
    lines += ["interface FastEthernet0/0", f" ip address {HUB_WAN} 255.255.255.252",
              " crypto map HUB", "interface FastEthernet0/1",
              f" ip address {HUB_LAN} 255.255.255.0", f"ip route 0.0.0.0 0.0.0.0 {HUB_ISP}"]
    for i in range(n):
        lines += [f"ip access-list extended S{i}",
                  f" permit ip 192.168.0.0 0.0.0.255 {spoke_lan(i)} 0.0.0.255"]
    return "\n".join(lines)


def spoke_config(group: int, i: int) -> str:
    policy, transforms = POLICY[group]
    isp, me = spoke_wan(i)
    lan = spoke_lan(i)
    return "\n".join([
        f"hostname SPOKE-{i}", "crypto isakmp policy 1", policy, " authentication pre-share",
        f"crypto isakmp key cisco123 address {HUB_WAN}",
        f"crypto ipsec transform-set TS {' '.join(transforms)}",
        "crypto map CMAP 10 ipsec-isakmp", f" set peer {HUB_WAN}", " set transform-set TS",
        " match address 101", "interface FastEthernet0/0", f" ip address {me} 255.255.255.252",
        " crypto map CMAP", "interface FastEthernet0/1",
        f" ip address {lan[:-1]}1 255.255.255.0", f"ip route 0.0.0.0 0.0.0.0 {isp}",
        f"access-list 101 permit ip {lan} 0.0.0.255 192.168.0.0 0.0.0.255"])


def isp_config(n: int) -> DeviceConfig:
    config = DeviceConfig(hostname="ISP")
    for i in range(n + 1):
        name = f"GigabitEthernet1/{i}"
        local = HUB_ISP if i == n else spoke_wan(i)[0]
        config.interfaces[name] = InterfaceConfig(
            name=name, address=ipaddress.IPv4Interface(f"{local}/30"))
    return config


def _host(name: str, address: str, gateway: str) -> DeviceSpec:
    config = DeviceConfig(hostname=name, default_gateway=ipaddress.IPv4Address(gateway))
    config.interfaces["FastEthernet0/0"] = InterfaceConfig(
        name="FastEthernet0/0", address=ipaddress.IPv4Interface(address))
    return DeviceSpec(name, "host", config)


def storm_scenario(group: int, n: int, *, quick: bool, echoes: int = 4,
                   duration: float | None = None) -> Scenario:
    """The lab of a storm of ``n`` spokes (see the module docstring)."""
    devices = {"HUB": DeviceSpec("HUB", "router", parse_config(hub_config(group, n))),
               "ISP": DeviceSpec("ISP", "router", isp_config(n)),
               "HPC": _host("HPC", "192.168.0.10/24", HUB_LAN)}
    links = [LinkSpec("hub-wan", ("HUB", "FastEthernet0/0"), ("ISP", f"GigabitEthernet1/{n}")),
             LinkSpec("hub-lan", ("HUB", "FastEthernet0/1"), ("HPC", "FastEthernet0/0"))]
    events = []
    for i in range(n):
        spoke, pc = f"SPOKE-{i}", f"PC-{i}"
        lan = spoke_lan(i)[:-1]
        devices[spoke] = DeviceSpec(spoke, "router", parse_config(spoke_config(group, i)))
        devices[pc] = _host(pc, f"{lan}10/24", f"{lan}1")
        links += [LinkSpec(f"wan-{i}", (spoke, "FastEthernet0/0"), ("ISP", f"GigabitEthernet1/{i}")),
                  LinkSpec(f"lan-{i}", (spoke, "FastEthernet0/1"), (pc, "FastEthernet0/0"))]
        if quick:
            events.append(EventSpec(START, "exec", device=pc,
                                    command=f"ping {HUB_LAN} repeat {echoes + 1}"))
        else:
            events.append(EventSpec(START, "initiate", device=spoke, peer=HUB_WAN))
    # Main mode alone takes tens of ms, a ping of 1 + echoes echoes ~2 s (the first waits 2 s);
    # the run goes on to a steady state: every retransmission timer due (IOS: 4-8 s) is past.
    end = duration if duration is not None else START + SETTLE
    return Scenario("bench:storm", f"storm-{n}", "", 1, end, devices, links, events)


# ------------------------------------------------------------------------------ bare engines
@dataclass
class EngineStorm:
    hub: IsakmpEngine
    spokes: list[IsakmpEngine]
    hub_addr: int
    spoke_addrs: list[int]
    policies: list[Phase2Policy]        # each spoke's phase-2 policy (towards the hub)


def _ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


def _lan_proxy(local: str, remote: str) -> Proxy:
    return Proxy(_ip(local), 0xFFFFFF00, _ip(remote), 0xFFFFFF00)


def build_engine_storm(group: int, n: int) -> EngineStorm:
    profile = PROFILES["ios12"]
    transform = (("TS", from_keywords(list(POLICY[group][1]))),)
    hub_addr = _ip(HUB_WAN)
    hub_cfg = parse_config(hub_config(group, n))
    hub = IsakmpEngine(crypto=hub_cfg.crypto, profile=profile, rng=random.Random(1),
                       local_addresses=[hub_addr])
    hub_policies, spoke_policies, spokes, addrs = [], [], [], []
    for i in range(n):
        me = _ip(spoke_wan(i)[1])
        addrs.append(me)
        hub_policies.append(Phase2Policy("HUB", i + 1, me, transform,
                                         (_lan_proxy("192.168.0.0", spoke_lan(i)),)))
        policy = Phase2Policy("CMAP", 10, hub_addr, transform,
                              (_lan_proxy(spoke_lan(i), "192.168.0.0"),))
        spoke_policies.append(policy)
        cfg = parse_config(spoke_config(group, i))
        engine = IsakmpEngine(crypto=cfg.crypto, profile=profile, rng=random.Random(i + 2),
                              local_addresses=[me])
        engine.set_phase2_policies([policy])
        spokes.append(engine)
    hub.set_phase2_policies(hub_policies)
    return EngineStorm(hub, spokes, hub_addr, addrs, spoke_policies)


def run_engine_storm(storm: EngineStorm, *, quick: bool, echoes: int = 4) -> int:
    """Every spoke starts at once; datagrams are delivered FIFO. Returns the datagrams carried;
    raises if a spoke is not established (and, with ``quick``, a ping does not come back)."""
    engines = {storm.hub_addr: storm.hub}
    engines.update(zip(storm.spoke_addrs, storm.spokes, strict=True))
    queue: deque = deque()
    for engine, me, policy in zip(storm.spokes, storm.spoke_addrs, storm.policies, strict=True):
        if quick:
            out = engine.request_ipsec(START, me, policy, policy.proxies[0])
        else:
            out = engine.initiate(START, me, storm.hub_addr)
        queue.extend(out.sends)
    carried = 0
    while queue:
        d = queue.popleft()
        carried += 1
        queue.extend(engines[d.dst].receive(START, d.data, d.src, d.sport, d.dst, d.dport).sends)
    for i, (engine, me) in enumerate(zip(storm.spokes, storm.spoke_addrs, strict=True)):
        sa = engine.established_sa(storm.hub_addr)
        if sa is None or sa.state != QM_IDLE:
            raise RuntimeError(f"engine storm: spoke {i} not established")
        if quick:
            _pings(storm, engine, me, i, echoes)
    return carried


def _pings(storm: EngineStorm, spoke: IsakmpEngine, me: int, i: int, echoes: int) -> None:
    src, dst = _ip(spoke_lan(i)) + 10, _ip(HUB_LAN)
    inner = bytes(ECHO_BYTES)
    for _ in range(echoes):
        for sender, receiver, peer, local, s, d in (
                (spoke, storm.hub, storm.hub_addr, storm.hub_addr, src, dst),
                (storm.hub, spoke, me, me, dst, src)):
            pair = sender.outbound_sa(peer, s, d)
            if pair is None:
                raise RuntimeError(f"engine storm: spoke {i} has no IPsec SA")
            esp = encapsulate(pair.outbound, inner, bytes(pair.outbound.transform.cipher.block))
            sender.ipsec_traffic(START, pair)
            back = receiver.inbound_sa(peek_spi(esp) or 0, local)
            if back is None or decapsulate(back.inbound, esp) != inner:
                raise RuntimeError(f"engine storm: spoke {i} ESP failed")
            receiver.ipsec_traffic(START, back)
