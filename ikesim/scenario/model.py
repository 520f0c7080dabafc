"""A scenario as validated data: the lab to build and the timed events to play."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ikesim.net.config import DeviceConfig


@dataclass(slots=True)
class DeviceSpec:
    name: str
    kind: str                 # "router" | "host"
    config: DeviceConfig
    platform: str = "ios12"   # timer/dialect profile (ikesim.ike.profiles.PROFILES)
    uptime: float = 0.0       # device uptime at t = 0, for IOS timestamps
    line: int = 0
    config_file: str | None = None   # the file the configuration was read from, if any
    linux: Any = None                # ikesim.linux LinuxConfig (platform strongswan/libreswan)
    extra_files: list[str] = field(default_factory=list)   # other files read (Linux gateways)
    clock: Any = None         # router calendar at t = 0 (datetime; None: the lab's date)
    enrolled: Any = None      # when its certificates were issued (datetime; None: the default)


@dataclass(slots=True)
class LinkSpec:
    name: str
    a: tuple[str, str]        # (device, canonical interface name)
    b: tuple[str, str]
    delay: float = 0.001
    loss: float = 0.0
    up: bool = True
    line: int = 0


@dataclass(slots=True)
class EventSpec:
    """One timed action. ``action`` is "exec", "configure", "link", "initiate" or "reload"."""

    at: float
    action: str
    device: str | None = None
    command: str = ""                       # exec line, as typed
    lines: list[str] = field(default_factory=list)   # configure terminal lines
    first_line: int = 0                     # scenario line of lines[0] / of the exec command
    link: str | None = None
    up: bool = True
    peer: str | None = None                 # initiate: the peer to start main mode with
    boot_delay: float = 0.0                 # reload: how long the router stays off
    line: int = 0


@dataclass(slots=True)
class Scenario:
    file: str
    name: str
    description: str
    seed: int
    duration: float
    devices: dict[str, DeviceSpec]
    links: list[LinkSpec]
    events: list[EventSpec]
    expect: Any = None                      # ikesim.scenario.expect.Expectations, or None
    teach: dict[str, str] = field(default_factory=dict)   # teaching-page prose (make docs)
    # Problems that do not stop the run (InputError values: file, line, reason), shown as
    # ``FILE:LINE: warning: ...`` by run, validate and check (docs/scenario-format.md).
    warnings: list[Any] = field(default_factory=list)
    live: Any = None      # ikesim.scenario.live_section.LiveSpec: a real daemon's place

    @property
    def sources(self) -> list[str]:
        """The files this scenario was read from (outputs must never overwrite them)."""
        return [self.file] + [d.config_file for d in self.devices.values() if d.config_file] \
            + [f for d in self.devices.values() for f in d.extra_files]

    @property
    def routers(self) -> list[DeviceSpec]:
        return [d for d in self.devices.values() if d.kind == "router"]

    @property
    def hosts(self) -> list[DeviceSpec]:
        return [d for d in self.devices.values() if d.kind == "host"]
