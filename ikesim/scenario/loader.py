"""Reading and validating scenario files (YAML). Every error names the file and the line.

The format is documented in docs/scenario-format.md. Router configurations are IOS text, parsed
by :mod:`ikesim.ios.config` with line numbers mapped back into the scenario file.
"""

from __future__ import annotations

import copy
import ipaddress
import math
import re
from pathlib import Path
from typing import Any

from ikesim.errors import InputError
from ikesim.ike.profiles import IOS_PLATFORMS
from ikesim.ios.config import parse_config
from ikesim.ios.exec_parse import ExecError, parse_exec
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.scenario.model import DeviceSpec, EventSpec, LinkSpec, Scenario
from ikesim.scenario.yamlsrc import BlockText, LocatedDict, LocatedList, load_yaml

PLATFORMS = IOS_PLATFORMS     # ikesim.ike.profiles: one list of platforms
TOP_KEYS = ("name", "description", "seed", "duration", "routers", "hosts", "links", "events",
            "expect", "teach")
# `teach:` holds the prose of a fault's teaching page (docs/faults/<name>.md, `make docs`).
TEACH_KEYS = ("title", "broken", "why", "diagnose", "fix", "fixed_variant", "dialect_of")
ROUTER_KEYS = ("config", "config_file", "platform", "uptime")
HOST_KEYS = ("address", "gateway", "interface", "uptime")
LINK_KEYS = ("name", "a", "b", "delay", "loss", "up")
EVENT_KEYS = ("at", "device", "exec", "configure", "link", "state", "initiate", "every", "until")
HOST_DEFAULT_INTERFACE = "FastEthernet0/0"
MAX_REPEATED_EVENTS = 100_000

_TIME = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(us|ms|s|m|h)?\s*$")
_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0, None: 1.0}


class _Ctx:
    def __init__(self, file: str) -> None:
        self.file = file

    def error(self, reason: str, line: int | None, text: str | None = None) -> InputError:
        return InputError(reason, file=self.file, line=line, text=text)


def parse_time(value: Any, ctx: _Ctx, line: int, what: str) -> float:
    """Seconds from a number or a string such as ``10s``, ``1.5 ms``, ``2m``."""
    if isinstance(value, bool):
        raise ctx.error(f"{what} must be a time such as 10, 10s or 500ms, not {value!r}", line)
    if isinstance(value, int | float):
        seconds = float(value)
    elif isinstance(value, str) and (m := _TIME.match(value)):
        seconds = float(m.group(1)) * _UNIT[m.group(2)]
    else:
        raise ctx.error(f"{what} must be a time such as 10, 10s or 500ms", line, str(value))
    if not math.isfinite(seconds):
        raise ctx.error(f"{what} must be a finite time", line, str(value))
    if seconds < 0:
        raise ctx.error(f"{what} must not be negative", line, str(value))
    return seconds


def _check_keys(node: LocatedDict, allowed: tuple[str, ...], ctx: _Ctx, what: str) -> None:
    for key in node:
        if key not in allowed:
            raise ctx.error(f"unknown key '{key}' in {what} (expected one of: "
                            f"{', '.join(allowed)})", node.key_line(key))


def _mapping(value: Any, ctx: _Ctx, line: int, what: str) -> LocatedDict:
    if not isinstance(value, LocatedDict):
        raise ctx.error(f"{what} must be a mapping", line)
    return value


def _text(value: Any, ctx: _Ctx, line: int, what: str) -> tuple[str, int]:
    """A string value and the file line of its first line."""
    if isinstance(value, BlockText):
        return value.text, value.first_line
    if isinstance(value, str):
        return value, line
    raise ctx.error(f"{what} must be text", line)


