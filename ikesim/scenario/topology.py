"""The lab part of a scenario: routers (IOS configurations, inline or from a file), hosts and
the links between their interfaces."""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from pathlib import Path
from typing import Any

from ikesim.ike.profiles import IOS_PLATFORMS, LINUX_PLATFORMS
from ikesim.ios.config import FEATURES, config_warnings, parse_config
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.scenario import linux_devices
from ikesim.scenario.files import read_config_file
from ikesim.scenario.model import DeviceSpec, LinkSpec
from ikesim.scenario.values import Ctx, check_keys, mapping, parse_time, text_of, word
from ikesim.scenario.yamlsrc import BlockText, LocatedDict, LocatedList

PLATFORMS = IOS_PLATFORMS     # ikesim.ike.profiles: one list of platforms
# `ignore:` features of the configuration ikesim does not model (ikesim.ios.config.FEATURES);
# `config_hostname:` the hostname the configuration declares when the scenario names the router
# otherwise (two routers may share a hostname in their configs): docs/scenario-format.md;
# `clock:` the router's calendar at t = 0 and `enrolled:` when its certificates were issued
# (ikesim.ios.pki_lab).
ROUTER_KEYS = ("config", "config_file", "platform", "uptime", "ignore", "config_hostname",
               "clock", "enrolled")
HOST_KEYS = ("address", "gateway", "interface", "uptime")
LINK_KEYS = ("name", "a", "b", "delay", "loss", "up")
HOST_DEFAULT_INTERFACE = "FastEthernet0/0"


def router(name: str, spec: Any, line: int, ctx: Ctx, base_dir: Path | None) -> DeviceSpec:
    if linux_devices.is_linux(spec):     # strongSwan / libreswan gateways (linux_devices.py)
        return linux_devices.linux_router(name, spec, line, ctx, base_dir)
    if isinstance(spec, BlockText | str):       # shorthand: the value is the configuration
        spec_map = LocatedDict(config=spec)
        spec_map.line, spec_map.key_lines, spec_map.value_lines = line, {}, {"config": line}
        spec = spec_map
    spec = mapping(spec, ctx, line, f"router '{name}'")
    check_keys(spec, ROUTER_KEYS, ctx, f"router '{name}'")
    if ("config" in spec) == ("config_file" in spec):
        raise ctx.error(f"router '{name}' needs exactly one of 'config' or 'config_file'",
                        spec.line)
    source = None
    ignore = ignore_list(spec, ctx)
    if "config" in spec:
        text, first = text_of(spec["config"], ctx, spec.value_line("config"), "config")
        config = parse_config(text, file=ctx.file, line_offset=first - 1, hostname=name,
                              ignore=ignore)
    else:
        rel, _ = text_of(spec["config_file"], ctx, spec.value_line("config_file"), "config_file")
        cfg_path, text = read_config_file(base_dir or Path("."), rel, file=ctx.file,
                                          line=spec.value_line("config_file"))
        config = parse_config(text, file=str(cfg_path), hostname=name, ignore=ignore)
        source = str(cfg_path)
    if "config_hostname" in spec:
        declared = word(spec["config_hostname"], ctx, spec.value_line("config_hostname"),
                        "config_hostname")
        if config.hostname != declared:
            raise ctx.error(f"router '{name}': config_hostname is '{declared}' but its "
                            f"configuration says 'hostname {config.hostname}'",
                            spec.value_line("config_hostname"))
        config.hostname = name           # runs under its scenario name (prompt, logs)
    elif config.hostname != name:
        raise ctx.error(f"router '{name}' has 'hostname {config.hostname}' in its configuration;"
                        " the names must agree", line)
    platform = spec.get("platform", "ios12")
    if platform not in PLATFORMS:
        raise ctx.error(f"unknown platform '{platform}' (expected one of: "
                        f"{', '.join(PLATFORMS + LINUX_PLATFORMS)})",
                        spec.value_line("platform"))
    uptime = parse_time(spec.get("uptime", 0), ctx, spec.value_line("uptime"), "uptime")
    for warning in config_warnings(name, config):    # accepted-but-not-modelled lines
        ctx.warnings.append(warning)
    return DeviceSpec(name, "router", config, platform, uptime, line, source,
                      clock=_calendar(spec, "clock", ctx), enrolled=_calendar(spec, "enrolled", ctx))


