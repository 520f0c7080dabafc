"""IOS text for the network features: show ip ospf neighbor, O routes in show ip route,
show ip nat translations / clear ip nat translation *, show interfaces Tunnel/Loopback,
%OSPF-5-ADJCHG, %TUN-5-RECURDOWN and %OSPF-4-ERRRCV, and the commands through a scenario run."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from types import SimpleNamespace

from test_net_nat import nat_configs, pat, run_ping
from test_net_ospf import gre_ospf_configs, ospf, triangle
from test_net_tunnels import tunnel_configs

from ikesim.ios.commands import run_exec, validate_exec_args
from ikesim.ios.exec_parse import parse_exec
from ikesim.ios.net_syslog import net_syslog
from ikesim.ios.show_interfaces import NOT_MODELLED, show_interfaces
from ikesim.ios.show_ip import show_ip_route
from ikesim.ios.show_nat import show_ip_nat_translations
from ikesim.ios.show_ospf import show_ip_ospf_neighbor
from ikesim.net.builders import FA0, FA1, make_config, seed_lab
from ikesim.net.config import InterfaceConfig, NatRule
from ikesim.net.events import SimEvent
from ikesim.net.lab import Lab
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parent.parent


def run_command(node, text: str) -> list[str]:
    """An exec command through the real parser and handler table (no simulated time)."""
    device = SimpleNamespace(node=node, lab=node.lab, env=node.env)
    generator = run_exec(device, parse_exec(text))
    try:
        next(generator)
    except StopIteration as done:
        return done.value
    raise AssertionError("a show command took simulated time")


def test_show_ip_ospf_neighbor_on_ethernet_and_over_a_tunnel() -> None:
    lab = triangle()
    lab.run(65)
    assert show_ip_ospf_neighbor(lab.devices["R1"]) == [
        "",
        "Neighbor ID     Pri   State           Dead Time   Address         Interface",
        "2.2.2.2           1   FULL/DR         00:00:35    10.0.12.2       FastEthernet0/0",
        "3.3.3.3           1   FULL/DR         00:00:35    10.0.13.3       FastEthernet1/0",
    ]
    lab = seed_lab(configs=gre_ospf_configs())
    lab.run(32)
    assert run_command(lab.devices["RT1"], "sh ip os nei")[2] == (
        "172.16.2.1        0   FULL/  -        00:00:38    10.0.0.2        Tunnel0")
    assert show_ip_ospf_neighbor(make_node_without_ospf()) == []


def make_node_without_ospf():
    lab = Lab()
    return lab.add_router(make_config("R", {FA0: "10.0.0.1/24"}))


def test_o_routes_in_show_ip_route() -> None:
    lab = seed_lab(configs=gre_ospf_configs())
    lab.run(47)
    lines = show_ip_route(lab.devices["RT1"])
    assert "O       172.16.2.0 [110/1001] via 10.0.0.2, 00:00:31, Tunnel0" in lines
    lab = Lab()
    lab.add_router(ospf(make_config("R1", {FA0: "10.0.0.1/24", FA1: "8.8.8.1/24"},
                                    routes=["0.0.0.0/0 FastEthernet1/0"]),
                        ("10.0.0.0", "0.0.0.255", 0), default_originate=True))
    lab.add_router(ospf(make_config("R2", {FA0: "10.0.0.2/24"}),
                        ("0.0.0.0", "255.255.255.255", 0)))
    lab.add_router(make_config("ISP", {FA0: "8.8.8.8/24"}))
    lab.connect("R1", FA0, "R2", FA0)
    lab.connect("R1", FA1, "ISP", FA0)
    lab.run(60)
    lines = show_ip_route(lab.devices["R2"])
    assert "Gateway of last resort is 10.0.0.1 to network 0.0.0.0" in lines
    assert "O*E2 0.0.0.0/0 [110/1] via 10.0.0.1, 00:00:15, FastEthernet0/0" in lines


def test_show_ip_nat_translations_and_clear() -> None:
    rules = [pat(), NatRule("static", local=ipaddress.IPv4Address("172.16.1.3"),
                            global_=ipaddress.IPv4Address("10.10.10.50"))]
    lab = seed_lab(configs=nat_configs(*rules))
    run_ping(lab, "PC1", "11.11.11.2", count=1)
    rt1 = lab.devices["RT1"]
    ident = rt1.nat.translations()[0].local_port
    assert run_command(rt1, "show ip nat translations") == [
        "Pro Inside global      Inside local       Outside local      Outside global",
        f"icmp 10.10.10.2:{ident}".ljust(23) + f"172.16.1.2:{ident}".ljust(19)
        + f"11.11.11.2:{ident}".ljust(19) + f"11.11.11.2:{ident}",
        "--- 10.10.10.50        172.16.1.3         ---                ---",
    ]
    assert run_command(rt1, "clear ip nat translation *") == []
    assert len(show_ip_nat_translations(rt1)) == 2  # the static entry stays
    assert run_command(rt1, "clear ip nat translation") == ["% Incomplete command."]
    command = parse_exec("show ip nat translations")
    validate_exec_args(command, "router")


def test_show_interfaces_tunnel_up_down_and_loopback() -> None:
    configs = tunnel_configs(key_rt1=100000)
    configs["RT1"].interfaces["Loopback0"] = InterfaceConfig(
        "Loopback0", ipaddress.IPv4Interface("1.1.1.1/32"))
    configs["RT1"].interfaces["Tunnel0"].tunnel.protection = "VTI"
    lab = seed_lab(configs=configs)
    lab.run(1)
    block = show_interfaces(lab.devices["RT2"], ["Tu0"])
    assert block[:17] == [
        "Tunnel0 is up, line protocol is up ",
        "  Hardware is Tunnel",
        "  Internet address is 10.0.0.2/30",
        "  MTU 17916 bytes, BW 100 Kbit/sec, DLY 50000 usec, ",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation TUNNEL, loopback not set",
        "  Keepalive not set",
        "  Tunnel linestate evaluation up",
        "  Tunnel source 11.11.11.2, destination 10.10.10.2",
        "  Tunnel protocol/transport GRE/IP",
        "    Key disabled, sequencing disabled",
        "    Checksumming of packets disabled",
        "  Tunnel TTL 255, Fast tunneling enabled",
        "  Tunnel transport MTU 1476 bytes",
        "  Tunnel transmit bandwidth 8000 (kbps)",
        "  Tunnel receive bandwidth 8000 (kbps)",
        "  Last input never, output never, output hang never",
    ]
    assert block[-8] == "     0 packets input, 0 bytes, 0 no buffer"
    rt1_tunnel = show_interfaces(lab.devices["RT1"], ["Tunnel", "0"])
    assert rt1_tunnel[8] == "  Tunnel source 10.10.10.2 (FastEthernet1/0), destination 11.11.11.2"
    assert rt1_tunnel[10] == "    Key 0x186A0, sequencing disabled"
    assert '  Tunnel protection via IPSec (profile "VTI")' in rt1_tunnel
    # Traffic is counted, with its 5-minute rate.
    run_ping(lab, "PC2", "172.16.1.2", count=3)
    block = show_interfaces(lab.devices["RT2"], ["Tunnel0"])
    assert block[16].startswith("  Last input never, output 00:00:")  # key mismatch: no input
    assert block[-8] == "     0 packets input, 0 bytes, 0 no buffer"
    assert block[-4] == "     3 packets output, 300 bytes, 0 underruns"
    assert block[22] == "  5 minute output rate 7 bits/sec, 0 packets/sec"  # 2,400 bits / 300 s
    loopback = show_interfaces(lab.devices["RT1"], ["lo0"])
    assert loopback[:7] == [
        "Loopback0 is up, line protocol is up ",
        "  Hardware is Loopback",
        "  Internet address is 1.1.1.1/32",
        "  MTU 1514 bytes, BW 8000000 Kbit/sec, DLY 5000 usec, ",
        "     reliability 255/255, txload 1/255, rxload 1/255",
        "  Encapsulation LOOPBACK, loopback not set",
        "  Keepalive set (10 sec)",
    ]
    assert show_interfaces(lab.devices["RT1"], ["Fa0/0"]) == [NOT_MODELLED]
    assert show_interfaces(lab.devices["RT1"], ["Tunnel9"])[0].startswith("% Invalid input")
    assert [line for line in show_interfaces(lab.devices["RT1"], [])
            if " is " in line and not line.startswith(" ")] == [
        "Tunnel0 is up, line protocol is up ", "Loopback0 is up, line protocol is up "]
    down = seed_lab(configs=tunnel_configs(rt1_dest=None))
    block = show_interfaces(down.devices["RT1"], ["Tunnel0"])
    assert block[0] == "Tunnel0 is up, line protocol is down "
    assert block[7] == "  Tunnel linestate evaluation down - transport destination not configured"
    assert block[8] == "  Tunnel source 10.10.10.2 (FastEthernet1/0), destination UNKNOWN"


def test_syslog_lines_for_adjacencies_recursive_routing_and_area_mismatch() -> None:
    def event(kind: str, **fields) -> SimEvent:
        return SimEvent(0.0, 0, "R1", kind, fields)

    full = event("ospf", process=50, event="neighbor-state", neighbor="10.50.1.2",
                 interface="Tunnel1", old="LOADING", new="FULL", reason="Loading Done")
    assert net_syslog(full, "15") == [(True, "%OSPF-5-ADJCHG: Process 50, Nbr 10.50.1.2 on "
                                             "Tunnel1 from LOADING to FULL, Loading Done")]
    dead = event("ospf", process=1, event="neighbor-state", neighbor="192.168.80.3",
                 interface="FastEthernet0/0", old="FULL", new="DOWN", reason="Dead timer expired")
    assert net_syslog(dead, "12.2")[0][1] == (
        "%OSPF-5-ADJCHG: Process 1, Nbr 192.168.80.3 on FastEthernet0/0 from FULL to DOWN, "
        "Neighbor Down: Dead timer expired")
    init = event("ospf", process=1, event="neighbor-state", neighbor="1.1.1.1",
                 interface="FastEthernet0/0", old="DOWN", new="INIT", reason="Received Hello")
    assert net_syslog(init, "15") == []
    recur = event("tunnel", interface="Tunnel1", event="recursive-routing", hold=65.0)
    assert net_syslog(recur, "15") == [
        (True, "%TUN-5-RECURDOWN: Tunnel1 temporarily disabled due to recursive routing")]
    area = event("ospf", process=1, event="mismatch", interface="Serial0/0",
                 source="10.2.60.2", what="area", value=0, area=201)
    assert net_syslog(area, "12.2")[0][1] == (
        "%OSPF-4-ERRRCV: Received invalid packet: mismatch area ID, from backbone area must be "
        "virtual-link but not found from 10.2.60.2, Serial0/0")
    assert net_syslog(area, "15")[0][1] == (
        "%OSPF-4-ERRRCV: Received invalid packet: mismatched area ID from backbone area from "
        "10.2.60.2, Serial0/0")
    hello = event("ospf", process=1, event="mismatch", interface="Serial0/0",
                  source="10.2.60.2", what="hello", value=5, area=0)
    assert net_syslog(hello, "15") == []


SCENARIO = """
name: ospf-over-gre
seed: 1
duration: 70s
routers:
  RT1: {platform: ios15, config: "hostname RT1\\ninterface FastEthernet0/0\\n ip address 172.16.1.1 255.255.255.0\\ninterface FastEthernet1/0\\n ip address 10.10.10.2 255.255.255.0\\nip route 0.0.0.0 0.0.0.0 10.10.10.1\\n"}
  ISP: {config: "hostname ISP\\ninterface FastEthernet0/0\\n ip address 10.10.10.1 255.255.255.0\\ninterface FastEthernet1/0\\n ip address 11.11.11.1 255.255.255.0\\n"}
  RT2: {platform: ios15, config: "hostname RT2\\ninterface FastEthernet0/0\\n ip address 172.16.2.1 255.255.255.0\\ninterface FastEthernet1/0\\n ip address 11.11.11.2 255.255.255.0\\nip route 0.0.0.0 0.0.0.0 11.11.11.1\\n"}
