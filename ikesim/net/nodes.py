"""The two kinds of device: routers (which may run tunnels, NAT and OSPF) and PCs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikesim.errors import InputError
from ikesim.net.config import DeviceConfig
from ikesim.net.device import Device
from ikesim.net.interface import Interface
from ikesim.net.routing import Key, StaticSpec

if TYPE_CHECKING:
    from ikesim.net.lab import Lab


class Router(Device):
    kind = "router"

    def __init__(self, lab: Lab, config: DeviceConfig, *, uptime: float = 0.0) -> None:
        super().__init__(lab, config, uptime=uptime)
        self._configure_features(config)

    def reconfigure(self, config: DeviceConfig) -> None:
        super().reconfigure(config)
        self._configure_features(config)

    def _configure_features(self, config: DeviceConfig) -> None:
        if self.tunnels is not None or any(i.kind == "tunnel" for i in self.interfaces.values()):
            if self.tunnels is None:
                from ikesim.net.tunnel import Tunnels

                self.tunnels = Tunnels(self)
            self.tunnels.configure(config)
        if self.nat is not None or config.nat_rules or any(
                i.nat for i in config.interfaces.values()):
            if self.nat is None:
                from ikesim.net.nat import Nat

                self.nat = Nat(self)
            self.nat.configure(config)
        if self.ospf is not None or config.ospf:
            if self.ospf is None:
                from ikesim.net.ospf.process import Ospf

                self.ospf = Ospf(self)
            self.ospf.configure(config)

    def _routes_changed(self, keys: list[Key]) -> None:
        if keys:
            if self.tunnels is not None:
                self.tunnels.routes_changed(keys)
            if self.ospf is not None:
                self.ospf.routes_changed(keys)

    def _line_changed(self, iface: Interface, up: bool) -> None:
        if self.tunnels is not None:
            self.tunnels.line_changed(iface, up)
        if self.ospf is not None:
            self.ospf.line_changed(iface, up)


class Host(Device):
    """A PC: one interface, a default gateway, no forwarding, no proxy ARP."""

    kind = "host"
    forwards = False
    proxy_arp = False
    default_ttl = 64

    def __init__(self, lab: Lab, config: DeviceConfig, *, uptime: float = 0.0) -> None:
        if len(config.interfaces) != 1:
            raise InputError(
                f"host {config.hostname} must have exactly one interface, "
                f"not {len(config.interfaces)}"
            )
        super().__init__(lab, config, uptime=uptime)

    @property
    def interface(self) -> Interface:
        return next(iter(self.interfaces.values()))

    def _static_specs(self, config: DeviceConfig) -> list[StaticSpec]:
        gw = config.default_gateway
        extra = [] if gw is None else [StaticSpec(0, 0, int(gw), None, 1)]
        return super()._static_specs(config) + extra
