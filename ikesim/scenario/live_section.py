"""The scenario's ``live:`` section: a host of the lab stands for a real IKE daemon (charon,
pluto) reached through real UDP sockets (``ikesim run --live``, ``ikesim.live``).

    live:
      device: rt1                 # a host of this scenario: the daemon's place in the lab
      listen: [127.0.2.2]         # simulated addresses ikesim opens real sockets on (500, 4500)
      ports: {ike: 10500, nat_t: 14500}   # the daemon's own ports (default 500 and 4500)

The host's address is the daemon's real address. Every address must be in 127.0.0.0/8: a live
lab only ever talks to loopback (inside a network namespace the caller made, ``make interop``),
never to any other address.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from typing import Any

from ikesim.scenario.model import DeviceSpec
from ikesim.scenario.values import Ctx, check_keys, mapping, word

LIVE_KEYS = ("device", "listen", "ports")
PORT_KEYS = ("ike", "nat_t")
LOOPBACK = ipaddress.IPv4Network("127.0.0.0/8")
IKE_PORT, NATT_PORT = 500, 4500       # RFC 2408 §2.5.2 (UDP 500), RFC 3948 §2.1 (UDP 4500)


@dataclass(frozen=True, slots=True)
class LiveSpec:
    device: str                       # the host standing for the daemon
    daemon: ipaddress.IPv4Address     # its address: the real daemon's
    listen: tuple[ipaddress.IPv4Address, ...]
    ike_port: int = IKE_PORT          # the daemon's IKE port (charon.port, pluto ikeport)
    natt_port: int = NATT_PORT        # its NAT-T port (charon.port_nat_t)
    line: int = 0


def _loopback(raw: Any, ctx: Ctx, line: int, what: str) -> ipaddress.IPv4Address:
    try:
        address = ipaddress.IPv4Address(str(raw).strip())
    except ValueError:
        raise ctx.error(f"{what} must be an IPv4 address", line, str(raw)) from None
    if address not in LOOPBACK:
        raise ctx.error(f"{what} {address} is not in 127.0.0.0/8: live peers use loopback "
                        "addresses only", line)
    return address


def _port(raw: Any, ctx: Ctx, line: int, what: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= 65535:
        raise ctx.error(f"{what} must be a UDP port (1-65535)", line, str(raw))
    return raw


def live_section(raw: Any, devices: dict[str, DeviceSpec], ctx: Ctx, line: int) -> LiveSpec:
    node = mapping(raw, ctx, line, "live")
    check_keys(node, LIVE_KEYS, ctx, "live")
    if "device" not in node:
        raise ctx.error("live needs a 'device': the host standing for the real daemon", line)
    name = word(node["device"], ctx, node.value_line("device"), "live device")
    spec = devices.get(name)
    if spec is None or spec.kind != "host":
        raise ctx.error(f"live device '{name}' must be a host of this scenario",
                        node.value_line("device"))
    (iface,) = spec.config.interfaces.values()
    daemon = _loopback(iface.address.ip, ctx, spec.line, f"host '{name}''s address")
    listen_raw = node.get("listen", [])
    if not isinstance(listen_raw, list) or not listen_raw:
        raise ctx.error("live listen must be a list of addresses", node.value_line("listen"))
    listen = tuple(_loopback(a, ctx, node.value_line("listen"), "live listen address")
                   for a in listen_raw)
    others = {d.address.ip for s in devices.values() if s.name != name
              for d in s.config.interfaces.values() if d.address is not None}
    for address in listen:
        if address not in others:
            raise ctx.error(f"live listen address {address} is not an address of a simulated "
                            "device", node.value_line("listen"))
    if len(set(listen)) != len(listen) or daemon in listen:
        raise ctx.error("live listen addresses must be distinct and not the daemon's own",
                        node.value_line("listen"))
    ports = {"ike": IKE_PORT, "nat_t": NATT_PORT}
    if "ports" in node:
        given = mapping(node["ports"], ctx, node.value_line("ports"), "live ports")
        check_keys(given, PORT_KEYS, ctx, "live ports")
        for key in given:
            ports[key] = _port(given[key], ctx, given.value_line(key), f"live ports {key}")
        if ports["ike"] == ports["nat_t"]:
            raise ctx.error("live ports ike and nat_t must differ", node.value_line("ports"))
    return LiveSpec(name, daemon, listen, ports["ike"], ports["nat_t"], line)
