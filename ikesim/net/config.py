"""A device's configuration as plain data (what the IOS parser produces, what the lab builds from).

Addresses use :mod:`ipaddress` types here; the forwarding path converts them to integers.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ikesim.ike.policy import CryptoConfig
from ikesim.net.acl import Acl


@dataclass(slots=True)
class InterfaceConfig:
    """``interface NAME`` block. ``name`` is the canonical IOS name (``FastEthernet0/0``).

    As in a running-config, an interface without a ``shutdown`` line is administratively up.
    """

    name: str
    address: ipaddress.IPv4Interface | None = None
    shutdown: bool = False
    acl_in: str | None = None
    acl_out: str | None = None
    crypto_map: str | None = None
    description: str | None = None
    line: int = 0
    tunnel: TunnelConfig | None = None       # set on `interface TunnelN`
    unnumbered: str | None = None            # `ip unnumbered IFACE` (canonical name)
    nat: str | None = None                   # `ip nat inside` | `ip nat outside`
    ospf_cost: int | None = None             # `ip ospf cost N`
    ospf_hello: int | None = None            # `ip ospf hello-interval N` (default 10 s)
    ospf_dead: int | None = None             # `ip ospf dead-interval N` (default 4 x hello)
    mtu: int | None = None                   # `ip mtu N` (accepted; used by GRE/IPsec overhead)
    ospf_area: tuple[int, int] | None = None  # `ip ospf PROCESS area AREA` (interface mode)


@dataclass(slots=True)
class TunnelConfig:
    """The ``tunnel ...`` lines of ``interface TunnelN`` (IOS defaults: GRE over IPv4)."""

    source: str | None = None                # `tunnel source IFACE|A.B.C.D` (canonical / dotted)
    destination: ipaddress.IPv4Address | None = None
    mode: str = "gre"                        # "gre" (`tunnel mode gre ip`) | "ipsec"
                                             # (`tunnel mode ipsec ipv4`: a static VTI)
    protection: str | None = None            # `tunnel protection ipsec profile NAME`
    key: int | None = None                   # `tunnel key N` (RFC 2890 key field)
    line: int = 0


@dataclass(slots=True)
class OspfNetwork:
    """``network A.B.C.D WILDCARD area N`` under ``router ospf``."""

    address: ipaddress.IPv4Address
    wildcard: ipaddress.IPv4Address
    area: int
    line: int = 0


@dataclass(slots=True)
class OspfProcess:
    """``router ospf ID``."""

    process_id: int
    router_id: ipaddress.IPv4Address | None = None
    networks: list[OspfNetwork] = field(default_factory=list)
    passive: set[str] = field(default_factory=set)        # canonical interface names
    passive_default: bool = False                          # `passive-interface default`
    not_passive: set[str] = field(default_factory=set)    # `no passive-interface X`
    default_originate: bool = False                        # `default-information originate`
    default_originate_always: bool = False                 # ... `always`
    line: int = 0


@dataclass(slots=True)
class NatRule:
    """``ip nat inside source ...`` (``kind`` "list" | "route-map" | "static")."""

    kind: str
    match: str | None = None                 # ACL name (list) or route-map name
    interface: str | None = None             # `interface IFACE overload` (canonical)
    pool: str | None = None                  # `pool NAME`
    overload: bool = False
    local: ipaddress.IPv4Address | None = None     # static: inside local address
    global_: ipaddress.IPv4Address | None = None   # static: inside global address
    protocol: int | None = None              # static port forwarding: 6 | 17
    local_port: int | None = None
    global_port: int | None = None
    line: int = 0


@dataclass(slots=True)
class NatPool:
    """``ip nat pool NAME START END {netmask M | prefix-length N}``."""

    name: str
    start: ipaddress.IPv4Address
    end: ipaddress.IPv4Address
    prefix_length: int
    line: int = 0


@dataclass(slots=True)
class RouteMapEntry:
    """``route-map NAME {permit|deny} SEQ`` with its ``match ip address ACL...`` lines."""

    name: str
    sequence: int
    action: str = "permit"
    match_acls: list[str] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class StaticRoute:
    """``ip route PREFIX MASK {NEXTHOP | INTERFACE [NEXTHOP]} [DISTANCE]``."""

    prefix: ipaddress.IPv4Network
    next_hop: ipaddress.IPv4Address | None = None
    interface: str | None = None
    distance: int = 1
    line: int = 0


@dataclass(slots=True)
class DeviceConfig:
    """One router's (or PC's) configuration, parsed from IOS text with line numbers kept."""

    hostname: str
    interfaces: dict[str, InterfaceConfig] = field(default_factory=dict)
    static_routes: list[StaticRoute] = field(default_factory=list)
    acls: dict[str, Acl] = field(default_factory=dict)
    crypto: CryptoConfig = field(default_factory=CryptoConfig)
    default_gateway: ipaddress.IPv4Address | None = None   # `ip default-gateway` (hosts)
    # Accepted lines that cannot change what the lab does (management plane, interface hardware,
    # ...): (line, text), and each line's category for the validation warning.
    ignored: list[tuple[int, str]] = field(default_factory=list)
    ignored_category: dict[int, str] = field(default_factory=dict)
    ospf: dict[int, OspfProcess] = field(default_factory=dict)
    nat_rules: list[NatRule] = field(default_factory=list)
    nat_pools: dict[str, NatPool] = field(default_factory=dict)
    nat_timeouts: dict[str, int] = field(default_factory=dict)   # "timeout", "udp-timeout", ...
    route_maps: dict[str, list[RouteMapEntry]] = field(default_factory=dict)
    # Lines of a feature the lab does not model, accepted because the scenario asked to ignore
    # that feature (e.g. EIGRP): (line, feature). The lab warns which routes it will lack.
    unmodelled: list[tuple[int, str]] = field(default_factory=list)
    unmodelled_text: dict[int, str] = field(default_factory=dict)     # line -> its text
    # `service timestamps debug|log uptime|datetime [msec]`: "debug"/"log" -> "uptime" |
    # "datetime" | "datetime msec" (the IOS default is uptime).
    timestamps: dict[str, str] = field(default_factory=dict)
    # Where the line numbers above point: the file (scenario or config_file) and the number of
    # lines before the configuration's first line in it (an inline `config: |` block).
    source: str | None = None
    source_offset: int = 0
    # Features the scenario told this router to ignore (`ignore:`), as FEATURES keys.
    ignore_features: tuple[str, ...] = ()
