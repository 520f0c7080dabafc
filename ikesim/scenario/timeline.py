"""The timeline part of a scenario: timed events (exec commands, configuration changes, link
state, IKE initiation), repeated with ``every``/``until``, each checked as the device would
check it when it happens."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from ikesim.ios.exec_parse import ExecError, parse_exec
from ikesim.ios.ifnames import canonical_interface_name
from ikesim.net.config import DeviceConfig
from ikesim.scenario.model import DeviceSpec, EventSpec, LinkSpec
from ikesim.scenario.values import Ctx, check_keys, mapping, parse_time, text_of, word
from ikesim.scenario.yamlsrc import LocatedDict, LocatedList

EVENT_KEYS = ("at", "device", "exec", "configure", "link", "state", "initiate", "reload", "every",
              "until")
MAX_REPEATED_EVENTS = 100_000


def events(raw: Any, devices: dict[str, DeviceSpec], links: list[LinkSpec], duration: float,
            ctx: Ctx, line: int) -> list[EventSpec]:
    if not isinstance(raw, LocatedList):
        raise ctx.error("events must be a list", line)
    link_names = {link.name for link in links}
    out: list[EventSpec] = []
    for item, item_line in zip(raw, raw.item_lines, strict=True):
        item = mapping(item, ctx, item_line, "an event")
        check_keys(item, EVENT_KEYS, ctx, "an event")
        if "at" not in item:
            raise ctx.error("event needs 'at' (the simulated time, e.g. at: 60s)", item.line)
        at = parse_time(item["at"], ctx, item.value_line("at"), "at")
        if at >= duration:
            ctx.warn(f"this event at {at:g}s is not before the end of the run (duration "
                     f"{duration:g}s): it happens only if --until makes the run longer",
                     item.value_line("at"))
        actions = [k for k in ("exec", "configure", "link", "initiate", "reload") if k in item]
        if len(actions) != 1:
            raise ctx.error("event needs exactly one of: exec, configure, link, initiate, "
                            "reload", item.line)
        action = actions[0]
        device = item.get("device")
        if device is not None:
            device = word(device, ctx, item.value_line("device"), "device")
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
            spec.command, _ = text_of(item["exec"], ctx, item.value_line("exec"), "exec")
            spec.command = spec.command.strip()
            spec.first_line = item.value_line("exec")
            _validate_exec(spec.command, devices[device], ctx, item.value_line("exec"))
        elif action == "configure":
            text, first = text_of(item["configure"], ctx, item.value_line("configure"),
                                "configure")
            if devices[device].kind != "router":
                raise ctx.error("configure events apply to routers", item.line)
            spec.lines, spec.first_line = text.splitlines(), first
        elif action == "link":
            link_name = word(item["link"], ctx, item.value_line("link"), "link")
            if link_name not in link_names:
                raise ctx.error(f"unknown link '{item['link']}' (links: "
                                f"{', '.join(sorted(link_names))})", item.value_line("link"))
            spec.link = link_name
            state = item.get("state")
            if state not in ("up", "down"):
                raise ctx.error("link event needs 'state: up' or 'state: down'",
                                item.value_line("state") if "state" in item else item.line)
            spec.up = state == "up"
        elif action == "reload":
            if devices[device].kind != "router":
                raise ctx.error("reload events apply to routers", item.line)
            # the value is the boot delay: how long the router stays off the network
            spec.boot_delay = parse_time(item["reload"], ctx, item.value_line("reload"),
                                         "reload")
            if spec.boot_delay <= 0:
                raise ctx.error("reload takes the boot delay, a positive time (e.g. "
                                "reload: 60s)", item.value_line("reload"))
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


def _repeat(spec: EventSpec, item: LocatedDict, duration: float, ctx: Ctx) -> list[EventSpec]:
    if "every" not in item:
        if "until" in item:
            raise ctx.error("'until' needs 'every'", item.key_line("until"))
        return [spec]
    every = parse_time(item["every"], ctx, item.value_line("every"), "every")
    if every <= 0:
        raise ctx.error("every must be positive", item.value_line("every"))
    # Without 'until' an event repeats to the end of the run (once when it starts later).
    until = parse_time(item.get("until", max(duration, spec.at)), ctx, item.value_line("until"),
                       "until")
    if "until" in item and until > duration and spec.at < duration:
        ctx.warn(f"'until' {until:g}s is after the end of the run (duration {duration:g}s): "
                 "the repeats after it happen only if --until makes the run longer",
                 item.value_line("until"))
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


def _validate_exec(command: str, device: DeviceSpec, ctx: Ctx, line: int) -> None:
    from ikesim.ios.commands import validate_exec_args  # the exec handlers' own checks

    try:
        parsed = parse_exec(command)
        validate_exec_args(parsed, device.kind)
    except ExecError as exc:
        raise ctx.error(str(exc), line, command) from None


def _validate_configure_sequence(events: list[EventSpec], devices: dict[str, DeviceSpec],
                                 ctx: Ctx) -> None:
    """Check `configure` events in time order, each against the configuration the device will
    have by then (so a later `no ip route` may remove a route an earlier event added), and the
    exec commands whose validity depends on that configuration (a ping's `source`)."""
    from ikesim.ios.config import apply_config_lines

    running = {name: copy.deepcopy(d.config) for name, d in devices.items()}
    for event in events:
        if event.action == "configure":
            running[event.device] = apply_config_lines(
                running[event.device], event.lines, file=ctx.file,
                line_offset=event.first_line - 1)
        elif event.action == "exec":
            problem = _ping_source_problem(event.command, running[event.device])
            if problem is not None:
                raise ctx.error(f"{problem} (on {event.device} at {event.at:g}s)",
                                event.first_line, event.command)


def _ping_source_problem(command: str, config: DeviceConfig) -> str | None:
    """What the console would answer to ``ping ... source X`` given the device's
    configuration (ikesim/ios/ping.py: the same messages), or None. Whether the interface is
    up at that moment (link state) is left to the run."""
    from ikesim.ios.ping import parse_ping_command

    parsed = parse_exec(command)
    if parsed.handler != "ping":
        return None
    source = parse_ping_command(parsed.args).get("source")
    if source is None:
        return None
    try:
        address = ipaddress.IPv4Address(source)
    except ValueError:
        try:
            iface = config.interfaces.get(canonical_interface_name(source))
        except ValueError:
            iface = None
        if iface is None:
            return "% Invalid input detected at '^' marker."
        if iface.address is None or iface.shutdown:
            return ("% Invalid source interface - IP not enabled or interface is down on "
                    f"{iface.name}")
        return None
    if not any(i.address is not None and i.address.ip == address and not i.shutdown
               for i in config.interfaces.values()):
        return "% Invalid source address- IP address not on any of our up interfaces"
    return None