def _calendar(spec: Any, key: str, ctx: Ctx) -> dt.datetime | None:
    """``clock: 1993-03-01 00:00:00`` / ``enrolled: 2009-04-25``: a UTC date (and time)."""
    if key not in spec:
        return None
    raw = spec[key]
    text = raw.isoformat(sep=" ") if isinstance(raw, dt.datetime) else \
        raw.isoformat() if isinstance(raw, dt.date) else str(raw)
    try:
        when = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ctx.error(f"'{key}' must be a date and time like 2011-04-26 09:30:00, not "
                        f"'{text}'", spec.value_line(key)) from None
    if not 1993 <= when.year <= 2035:
        raise ctx.error(f"'{key}' must lie between 1993 and 2035 (an IOS clock's range)",
                        spec.value_line(key))
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def ignore_list(spec: LocatedDict, ctx: Ctx) -> list[str]:
    """``ignore: [eigrp, bgp]``: features whose configuration lines the lab accepts unmodelled."""
    if "ignore" not in spec:
        return []
    raw, line = spec["ignore"], spec.value_line("ignore")
    out = []
    for item in raw if isinstance(raw, list) else [raw]:
        if not isinstance(item, str) or item not in FEATURES:
            raise ctx.error(f"ignore: unknown feature {item!r} (one of: "
                            f"{', '.join(sorted(FEATURES))})", line)
        out.append(item)
    return out


def host(name: str, spec: Any, line: int, ctx: Ctx) -> DeviceSpec:
    spec = mapping(spec, ctx, line, f"host '{name}'")
    check_keys(spec, HOST_KEYS, ctx, f"host '{name}'")
    if "address" not in spec:
        raise ctx.error(f"host '{name}' needs an 'address' such as 172.16.1.2/24", spec.line)
    raw = str(spec["address"]).strip()
    try:
        address = ipaddress.IPv4Interface(raw.replace(" ", "/"))
    except ValueError:
        raise ctx.error("address must look like 172.16.1.2/24 or '172.16.1.2 255.255.255.0'",
                        spec.value_line("address"), raw) from None
    if address.network.prefixlen < 31 and address.ip in (address.network.network_address,
                                                         address.network.broadcast_address):
        raise ctx.error("host address is the network or broadcast address of its subnet",
                        spec.value_line("address"), raw)
    gateway = None
    if "gateway" in spec:
        try:
            gateway = ipaddress.IPv4Address(str(spec["gateway"]).strip())
        except ValueError:
            raise ctx.error("gateway must be an IPv4 address", spec.value_line("gateway"),
                            str(spec["gateway"])) from None
        if gateway not in address.network:
            raise ctx.error(f"gateway {gateway} is not in the host's subnet {address.network}",
                            spec.value_line("gateway"))
    iface = _interface_name(spec.get("interface", HOST_DEFAULT_INTERFACE), ctx,
                            spec.value_line("interface"))
    config = DeviceConfig(hostname=name, default_gateway=gateway)
    config.interfaces[iface] = InterfaceConfig(name=iface, address=address, line=line)
    uptime = parse_time(spec.get("uptime", 0), ctx, spec.value_line("uptime"), "uptime")
    return DeviceSpec(name, "host", config, "ios12", uptime, line)


def _interface_name(raw: Any, ctx: Ctx, line: int) -> str:
    try:
        return canonical_interface_name(str(raw))
    except ValueError:
        raise ctx.error("% Invalid interface type and number", line, str(raw)) from None