hosts:
  PC1: {address: 172.16.1.2/24, gateway: 172.16.1.1}
  PC2: {address: 172.16.2.2/24, gateway: 172.16.2.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa1/0, b: ISP Fa0/0}
  - {a: ISP Fa1/0, b: RT2 Fa1/0}
  - {a: RT2 Fa0/0, b: PC2 Fa0/0}
events:
  - {at: 40s, device: RT1, exec: show ip ospf neighbor}
  - {at: 41s, device: RT1, exec: show ip route}
  - {at: 42s, device: PC1, exec: ping 172.16.2.2}
  - {at: 50s, device: RT1, exec: show interfaces Tunnel0}
"""


def test_ospf_over_gre_through_a_scenario_run() -> None:
    scenario = parse_scenario(SCENARIO)
    ospf_configs = gre_ospf_configs()
    for name in ("RT1", "RT2"):
        config = scenario.devices[name].config
        config.interfaces["Tunnel0"] = ospf_configs[name].interfaces["Tunnel0"]
        config.ospf = ospf_configs[name].ospf
    result = Runtime(scenario).run()
    text = result.transcript_text()
    assert "%OSPF-5-ADJCHG: Process 1, Nbr 172.16.2.1 on Tunnel0 from LOADING to FULL, " \
           "Loading Done" in text
    assert "%LINEPROTO-5-UPDOWN: Line protocol on Interface Tunnel0, changed state to up" \
        not in text  # up at boot, not a change
    assert "172.16.2.1        0   FULL/  -        00:00:" in text
    assert "O       172.16.2.0 [110/1001] via 10.0.0.2, 00:00:" in text
    assert "!!!!!" in text
    assert "  Tunnel protocol/transport GRE/IP" in text


LOOPBACK_SCENARIO = """
name: loopback-source
duration: 20s
routers:
  RT1: {config: "hostname RT1\\ninterface Loopback0\\n ip address 1.1.1.1 255.255.255.255\\ninterface FastEthernet1/0\\n ip address 10.10.10.2 255.255.255.0\\nip route 0.0.0.0 0.0.0.0 10.10.10.1\\n"}
  ISP: {config: "hostname ISP\\ninterface FastEthernet0/0\\n ip address 10.10.10.1 255.255.255.0\\nip route 1.1.1.1 255.255.255.255 10.10.10.2\\n"}
