"""Routing table: LPM, recursive statics, administrative distance, floating statics."""

from __future__ import annotations

import pytest

from ikesim.net.addr import classful_length, int_to_ip, ip_to_int, mask_to_len
from ikesim.net.builders import make_config
from ikesim.net.lab import Lab
from ikesim.net.routing import RoutingTable, StaticSpec

FA0, FA1, FA2 = "FastEthernet0/0", "FastEthernet1/0", "FastEthernet2/0"


def ip(text: str) -> int:
    return ip_to_int(text)


def test_addr_helpers_round_trip_and_reject_garbage() -> None:
    assert int_to_ip(ip("172.16.2.254")) == "172.16.2.254"
    assert mask_to_len("255.255.255.0") == 24 and mask_to_len(0) == 0
    assert classful_length(ip("11.11.11.2")) == 8
    assert classful_length(ip("172.16.2.1")) == 16
    assert classful_length(ip("192.168.1.1")) == 24
    for bad in ("1.2.3", "1.2.3.256", "a.b.c.d", "1.2.3.4.5"):
        with pytest.raises(ValueError):
            ip_to_int(bad)
    with pytest.raises(ValueError):
        mask_to_len("255.0.255.0")


def test_longest_prefix_match_with_overlapping_prefixes() -> None:
    connected = [
        (ip("10.0.0.0"), 30, "A"),
        (ip("10.1.0.0"), 30, "B"),
        (ip("10.2.0.0"), 30, "C"),
        (ip("10.3.0.0"), 30, "D"),
    ]
    statics = [
        StaticSpec(0, 0, ip("10.0.0.2")),
        StaticSpec(ip("172.16.0.0"), 16, ip("10.1.0.2")),
        StaticSpec(ip("172.16.5.0"), 24, ip("10.2.0.2")),
        StaticSpec(ip("172.16.5.128"), 25, ip("10.3.0.2")),
    ]
    table = RoutingTable.build(connected, statics, {"A", "B", "C", "D"})

    def out(dst: str) -> str:
        route = table.lookup(ip(dst))
        assert route is not None
        return route.out_interface

    assert out("172.16.5.200") == "D"
    assert out("172.16.5.127") == "C"
    assert out("172.16.9.1") == "B"
    assert out("8.8.8.8") == "A"
    assert out("10.3.0.1") == "D"  # connected /30 beats the default
    assert len(table) == 8


def test_recursive_next_hop_resolution_and_unresolvable_route() -> None:
    connected = [(ip("10.0.0.0"), 24, "Fa0")]
    statics = [
        StaticSpec(ip("192.168.0.0"), 16, ip("10.0.0.1")),  # direct
        StaticSpec(ip("172.20.0.0"), 16, ip("192.168.1.1")),  # via the /16 above
        StaticSpec(ip("172.21.0.0"), 16, ip("172.20.9.9")),  # two levels
        StaticSpec(ip("172.22.0.0"), 16, ip("99.0.0.1")),  # next hop unreachable
        StaticSpec(ip("172.23.0.0"), 16, ip("172.23.0.1")),  # resolves only via itself
    ]
    table = RoutingTable.build(connected, statics, {"Fa0"})
    deep = table.lookup(ip("172.21.1.1"))
    assert deep is not None and deep.out_interface == "Fa0"
    assert deep.gateway == ip("10.0.0.1") and deep.next_hop == ip("172.20.9.9")
    assert table.get(ip("172.22.0.0"), 16) is None
    assert table.get(ip("172.23.0.0"), 16) is None
    assert table.lookup(ip("172.22.1.1")) is None


def test_recursion_loop_is_not_installed() -> None:
    statics = [
        StaticSpec(ip("1.0.0.0"), 8, ip("2.0.0.1")),
        StaticSpec(ip("2.0.0.0"), 8, ip("1.0.0.1")),
    ]
    table = RoutingTable.build([(ip("10.0.0.0"), 24, "Fa0")], statics, {"Fa0"})
    assert table.lookup(ip("1.2.3.4")) is None and table.lookup(ip("2.2.3.4")) is None


