"""``show ip route`` / ``show ip interface brief`` text."""

from __future__ import annotations

from ikesim.ios.show_ip import BRIEF_HEADER, ROUTE_CODES, show_ip_interface_brief, show_ip_route
from ikesim.net.builders import FA0, FA1, make_config, seed_lab
from ikesim.net.lab import Lab

SEED_RT2 = """
Gateway of last resort is not set

     172.16.0.0/24 is subnetted, 1 subnets
C       172.16.2.0 is directly connected, FastEthernet0/0
     11.0.0.0/24 is subnetted, 1 subnets
C       11.11.11.0 is directly connected, FastEthernet1/0""".splitlines()


def test_seed_rt2_table_matches_line_for_line() -> None:
    lab = seed_lab(rt2_default=False)
    lines = show_ip_route(lab.devices["RT2"])
    assert lines[: len(ROUTE_CODES)] == ROUTE_CODES
    assert lines[0] == "Codes: C - connected, S - static, R - RIP, M - mobile, B - BGP"
    assert lines[len(ROUTE_CODES) - 1] == "       o - ODR, P - periodic downloaded static route"
    assert lines[len(ROUTE_CODES) :] == SEED_RT2


def test_default_route_and_gateway_of_last_resort() -> None:
    lab = seed_lab()
    lines = show_ip_route(lab.devices["RT2"])[len(ROUTE_CODES) :]
    assert lines == [
        "",
        "Gateway of last resort is 11.11.11.1 to network 0.0.0.0",
        "",
        "     172.16.0.0/24 is subnetted, 1 subnets",
        "C       172.16.2.0 is directly connected, FastEthernet0/0",
        "     11.0.0.0/24 is subnetted, 1 subnets",
        "C       11.11.11.0 is directly connected, FastEthernet1/0",
        "S*   0.0.0.0/0 [1/0] via 11.11.11.1",
    ]


def test_variably_subnetted_classful_and_interface_routes() -> None:
    lab = Lab()
    router = lab.add_router(
        make_config(
            "R1",
            {FA0: "192.168.1.1/24", FA1: "10.1.1.1/24", "FastEthernet2/0": "10.2.0.1/30"},
            routes=[
                "10.0.0.0/8 10.1.1.254",
                "172.16.3.0/24 10.1.1.9",
                "172.16.1.0/24 10.1.1.9",
                "0.0.0.0/0 FastEthernet1/0",
                "198.51.100.0/24 FastEthernet0/0 192.168.1.7 5",
                "172.31.0.0/16 1.1.1.1",
            ],
        )
    )  # resolves through the default
    for i, name in enumerate((FA0, FA1, "FastEthernet2/0")):
        lab.add_router(make_config(f"N{i}", {FA0: None}))
        lab.connect("R1", name, f"N{i}", FA0)
    lines = show_ip_route(router)[len(ROUTE_CODES) :]
    assert lines == [
        "",
        "Gateway of last resort is 0.0.0.0 to network 0.0.0.0",
        "",
        "C    192.168.1.0/24 is directly connected, FastEthernet0/0",
        "     10.0.0.0/8 is variably subnetted, 3 subnets, 3 masks",
        "S       10.0.0.0/8 [1/0] via 10.1.1.254",
        "C       10.1.1.0/24 is directly connected, FastEthernet1/0",
        "C       10.2.0.0/30 is directly connected, FastEthernet2/0",
        "     172.16.0.0/24 is subnetted, 2 subnets",
        "S       172.16.1.0 [1/0] via 10.1.1.9",
        "S       172.16.3.0 [1/0] via 10.1.1.9",
        "S*   0.0.0.0/0 is directly connected, FastEthernet1/0",
        "S    198.51.100.0/24 [5/0] via 192.168.1.7, FastEthernet0/0",
        "S    172.31.0.0/16 [1/0] via 1.1.1.1",
    ]
    # Without the default, 1.1.1.1 is unresolvable and the route leaves the table.
    config = router.config
    config.static_routes = [r for r in config.static_routes if r.prefix.prefixlen != 0]
    router.reconfigure(config)
    lines = show_ip_route(router)[len(ROUTE_CODES) :]
    assert lines[1] == "Gateway of last resort is not set"
    assert not any("172.31" in line for line in lines) and len(lines) == 12


def test_show_ip_interface_brief_states() -> None:
    lab = Lab()
    router = lab.add_router(
        make_config(
            "R1",
            {
                FA0: "10.0.0.1/24",
                FA1: None,
                "FastEthernet2/0": "10.2.0.1/24",
                "FastEthernet3/0": "10.3.0.1/24",
            },
            shutdown=[FA1],
        )
    )
    lab.add_router(make_config("R2", {FA0: "10.0.0.2/24", FA1: "10.2.0.2/24"}))
    lab.connect("R1", FA0, "R2", FA0)
    link = lab.connect("R1", "FastEthernet2/0", "R2", FA1)
    link.set_up(False)
    assert show_ip_interface_brief(router) == [
        BRIEF_HEADER,
        "FastEthernet0/0            10.0.0.1        YES NVRAM  up                    up",
        "FastEthernet1/0            unassigned      YES unset  administratively down down",
        "FastEthernet2/0            10.2.0.1        YES NVRAM  down                  down",
        "FastEthernet3/0            10.3.0.1        YES NVRAM  down                  down",
    ]
    assert BRIEF_HEADER == (
        "Interface                  IP-Address      OK? Method Status                Protocol"
    )
    router.reconfigure(
        make_config(
            "R1",
            {
                FA0: "10.0.0.9/24",
                FA1: None,
                "FastEthernet2/0": "10.2.0.1/24",
                "FastEthernet3/0": "10.3.0.1/24",
            },
        )
    )
    lines = show_ip_interface_brief(router)
    assert (
        lines[1] == "FastEthernet0/0            10.0.0.9        YES manual up                    up"
    )
    assert (
        lines[2]
        == "FastEthernet1/0            unassigned      YES unset  down                  down"
    )
