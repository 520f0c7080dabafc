"""``show running-config`` from a DeviceConfig, in IOS 12.x order and style.

IOS omits values equal to the defaults (an ISAKMP policy with 3DES, pre-share and group 2 shows
only ``encr 3des``, ``authentication pre-share`` and ``group 2``) and prints a trailing space
after ``crypto ipsec transform-set ...``, ``crypto map ... ipsec-isakmp`` and ``set
transform-set ...`` lines; both habits are reproduced. Lines the parser ignored are not shown.
"""

from __future__ import annotations

import ipaddress

from ikesim.ike.policy import CryptoConfig, IsakmpPolicy

# Lookup tables shared with the parser (names IOS prints instead of numbers).
from ikesim.ios.config import ACL_PROTOCOLS, ICMP_TYPES, TCP_PORTS, UDP_PORTS
from ikesim.net.acl import Acl, AclEntry, PortMatch
from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute

_PROTO_NAMES = {num: name for name, num in ACL_PROTOCOLS.items()}
_TCP_NAMES = {num: name for name, num in TCP_PORTS.items()}
_UDP_NAMES = {num: name for name, num in UDP_PORTS.items()}
_ICMP_NAMES = {num: name for name, num in ICMP_TYPES.items()}
_DEFAULT_POLICY = IsakmpPolicy(priority=0)


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


def _policy_lines(policy: IsakmpPolicy) -> list[str]:
    lines = [f"crypto isakmp policy {policy.priority}"]
    if policy.encryption != _DEFAULT_POLICY.encryption:
        enc = policy.encryption
        if enc.startswith("aes"):
            enc = "aes" if enc == "aes128" else f"aes {enc[3:]}"
        lines.append(f" encr {enc}")
    if policy.hash != _DEFAULT_POLICY.hash:
        lines.append(f" hash {policy.hash}")
    if policy.authentication != _DEFAULT_POLICY.authentication:
        lines.append(f" authentication {policy.authentication}")
    if policy.group != _DEFAULT_POLICY.group:
        lines.append(f" group {policy.group}")
    if policy.lifetime != _DEFAULT_POLICY.lifetime:
        lines.append(f" lifetime {policy.lifetime}")
    return lines


def _crypto_lines(crypto: CryptoConfig) -> list[str]:
    lines: list[str] = []
    for policy in crypto.policies_in_order():
        lines += _policy_lines(policy)
    for key in crypto.keys:
        tail = "" if key.prefix_length == 32 else f" {key.mask}"
        lines.append(f"crypto isakmp key {key.key} address {key.address}{tail}")
    if crypto.keepalive is not None:
        seconds, retry = crypto.keepalive
        lines.append(f"crypto isakmp keepalive {seconds}" + (f" {retry}" if retry != 2 else ""))
    if lines:
        lines += ["!", "!"]
    for tset in crypto.transform_sets.values():
        lines.append(f"crypto ipsec transform-set {tset.name} {' '.join(tset.transforms)} ")
        if tset.mode != "tunnel":
            lines.append(f" mode {tset.mode}")
        lines.append("!")
    for name in crypto.maps:
        for entry in crypto.map_entries(name):
            lines.append(f"crypto map {name} {entry.sequence} ipsec-isakmp ")
            lines += [f" set peer {peer}" for peer in entry.peers]
            if entry.lifetime_seconds is not None:
                lines.append(f" set security-association lifetime seconds "
                             f"{entry.lifetime_seconds}")
            if entry.lifetime_kilobytes is not None:
                lines.append(f" set security-association lifetime kilobytes "
                             f"{entry.lifetime_kilobytes}")
            if entry.transform_sets:
                lines.append(f" set transform-set {' '.join(entry.transform_sets)} ")
            if entry.pfs_group is not None:
                lines.append(f" set pfs group{entry.pfs_group}")
            if entry.match_acl is not None:
                lines.append(f" match address {entry.match_acl}")
        lines.append("!")
    return lines


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
    if iface.shutdown:
        lines.append(" shutdown")
    if iface.crypto_map is not None:
        lines.append(f" crypto map {iface.crypto_map}")
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
    body = ["!", f"hostname {config.hostname}", "!"]
    body += _crypto_lines(config.crypto)
    for iface in config.interfaces.values():
        body += _interface_lines(iface)
    if config.default_gateway is not None:
        body.append(f"ip default-gateway {config.default_gateway}")
    body += [_route_line(r) for r in config.static_routes]
    body.append("!")
    acl_lines = _acl_lines(config.acls)
    if acl_lines:
        body += acl_lines
        if body[-1] != "!":
            body.append("!")
    body.append("end")
    size = sum(len(line) + 1 for line in body)
    return ["Building configuration...", "", f"Current configuration : {size} bytes", *body]


__all__ = ["format_acl_entry", "render_running_config"]