links:
  - {a: RT1 Fa1/0, b: ISP Fa0/0}
events:
  - {at: 1s, device: RT1, exec: show ip interface brief}
  - {at: 2s, device: RT1, exec: ping 10.10.10.1 source Loopback0}
  - {at: 5s, device: RT1, exec: show interfaces Loopback0}
"""


def test_ping_sourced_from_a_loopback_through_a_scenario_run() -> None:
    text = Runtime(parse_scenario(LOOPBACK_SCENARIO)).run().transcript_text()
    assert "Loopback0                  1.1.1.1         YES NVRAM  up                    up" in text
    assert "Packet sent with a source address of 1.1.1.1 " in text
    assert "!!!!!" in text
    assert "Loopback0 is up, line protocol is up " in text


PARSED_SCENARIO = """
name: parsed-tunnel-ospf-nat
duration: 80s
routers:
  RT1:
    platform: ios15
    config: |
      hostname RT1
      interface Loopback0
       ip address 1.1.1.1 255.255.255.255
      interface Tunnel0
       ip address 10.0.0.1 255.255.255.252
       ip ospf 1 area 0
       tunnel source FastEthernet1/0
       tunnel destination 11.11.11.2
      interface FastEthernet0/0
       ip address 172.16.1.1 255.255.255.0
       ip nat inside
      interface FastEthernet1/0
       ip address 10.10.10.2 255.255.255.0
       ip nat outside
      router ospf 1
       network 172.16.1.0 0.0.0.255 area 0
       passive-interface FastEthernet0/0
      ip nat inside source list 110 interface FastEthernet1/0 overload
      ip route 0.0.0.0 0.0.0.0 10.10.10.1
      access-list 110 deny ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255
      access-list 110 permit ip 172.16.1.0 0.0.0.255 any
  ISP:
    config: |
      hostname ISP
      interface FastEthernet0/0
       ip address 10.10.10.1 255.255.255.0
      interface FastEthernet1/0
       ip address 11.11.11.1 255.255.255.0
  RT2:
    platform: ios15
    config: |
      hostname RT2
      interface Tunnel0
       ip address 10.0.0.2 255.255.255.252
       tunnel source 11.11.11.2
       tunnel destination 10.10.10.2
      interface FastEthernet0/0
       ip address 172.16.2.1 255.255.255.0
      interface FastEthernet1/0
       ip address 11.11.11.2 255.255.255.0
      router ospf 1
       router-id 2.2.2.2
       network 10.0.0.0 0.0.0.3 area 0
       network 172.16.2.0 0.0.0.255 area 0
      ip route 0.0.0.0 0.0.0.0 11.11.11.1
