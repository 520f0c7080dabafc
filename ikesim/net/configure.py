"""Applying a :class:`DeviceConfig` to a device: interfaces (addresses, ACLs, NAT side,
``ip unnumbered``), their connected routes and the static routes, as incremental changes to the
routing table (a reconfiguration replaces what changed)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ikesim.net.addr import MASKS
from ikesim.net.config import DeviceConfig
from ikesim.net.interface import PHYSICAL, Interface
from ikesim.net.routing import Key, Route, RoutingTable, StaticSpec, static_route

STATIC_ORDER = 1 << 20  # statics sort after every interface in `show ip route` grouping

_IFNAME = re.compile(r"^([A-Za-z-]+)\s*([\d/.:]+)$")


class Configurable:
    """The configuration half of :class:`ikesim.net.device.Device`."""

    interfaces: dict[str, Interface]
    table: RoutingTable
    _connected: dict[str, Route]
    _statics: list[Route]
    _if_order: dict[str, int]

    if TYPE_CHECKING:
        def _routes_changed(self, keys: list[Key]) -> None: ...
        def _set_local(self, iface: Interface, up: bool) -> None: ...
        def update_interface(self, iface: Interface) -> None: ...

    def find_interface(self, name: str) -> Interface | None:
        """Exact name, or an IOS abbreviation such as ``fa0/0`` / ``f0/0``."""
        if name in self.interfaces:
            return self.interfaces[name]
        m = _IFNAME.match(name.strip())
        if not m:
            return None
        kind, number = m.group(1).lower(), m.group(2)
        found = [
            i
            for n, i in self.interfaces.items()
            if (mm := _IFNAME.match(n))
            and mm.group(2) == number
            and mm.group(1).lower().startswith(kind)
        ]
        return found[0] if len(found) == 1 else None

    def _apply_config(self, config: DeviceConfig, *, boot: bool = True) -> None:
        for name in [n for n, i in self.interfaces.items()
                     if n not in config.interfaces and i.kind is not PHYSICAL]:
            self._delete_interface(self.interfaces[name])  # `no interface Loopback1`
        for name, ic in config.interfaces.items():
            iface = self.interfaces.get(name)
            if iface is None:
                iface = self.interfaces[name] = Interface(self, name)
                self._if_order.setdefault(name, len(self._if_order))
            before = (iface.address, iface.length)
            if ic.address is not None:
                iface.address = int(ic.address.ip)
                iface.length = ic.address.network.prefixlen
            else:
                iface.address, iface.length = None, 0
            # IOS shows NVRAM for addresses from the startup config, manual once changed.
            if iface.address is None:
                iface.method = "unset"
            elif boot:
                iface.method = "NVRAM"
            elif before != (iface.address, iface.length):
                iface.method = "manual"
            if before != (iface.address, iface.length) or name not in self._connected:
                self._set_connected(iface)
            iface.admin_up = not ic.shutdown
            # IOS: an access-group naming an undefined list filters nothing.
            iface.acl_in_name, iface.acl_out_name = ic.acl_in, ic.acl_out
            iface.acl_in = config.acls.get(ic.acl_in) if ic.acl_in else None
            iface.acl_out = config.acls.get(ic.acl_out) if ic.acl_out else None
            iface.crypto_map = ic.crypto_map
            iface.description = ic.description
            iface.unnumbered = ic.unnumbered
            iface.nat = ic.nat
        # Statics: keep the unchanged ones, add the new ones before removing the old ones, so
        # that a reconfiguration does not flap routes it does not touch.
        before = {(r.prefix, r.length, r.next_hop, r.interface, r.distance): r
                  for r in self._statics}
        statics: list[Route] = []
        for index, spec in enumerate(self._static_specs(config)):
            key = (spec.prefix & MASKS[spec.length], spec.length, spec.next_hop,
                   spec.interface, spec.distance)
            route = before.pop(key, None)
            if route is None:
                route = static_route(spec, STATIC_ORDER + index)
                self._routes_changed(self.table.add(route))
            statics.append(route)
        for route in before.values():
            self._routes_changed(self.table.remove(route))
        self._statics = statics

    def _static_specs(self, config: DeviceConfig) -> list[StaticSpec]:
        statics = []
        for r in config.static_routes:
            ifname = None
            if r.interface is not None:
                found = self.find_interface(r.interface)
                ifname = found.name if found is not None else r.interface
            statics.append(StaticSpec(int(r.prefix.network_address), r.prefix.prefixlen,
                                      int(r.next_hop) if r.next_hop is not None else None,
                                      ifname, r.distance))
        return statics

    def _set_connected(self, iface: Interface) -> None:
        old = self._connected.pop(iface.name, None)
        if old is not None:
            self._routes_changed(self.table.remove(old))
        if iface.address is not None:
            route = Route(iface.address & MASKS[iface.length], iface.length, "C", 0, None,
                          iface.name, self._if_order[iface.name])
            self._connected[iface.name] = route
            self._routes_changed(self.table.add(route))
        if iface._state is not None and iface.line_up:
            self._set_local(iface, True)

    def _delete_interface(self, iface: Interface) -> None:
        iface.admin_up = False
        iface.address = None
        self._set_connected(iface)
        self.update_interface(iface)
        del self.interfaces[iface.name]
