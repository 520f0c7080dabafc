"""``show running-config`` from a DeviceConfig, in IOS 12.x order and style.

IOS omits values equal to the defaults (an ISAKMP policy with 3DES, pre-share and group 2 shows
only ``encr 3des``, ``authentication pre-share`` and ``group 2``) and prints a trailing space
after ``crypto ipsec transform-set ...``, ``crypto map ... ipsec-isakmp`` and ``set
transform-set ...`` lines; both habits are reproduced. Lines the parser ignored are not shown.
"""

from __future__ import annotations

import ipaddress

# Lookup tables shared with the parser (names IOS prints instead of numbers).
from ikesim.ios.config import ACL_PROTOCOLS, ICMP_TYPES, TCP_PORTS, UDP_PORTS
from ikesim.ios.running_crypto import crypto_lines
from ikesim.net.acl import Acl, AclEntry, PortMatch
from ikesim.net.config import DeviceConfig, InterfaceConfig, NatRule, OspfProcess, StaticRoute

_PROTO_NAMES = {num: name for name, num in ACL_PROTOCOLS.items()}
_TCP_NAMES = {num: name for name, num in TCP_PORTS.items()}
_UDP_NAMES = {num: name for name, num in UDP_PORTS.items()}
_ICMP_NAMES = {num: name for name, num in ICMP_TYPES.items()}


def _ip(value: int) -> str:
    return str(ipaddress.IPv4Address(value))


def _address(addr: int, wildcard: int, *, standard: bool = False) -> str:
    if wildcard == 0xFFFFFFFF:
        return "any"
    if wildcard == 0:
        return _ip(addr) if standard else f"host {_ip(addr)}"
    return f"{_ip(addr)} {_ip(wildcard)}"


def _port(num: int, names: dict[int, str]) -> str:
    return names.get(num, str(num))


def _port_match(match: PortMatch | None, names: dict[int, str]) -> str:
    if match is None:
        return ""
    text = f" {match.op} {_port(match.low, names)}"
    if match.op == "range" and match.high is not None:
        text += f" {_port(match.high, names)}"
    return text


def format_acl_entry(entry: AclEntry, kind: str) -> str:
    """An entry as IOS prints it, without the list name: ``permit udp any any eq isakmp``."""
    if kind == "standard":
        return f"{entry.action} {_address(entry.src, entry.src_wildcard, standard=True)}"
    proto = "ip" if entry.protocol is None else _PROTO_NAMES.get(entry.protocol,
                                                                  str(entry.protocol))
    names = _TCP_NAMES if entry.protocol == 6 else _UDP_NAMES
    text = (f"{entry.action} {proto} {_address(entry.src, entry.src_wildcard)}"
            f"{_port_match(entry.src_port, names)} {_address(entry.dst, entry.dst_wildcard)}"
            f"{_port_match(entry.dst_port, names)}")
    if entry.icmp_type is not None:
        text += f" {_ICMP_NAMES.get(entry.icmp_type, str(entry.icmp_type))}"
    return text


def _interface_lines(iface: InterfaceConfig) -> list[str]:
    lines = [f"interface {iface.name}"]
    if iface.description is not None:
        lines.append(f" description {iface.description}")
    if iface.address is None:
        lines.append(" no ip address")
    else:
        lines.append(f" ip address {iface.address.ip} {iface.address.netmask}")
    if iface.acl_in is not None:
        lines.append(f" ip access-group {iface.acl_in} in")
    if iface.acl_out is not None:
        lines.append(f" ip access-group {iface.acl_out} out")
    if iface.unnumbered is not None:
        lines[-1] = f" ip unnumbered {iface.unnumbered}"
    if iface.mtu is not None:
        lines.append(f" ip mtu {iface.mtu}")
    if iface.nat is not None:
        lines.append(f" ip nat {iface.nat}")
    for word, value in (("cost", iface.ospf_cost), ("hello-interval", iface.ospf_hello),
                        ("dead-interval", iface.ospf_dead)):
        if value is not None:
            lines.append(f" ip ospf {word} {value}")
    if iface.ospf_area is not None:
        lines.append(f" ip ospf {iface.ospf_area[0]} area {iface.ospf_area[1]}")
    if iface.shutdown:
        lines.append(" shutdown")
    if iface.tunnel is not None:
        lines += _tunnel_lines(iface)
    if iface.crypto_map is not None:
        lines.append(f" crypto map {iface.crypto_map}")
    lines.append("!")
    return lines


def _tunnel_lines(iface: InterfaceConfig) -> list[str]:
    tun = iface.tunnel
    assert tun is not None
    lines = []
    if tun.source is not None:
        lines.append(f" tunnel source {tun.source}")
    if tun.mode == "ipsec":
        lines.append(" tunnel mode ipsec ipv4")
    if tun.destination is not None:
        lines.append(f" tunnel destination {tun.destination}")
    if tun.key is not None:
        lines.append(f" tunnel key {tun.key}")
    if tun.protection is not None:
        lines.append(f" tunnel protection ipsec profile {tun.protection}")
    return lines