hosts:
  PC1: {address: 172.16.1.2/24, gateway: 172.16.1.1}
  PC2: {address: 172.16.2.2/24, gateway: 172.16.2.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa1/0, b: ISP Fa0/0}
  - {a: ISP Fa1/0, b: RT2 Fa1/0}
  - {a: RT2 Fa0/0, b: PC2 Fa0/0}
events:
  - {at: 30s, device: RT1, exec: show ip ospf neighbor}
  - {at: 31s, device: PC1, exec: ping 172.16.2.2}
  - {at: 40s, device: PC1, exec: ping 11.11.11.1}
  - {at: 45s, device: RT1, exec: show ip nat translations}
"""


def test_tunnel_ospf_and_nat_from_parsed_ios_configuration() -> None:
    """The config track's parser feeds the network model: `ip ospf 1 area 0` on the tunnel,
    passive LAN, PAT on the way to the ISP (the LAN-to-LAN traffic leaves by the tunnel, which
    is not an outside interface, and is exempt in the NAT ACL anyway)."""
    result = Runtime(parse_scenario(PARSED_SCENARIO)).run()
    text = result.transcript_text()
    assert "2.2.2.2           0   FULL/  -        00:00:" in text
    assert text.count("!!!!!") == 2
    # The LAN-to-LAN ping went through the tunnel untranslated, the ping to the ISP was
    # translated: one row for its echo identifier (an IOS ping keeps one for its 5 echoes).
    rows = [line for line in text.splitlines() if line.startswith("icmp 10.10.10.2:")]
    assert len(rows) == 1 and "172.16.1.2:" in rows[0] and "11.11.11.1:" in rows[0]
