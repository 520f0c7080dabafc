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
    ignored: list[tuple[int, str]] = field(default_factory=list)  # accepted-and-ignored lines