def test_interface_statics_need_the_interface_up() -> None:
    statics = [
        StaticSpec(ip("5.0.0.0"), 8, None, "Fa1"),
        StaticSpec(ip("6.0.0.0"), 8, ip("10.0.0.9"), "Fa0"),
        StaticSpec(ip("7.0.0.0"), 8, None, "Fa2"),
    ]
    table = RoutingTable.build([(ip("10.0.0.0"), 24, "Fa0")], statics, {"Fa0", "Fa1"})
    five = table.lookup(ip("5.1.1.1"))
    six = table.lookup(ip("6.1.1.1"))
    assert five is not None and five.out_interface == "Fa1" and five.gateway is None
    assert six is not None and six.out_interface == "Fa0" and six.gateway == ip("10.0.0.9")
    assert table.lookup(ip("7.1.1.1")) is None


def test_administrative_distance_and_floating_static() -> None:
    connected = [(ip("10.0.0.0"), 24, "Fa0"), (ip("10.9.0.0"), 24, "Fa1")]
    statics = [
        StaticSpec(0, 0, ip("10.9.0.1"), None, 200),  # floating backup
        StaticSpec(0, 0, ip("10.0.0.1")),
    ]
    lan = StaticSpec(ip("10.0.0.0"), 24, ip("10.9.0.1"))  # loses to connected (AD 0)
    both = RoutingTable.build(connected, [*statics, lan], {"Fa0", "Fa1"})
    default = both.default_route()
    assert default is not None and default.next_hop == ip("10.0.0.1") and default.distance == 1
    assert both.get(ip("10.0.0.0"), 24).code == "C"
    # Fa0 goes down: its connected route and the AD-1 default disappear, the float takes over.
    backup = RoutingTable.build(connected[1:], statics, {"Fa1"})
    default = backup.default_route()
    assert default is not None and default.distance == 200 and default.out_interface == "Fa1"
    # With the /24 static, 10.0.0.1 stays reachable through Fa1, so the AD-1 default still
    # resolves (recursively) and keeps beating the float.
    recursive = RoutingTable.build(connected[1:], [*statics, lan], {"Fa1"})
    assert recursive.get(ip("10.0.0.0"), 24).code == "S"
    default = recursive.default_route()
    assert default is not None and default.distance == 1
    assert default.out_interface == "Fa1" and default.gateway == ip("10.9.0.1")


def test_router_tables_follow_link_state_and_reconfiguration() -> None:
    lab = Lab()
    config = make_config(
        "R1",
        {FA0: "10.0.0.2/24", FA1: "10.9.0.2/24"},
        routes=["0.0.0.0/0 10.0.0.1", "0.0.0.0/0 10.9.0.1 250"],
    )
    r1 = lab.add_router(config)
    lab.add_router(make_config("A", {FA0: "10.0.0.1/24"}))
    lab.add_router(make_config("B", {FA0: "10.9.0.1/24"}))
    primary = lab.connect("R1", "Fa0/0", "A", "Fa0/0")
    lab.connect("R1", "fa1/0", "B", FA0)
    assert r1.table.default_route().next_hop == ip("10.0.0.1")
    primary.set_up(False)
    assert r1.table.default_route().next_hop == ip("10.9.0.1")
    assert r1.interfaces[FA0].protocol == "down"
    assert lab.devices["A"].interfaces[FA0].status == "down"
    primary.set_up(True)
    assert r1.table.default_route().next_hop == ip("10.0.0.1")
    # configure terminal: shut Fa1/0 and drop the primary default route
    new = make_config(
        "R1",
        {FA0: "10.0.0.2/24", FA1: "10.9.0.2/24"},
        shutdown=[FA1],
        routes=["0.0.0.0/0 10.9.0.1 250", "8.0.0.0/8 FastEthernet0/0"],
    )
    r1.reconfigure(new)
    assert r1.table.default_route() is None  # its next hop is behind the shut Fa1/0
    assert r1.interfaces[FA1].status == "administratively down"
    assert lab.devices["B"].interfaces[FA0].status == "down"  # far end lost carrier
    eight = r1.table.lookup(ip("8.8.8.8"))
    assert eight is not None and eight.out_interface == FA0