def load_scenario(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file; raise :class:`InputError` on any problem."""
    path = Path(path)
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read scenario: {exc.strerror}", file=file) from None
    except UnicodeDecodeError:
        raise InputError("scenario is not UTF-8 text", file=file) from None
    return parse_scenario(text, file=file, base_dir=path.parent)


def parse_scenario(text: str, *, file: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    ctx = _Ctx(file)
    root = load_yaml(text, file)
    root = _mapping(root, ctx, 1, "a scenario")
    _check_keys(root, TOP_KEYS, ctx, "the scenario")
    for required in ("name", "routers"):
        if required not in root:
            raise ctx.error(f"missing required key '{required}'", root.line)
    name, _ = _text(root["name"], ctx, root.value_line("name"), "name")
    description = ""
    if "description" in root:
        description, _ = _text(root["description"], ctx, root.value_line("description"),
                               "description")
    seed = root.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ctx.error("seed must be an integer", root.value_line("seed"), str(seed))
    duration = parse_time(root.get("duration", 300), ctx, root.value_line("duration"), "duration")
    if duration <= 0:
        raise ctx.error("duration must be positive", root.value_line("duration"))

    devices: dict[str, DeviceSpec] = {}
    routers = _mapping(root["routers"], ctx, root.value_line("routers"), "routers")
    for rname, spec in routers.items():
        devices[rname] = _router(rname, spec, routers.key_line(rname), ctx, base_dir)
    if "hosts" in root:
        hosts = _mapping(root["hosts"], ctx, root.value_line("hosts"), "hosts")
        for hname, spec in hosts.items():
            if hname in devices:
                raise ctx.error(f"device name '{hname}' is used twice", hosts.key_line(hname))
            devices[hname] = _host(hname, spec, hosts.value_line(hname), ctx)
    links = _links(root.get("links", LocatedList()), devices, ctx,
                   root.value_line("links") if "links" in root else root.line)
    events = _events(root.get("events", LocatedList()), devices, links, duration, ctx,
                     root.value_line("events") if "events" in root else root.line)
    teach = _teach(root["teach"], ctx, root.value_line("teach")) if "teach" in root else {}
    expect = None
    if "expect" in root:
        from ikesim.scenario.expect import validate_expectations

        expect = validate_expectations(root["expect"], file=file,
                                       devices={n: d.kind for n, d in devices.items()})
    return Scenario(file=file, name=name, description=description, seed=seed,
                    duration=duration, devices=devices, links=links, events=events,
                    expect=expect, teach=teach)


def _teach(raw: Any, ctx: _Ctx, line: int) -> dict[str, str]:
    node = _mapping(raw, ctx, line, "teach")
    _check_keys(node, TEACH_KEYS, ctx, "teach")
    return {key: _text(value, ctx, node.value_line(key), f"teach.{key}")[0].strip()
            for key, value in node.items()}


def _router(name: str, spec: Any, line: int, ctx: _Ctx, base_dir: Path | None) -> DeviceSpec:
    if isinstance(spec, BlockText | str):       # shorthand: the value is the configuration
        spec_map = LocatedDict(config=spec)
        spec_map.line, spec_map.key_lines, spec_map.value_lines = line, {}, {"config": line}
        spec = spec_map
    spec = _mapping(spec, ctx, line, f"router '{name}'")
    _check_keys(spec, ROUTER_KEYS, ctx, f"router '{name}'")
    if ("config" in spec) == ("config_file" in spec):
        raise ctx.error(f"router '{name}' needs exactly one of 'config' or 'config_file'",
                        spec.line)
    if "config" in spec:
        text, first = _text(spec["config"], ctx, spec.value_line("config"), "config")
        config = parse_config(text, file=ctx.file, line_offset=first - 1, hostname=name)
    else:
        rel, _ = _text(spec["config_file"], ctx, spec.value_line("config_file"), "config_file")
        cfg_path = (base_dir or Path(".")) / rel
        try:
            text = cfg_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ctx.error(f"cannot read config_file: {exc.strerror}",
                            spec.value_line("config_file"), rel) from None
        config = parse_config(text, file=str(cfg_path), hostname=name)
    if config.hostname != name:
        raise ctx.error(f"router '{name}' has 'hostname {config.hostname}' in its configuration;"
                        " the names must agree", line)
    platform = spec.get("platform", "ios12")
    if platform not in PLATFORMS:
        raise ctx.error(f"unknown platform '{platform}' (expected one of: "
                        f"{', '.join(PLATFORMS)})", spec.value_line("platform"))
    uptime = parse_time(spec.get("uptime", 0), ctx, spec.value_line("uptime"), "uptime")
    return DeviceSpec(name, "router", config, platform, uptime, line)


def _host(name: str, spec: Any, line: int, ctx: _Ctx) -> DeviceSpec:
    spec = _mapping(spec, ctx, line, f"host '{name}'")
    _check_keys(spec, HOST_KEYS, ctx, f"host '{name}'")
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


def _interface_name(raw: Any, ctx: _Ctx, line: int) -> str:
    try:
        return canonical_interface_name(str(raw))
    except ValueError:
        raise ctx.error("% Invalid interface type and number", line, str(raw)) from None


def _endpoint(raw: Any, devices: dict[str, DeviceSpec], ctx: _Ctx, line: int) -> tuple[str, str]:
    if not isinstance(raw, str) or not (m := re.match(r"^\s*([^\s:]+)\s*[: ]\s*(\S+)\s*$", raw)):
        raise ctx.error("a link end must look like 'RT1 FastEthernet1/0' or 'RT1:Fa1/0'", line,
                        str(raw))
    device, iface_raw = m.groups()
    if device not in devices:
        raise ctx.error(f"link end names unknown device '{device}'", line, raw)
    iface = _interface_name(iface_raw, ctx, line)
    if iface not in devices[device].config.interfaces:
        raise ctx.error(f"device '{device}' has no interface {iface} in its configuration", line,
                        raw)
    return device, iface


def _links(raw: Any, devices: dict[str, DeviceSpec], ctx: _Ctx, line: int) -> list[LinkSpec]:
    if not isinstance(raw, LocatedList):
        raise ctx.error("links must be a list", line)
    links: list[LinkSpec] = []
    used: dict[tuple[str, str], int] = {}
    names: set[str] = set()
    for item, item_line in zip(raw, raw.item_lines, strict=True):
        item = _mapping(item, ctx, item_line, "a link")
        _check_keys(item, LINK_KEYS, ctx, "a link")
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
            name = _word(item["name"], ctx, item.value_line("name"), "link name")
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


def _events(raw: Any, devices: dict[str, DeviceSpec], links: list[LinkSpec], duration: float,
            ctx: _Ctx, line: int) -> list[EventSpec]:
    if not isinstance(raw, LocatedList):
        raise ctx.error("events must be a list", line)
    link_names = {link.name for link in links}
    out: list[EventSpec] = []
    for item, item_line in zip(raw, raw.item_lines, strict=True):
        item = _mapping(item, ctx, item_line, "an event")
        _check_keys(item, EVENT_KEYS, ctx, "an event")
        if "at" not in item:
            raise ctx.error("event needs 'at' (the simulated time, e.g. at: 60s)", item.line)
        at = parse_time(item["at"], ctx, item.value_line("at"), "at")
        actions = [k for k in ("exec", "configure", "link", "initiate") if k in item]
        if len(actions) != 1:
            raise ctx.error("event needs exactly one of: exec, configure, link, initiate",
                            item.line)
        action = actions[0]
        device = item.get("device")
        if device is not None:
            device = _word(device, ctx, item.value_line("device"), "device")
        if action != "link":
            if device is None:
                raise ctx.error(f"'{action}' event needs 'device'", item.line)
            if device not in devices:
                raise ctx.error(f"unknown device '{device}'", item.value_line("device"))
        elif device is not None:
            raise ctx.error("a link event takes 'link' and 'state', not 'device'",
                            item.key_line("device"))
        if "state" in item and action != "link":
            raise ctx.error("'state' belongs to link events", item.key_line("state"))
        spec = EventSpec(at=at, action=action, device=device, line=item.line)
        if action == "exec":
            spec.command, _ = _text(item["exec"], ctx, item.value_line("exec"), "exec")
            spec.command = spec.command.strip()
            _validate_exec(spec.command, devices[device], ctx, item.value_line("exec"))
        elif action == "configure":
            text, first = _text(item["configure"], ctx, item.value_line("configure"),
                                "configure")
            if devices[device].kind != "router":
                raise ctx.error("configure events apply to routers", item.line)
            spec.lines, spec.first_line = text.splitlines(), first
        elif action == "link":
            link_name = _word(item["link"], ctx, item.value_line("link"), "link")
            if link_name not in link_names:
                raise ctx.error(f"unknown link '{item['link']}' (links: "
                                f"{', '.join(sorted(link_names))})", item.value_line("link"))
            spec.link = link_name
            state = item.get("state")
            if state not in ("up", "down"):
                raise ctx.error("link event needs 'state: up' or 'state: down'",
                                item.value_line("state") if "state" in item else item.line)
            spec.up = state == "up"
        else:
            if devices[device].kind != "router":
                raise ctx.error("initiate events apply to routers", item.line)
            try:
                spec.peer = str(ipaddress.IPv4Address(str(item["initiate"]).strip()))
            except ValueError:
                raise ctx.error("initiate takes the peer's IPv4 address",
                                item.value_line("initiate"), str(item["initiate"])) from None
        out.extend(_repeat(spec, item, duration, ctx))
    out.sort(key=lambda e: e.at)   # stable: events at the same time keep file order
    _validate_configure_sequence(out, devices, ctx)
    return out


def _repeat(spec: EventSpec, item: LocatedDict, duration: float, ctx: _Ctx) -> list[EventSpec]:
    if "every" not in item:
        if "until" in item:
            raise ctx.error("'until' needs 'every'", item.key_line("until"))
        return [spec]
    every = parse_time(item["every"], ctx, item.value_line("every"), "every")
    if every <= 0:
        raise ctx.error("every must be positive", item.value_line("every"))
    until = parse_time(item.get("until", duration), ctx, item.value_line("until"), "until")
    if until < spec.at:
        raise ctx.error("'until' is earlier than 'at': the event would never happen",
                        item.value_line("until"))
    count = int((until - spec.at) / every + 1e-9) + 1
    if count > MAX_REPEATED_EVENTS:
        raise ctx.error(f"'every' would repeat this event {count} times (limit "
                        f"{MAX_REPEATED_EVENTS})", item.value_line("every"))
    out = []
    for i in range(count):
        copy = EventSpec(**{s: getattr(spec, s) for s in EventSpec.__slots__})
        copy.at = spec.at + i * every
        out.append(copy)
    return out


def _validate_exec(command: str, device: DeviceSpec, ctx: _Ctx, line: int) -> None:
    from ikesim.ios.commands import validate_exec_args  # the exec handlers' own checks

    try:
        parsed = parse_exec(command)
        validate_exec_args(parsed, device.kind)
    except ExecError as exc:
        raise ctx.error(str(exc), line, command) from None


def _validate_configure_sequence(events: list[EventSpec], devices: dict[str, DeviceSpec],
                                 ctx: _Ctx) -> None:
    """Check `configure` events in time order, each against the configuration the device will
    have by then (so a later `no ip route` may remove a route an earlier event added)."""
    from ikesim.ios.config import apply_config_lines

    running = {name: copy.deepcopy(d.config) for name, d in devices.items()}
    for event in events:
        if event.action == "configure":
            running[event.device] = apply_config_lines(
                running[event.device], event.lines, file=ctx.file,
                line_offset=event.first_line - 1)


def _word(value: Any, ctx: _Ctx, line: int, what: str) -> str:
    """A name (device, link): a plain word, not a list or a mapping."""
    if isinstance(value, bool) or not isinstance(value, str | int | float) or not str(value):
        raise ctx.error(f"{what} must be a name", line, str(value))
    return str(value)


def parse_time_arg(value: str) -> float:
    """A time given on the command line (``--until 90s``)."""
    return parse_time(value, _Ctx("--until"), None, "--until")  # type: ignore[arg-type]