def _endpoint(raw: Any, devices: dict[str, DeviceSpec], ctx: Ctx, line: int) -> tuple[str, str]:
    if not isinstance(raw, str) or not (m := re.match(r"^\s*([^\s:]+)\s*[: ]\s*(\S+)\s*$", raw)):
        raise ctx.error("a link end must look like 'RT1 FastEthernet1/0' or 'RT1:Fa1/0'", line,
                        str(raw))
    device, iface_raw = m.groups()
    if device not in devices:
        raise ctx.error(f"link end names unknown device '{device}'", line, raw)
    # a Linux gateway's interfaces keep their own names (eth0, rt1-isp)
    iface = iface_raw if devices[device].linux is not None else \
        _interface_name(iface_raw, ctx, line)
    if iface not in devices[device].config.interfaces:
        raise ctx.error(f"device '{device}' has no interface {iface} in its configuration", line,
                        raw)
    return device, iface


def links(raw: Any, devices: dict[str, DeviceSpec], ctx: Ctx, line: int) -> list[LinkSpec]:
    if not isinstance(raw, LocatedList):
        raise ctx.error("links must be a list", line)
    links: list[LinkSpec] = []
    used: dict[tuple[str, str], int] = {}
    names: set[str] = set()
    for item, item_line in zip(raw, raw.item_lines, strict=True):
        item = mapping(item, ctx, item_line, "a link")
        check_keys(item, LINK_KEYS, ctx, "a link")
        for end in ("a", "b"):
            if end not in item:
                raise ctx.error(f"link needs '{end}' (e.g. {end}: RT1 Fa1/0)", item.line)
        a = _endpoint(item["a"], devices, ctx, item.value_line("a"))
        b = _endpoint(item["b"], devices, ctx, item.value_line("b"))
        for end, key in ((a, "a"), (b, "b")):
            if end in used:
                raise ctx.error(f"{end[0]} {end[1]} is already connected by the link on line "
                                f"{used[end]}", item.value_line(key))
            used[end] = item.line
        if a[0] == b[0]:
            raise ctx.error("a link must join two different devices", item.line)
        if "name" in item:
            name = word(item["name"], ctx, item.value_line("name"), "link name")
            if name in names:
                raise ctx.error(f"link name '{name}' is used twice", item.value_line("name"))
        else:
            name = f"{a[0]}-{b[0]}"
            if name in names:          # parallel links: name them by their interfaces
                name = f"{a[0]}:{a[1]}-{b[0]}:{b[1]}"
        names.add(name)
        delay = parse_time(item.get("delay", 0.001), ctx, item.value_line("delay"), "delay")
        loss = item.get("loss", 0.0)
        if isinstance(loss, str) and loss.strip().endswith("%"):
            try:
                loss = float(loss.strip()[:-1]) / 100
            except ValueError:
                raise ctx.error("loss must be a probability (0.3) or a percentage (30%)",
                                item.value_line("loss"), loss) from None
        if isinstance(loss, bool) or not isinstance(loss, int | float) or not 0 <= loss <= 1:
            raise ctx.error("loss must be a probability between 0 and 1 (or 0%..100%)",
                            item.value_line("loss"), str(loss))
        up = item.get("up", True)
        if not isinstance(up, bool):
            raise ctx.error("up must be true or false", item.value_line("up"), str(up))
        links.append(LinkSpec(name, a, b, delay, float(loss), up, item.line))
    return links


def warn_shared_addresses(devices: dict[str, DeviceSpec], ctx: Ctx) -> None:
    """Two devices with the same interface address: IOS would not notice at configuration time
    (each router only checks its own interfaces), but the lab is probably wrong — a warning."""
    owners: dict[ipaddress.IPv4Address, tuple[str, str, int]] = {}
    for device in devices.values():
        for iface in device.config.interfaces.values():
            if iface.address is None:
                continue
            ip = iface.address.ip
            first = owners.setdefault(ip, (device.name, iface.name, device.line))
            if first[0] != device.name:
                ctx.warn(f"{device.name} {iface.name} has address {ip}, already used by "
                         f"{first[0]} {first[1]} (line {first[2]}): two devices share an "
                         "address", device.line)

