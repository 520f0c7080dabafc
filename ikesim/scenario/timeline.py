"""The timeline part of a scenario: timed events (exec commands, configuration changes, link
state, IKE initiation), repeated with ``every``/``until``, each checked as the device would
check it when it happens."""

from __future__ import annotations

import copy
import ipaddress
from typing import Any

from ikesim.ios.exec_parse import ExecError, parse_exec
from ikesim.scenario.model import DeviceSpec, EventSpec, LinkSpec
from ikesim.scenario.values import Ctx, check_keys, mapping, parse_time, text_of, word
from ikesim.scenario.yamlsrc import LocatedDict, LocatedList

EVENT_KEYS = ("at", "device", "exec", "configure", "link", "state", "initiate", "every", "until")
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
        actions = [k for k in ("exec", "configure", "link", "initiate") if k in item]
        if len(actions) != 1:
            raise ctx.error("event needs exactly one of: exec, configure, link, initiate",
                            item.line)
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
    have by then (so a later `no ip route` may remove a route an earlier event added)."""
    from ikesim.ios.config import apply_config_lines

    running = {name: copy.deepcopy(d.config) for name, d in devices.items()}
    for event in events:
        if event.action == "configure":
            running[event.device] = apply_config_lines(
                running[event.device], event.lines, file=ctx.file,
                line_offset=event.first_line - 1)
