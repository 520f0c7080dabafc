"""``show ip route`` and ``show ip interface brief`` in the IOS 12.x layout.

OSPF routes print as IOS does (real captures: ``O       10.0.2.0/24 [110/1001] via 192.168.1.2,
00:03:32, Tunnel0``; ``O IA`` inter-area, ``O E2`` external, ``O*E2`` an external default):
administrative distance and metric, next hop, the route's age, the exit interface."""

from __future__ import annotations

from ikesim.ios.uptime import uptime_stamp
from ikesim.net.addr import MASKS, classful_length, int_to_ip
from ikesim.net.device import Device
from ikesim.net.routing import Route

ROUTE_CODES = [
    "Codes: C - connected, S - static, R - RIP, M - mobile, B - BGP",
    "       D - EIGRP, EX - EIGRP external, O - OSPF, IA - OSPF inter area",
    "       N1 - OSPF NSSA external type 1, N2 - OSPF NSSA external type 2",
    "       E1 - OSPF external type 1, E2 - OSPF external type 2, E - EGP",
    "       i - IS-IS, su - IS-IS summary, L1 - IS-IS level-1, L2 - IS-IS level-2",
    "       ia - IS-IS inter area, * - candidate default, U - per-user static route",
    "       o - ODR, P - periodic downloaded static route",
]


def _code(route: Route) -> str:
    star = "*" if route.length == 0 else ""
    if route.subtype:
        return route.code + (star or " ") + route.subtype
    return route.code + star


def _describe(route: Route, now: float) -> str:
    if route.next_hop is None:
        return f"is directly connected, {route.out_interface}"
    if route.code == "O":
        age = uptime_stamp(max(0.0, now - route.since))
        return (f"[{route.distance}/{route.metric}] via {int_to_ip(route.next_hop)}, {age}, "
                f"{route.out_interface}")
    text = f"[{route.distance}/0] via {int_to_ip(route.next_hop)}"
    if route.interface is not None:
        text += f", {route.interface}"
    return text


def _gateway_line(default: Route | None) -> str:
    if default is None:
        return "Gateway of last resort is not set"
    via = int_to_ip(default.next_hop) if default.next_hop is not None else "0.0.0.0"
    return f"Gateway of last resort is {via} to network 0.0.0.0"


def show_ip_route(device: Device) -> list[str]:
    now = device.env.now
    routes = device.table.routes()
    lines = [*ROUTE_CODES, "", _gateway_line(device.table.default_route()), ""]
    # Group by classful major network; supernets (shorter than classful) stand alone.
    groups: dict[tuple[int, int], list[Route]] = {}
    for route in routes:
        major_len = classful_length(route.prefix)
        if route.length < major_len:
            key = (route.prefix, route.length)
        else:
            key = (route.prefix & MASKS[major_len], major_len)
        groups.setdefault(key, []).append(route)
    # IOS lists major networks in the order their first route entered the table.
    for (major, major_len), members in sorted(
        groups.items(), key=lambda kv: min(r.order for r in kv[1])
    ):
        if len(members) == 1 and members[0].length <= major_len:
            r = members[0]
            lines.append(f"{_code(r):<5}{int_to_ip(r.prefix)}/{r.length} {_describe(r, now)}")
            continue
        masks = sorted({r.length for r in members})
        if len(masks) == 1:
            lines.append(f"     {int_to_ip(major)}/{masks[0]} is subnetted, {len(members)} subnets")
            for r in members:
                lines.append(f"{_code(r):<8}{int_to_ip(r.prefix)} {_describe(r, now)}")
        else:
            lines.append(
                f"     {int_to_ip(major)}/{major_len} is variably subnetted, "
                f"{len(members)} subnets, {len(masks)} masks"
            )
            for r in members:
                lines.append(f"{_code(r):<8}{int_to_ip(r.prefix)}/{r.length} {_describe(r, now)}")
    return lines


BRIEF_HEADER = (
    "Interface                  IP-Address      OK? Method Status                Protocol"
)


def show_ip_interface_brief(device: Device) -> list[str]:
    lines = [BRIEF_HEADER]
    for iface in device.interfaces.values():
        address = int_to_ip(iface.address) if iface.address is not None else "unassigned"
        lines.append(
            f"{iface.name:<27}{address:<16}YES {iface.method:<7}{iface.status:<22}{iface.protocol}"
        )
    return lines