def _ospf_lines(proc: OspfProcess) -> list[str]:
    lines = [f"router ospf {proc.process_id}"]
    if proc.router_id is not None:
        lines.append(f" router-id {proc.router_id}")
    if proc.passive_default:
        lines.append(" passive-interface default")
        lines += [f" no passive-interface {name}" for name in sorted(proc.not_passive)]
    lines += [f" passive-interface {name}" for name in sorted(proc.passive)]
    lines += [f" network {n.address} {n.wildcard} area {n.area}" for n in proc.networks]
    if proc.default_originate:
        lines.append(" default-information originate"
                     + (" always" if proc.default_originate_always else ""))
    lines.append("!")
    return lines


def _nat_rule_line(rule: NatRule) -> str:
    if rule.kind == "static":
        proto = {6: "tcp ", 17: "udp "}.get(rule.protocol or 0, "")
        local = f"{rule.local}" + (f" {rule.local_port}" if rule.local_port else "")
        target = f"interface {rule.interface}" if rule.interface else f"{rule.global_}"
        glob = target + (f" {rule.global_port}" if rule.global_port else "")
        return f"ip nat inside source static {proto}{local} {glob}" + (
            " extendable" if rule.protocol else "")
    target = f"interface {rule.interface}" if rule.interface else f"pool {rule.pool}"
    return (f"ip nat inside source {rule.kind} {rule.match} {target}"
            + (" overload" if rule.overload else ""))


def _nat_lines(config: DeviceConfig) -> list[str]:
    lines = []
    for pool in config.nat_pools.values():
        lines.append(f"ip nat pool {pool.name} {pool.start} {pool.end} prefix-length "
                     f"{pool.prefix_length}")
    lines += [_nat_rule_line(rule) for rule in config.nat_rules]
    lines += [f"ip nat translation {which} {value}"
              for which, value in config.nat_timeouts.items()]
    return lines


def _route_map_lines(config: DeviceConfig) -> list[str]:
    lines = []
    for name, entries in config.route_maps.items():
        for entry in entries:
            lines.append(f"route-map {name} {entry.action} {entry.sequence}")
            if entry.match_acls:
                lines.append(f" match ip address {' '.join(entry.match_acls)}")
            lines.append("!")
    return lines


def _route_line(route: StaticRoute) -> str:
    parts = ["ip route", str(route.prefix.network_address), str(route.prefix.netmask)]
    if route.interface is not None:
        parts.append(route.interface)
    if route.next_hop is not None:
        parts.append(str(route.next_hop))
    if route.distance != 1:
        parts.append(str(route.distance))
    return " ".join(parts)


def _acl_lines(acls: dict[str, Acl]) -> list[str]:
    named = [acl for name, acl in acls.items() if not name.isdigit()]
    numbered = sorted((acl for name, acl in acls.items() if name.isdigit()),
                      key=lambda a: int(a.name))
    lines: list[str] = []
    for acl in named:
        lines.append(f"ip access-list {acl.kind} {acl.name}")
        lines += [f" {format_acl_entry(e, acl.kind)}" for e in acl.entries]
    if named:
        lines.append("!")
    for acl in numbered:
        lines += [f"access-list {acl.name} {format_acl_entry(e, acl.kind)}"
                  for e in acl.entries]
    return lines


def render_running_config(config: DeviceConfig) -> list[str]:
    """The lines ``show running-config`` prints for ``config``.

    ``Current configuration : N bytes`` counts the body (from the first ``!`` to ``end``) with
    one newline per line, as IOS counts the text it is about to print.
    """
    body = ["!"]
    for kind in ("debug", "log"):      # `service timestamps` (IOS prints both when set)
        style = config.timestamps.get(kind)
        if style == "none":
            body.append(f"no service timestamps {kind} uptime")
        elif style is not None:
            body.append(f"service timestamps {kind} {style}")
    if len(body) > 1:
        body.append("!")
    body += [f"hostname {config.hostname}", "!"]
    body += crypto_lines(config.crypto)
    for iface in config.interfaces.values():
        body += _interface_lines(iface)
    for proc in config.ospf.values():
        body += _ospf_lines(proc)
    if config.default_gateway is not None:
        body.append(f"ip default-gateway {config.default_gateway}")
    body += _nat_lines(config)
    body += [_route_line(r) for r in config.static_routes]
    body.append("!")
    acl_lines = _acl_lines(config.acls)
    if acl_lines:
        body += acl_lines
        if body[-1] != "!":
            body.append("!")
    body += _route_map_lines(config)
    body.append("end")
    size = sum(len(line) + 1 for line in body)
    return ["Building configuration...", "", f"Current configuration : {size} bytes", *body]


__all__ = ["format_acl_entry", "render_running_config"]
