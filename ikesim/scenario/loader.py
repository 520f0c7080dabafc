"""Reading and validating scenario files (YAML). Every error names the file and the line.

The format is documented in docs/scenario-format.md. The lab (routers, hosts, links) is read by
:mod:`~ikesim.scenario.topology`, the timed events by :mod:`~ikesim.scenario.timeline`, the
``expect:`` section by :mod:`~ikesim.scenario.expect_schema`. Router configurations are IOS
text, parsed by :mod:`ikesim.ios.config` with line numbers mapped back into the scenario file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ikesim.errors import InputError
from ikesim.ios.config import ConfigErrors
from ikesim.scenario import timeline, topology
from ikesim.scenario.files import read_scenario_text
from ikesim.scenario.model import DeviceSpec, Scenario
from ikesim.scenario.timeline import MAX_REPEATED_EVENTS
from ikesim.scenario.topology import PLATFORMS
from ikesim.scenario.values import Ctx, check_keys, mapping, parse_time, text_of
from ikesim.scenario.yamlsrc import load_yaml

__all__ = ["MAX_REPEATED_EVENTS", "PLATFORMS", "TOP_KEYS", "load_scenario", "parse_scenario",
           "parse_time", "parse_time_arg"]

# The longest run a scenario may ask for: a month of simulated time (memory stays flat, see
# bench/memory_bench.py, but a lab with periodic work would still take a long while).
MAX_DURATION = 31 * 86400
TOP_KEYS = ("name", "description", "seed", "duration", "routers", "hosts", "links", "events",
            "expect", "teach")
# `teach:` holds the prose of a fault's teaching page (docs/faults/<name>.md, `make docs`).
TEACH_KEYS = ("title", "broken", "why", "diagnose", "fix", "fixed_variant", "dialect_of")


def load_scenario(path: str | Path) -> Scenario:
    """Read, parse and validate a scenario file; raise :class:`InputError` on any problem."""
    path = Path(path)
    file = str(path)
    text = read_scenario_text(path)
    return parse_scenario(text, file=file, base_dir=path.parent)


def parse_scenario(text: str, *, file: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    ctx = Ctx(file)
    root = load_yaml(text, file)
    root = mapping(root, ctx, getattr(root, "line", 1), "a scenario")
    check_keys(root, TOP_KEYS, ctx, "the scenario")
    for required in ("name", "routers"):
        if required not in root:
            raise ctx.error(f"missing required key '{required}'", root.line)
    name, _ = text_of(root["name"], ctx, root.value_line("name"), "name")
    description = ""
    if "description" in root:
        description, _ = text_of(root["description"], ctx, root.value_line("description"),
                                 "description")
    seed = root.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ctx.error("seed must be an integer", root.value_line("seed"), str(seed))
    duration = parse_time(root.get("duration", 300), ctx, root.value_line("duration"), "duration")
    if duration <= 0:
        raise ctx.error("duration must be positive", root.value_line("duration"))
    if duration > MAX_DURATION:
        raise ctx.error(f"duration is longer than {MAX_DURATION // 86400} days",
                        root.value_line("duration"))

    devices: dict[str, DeviceSpec] = {}
    routers = mapping(root["routers"], ctx, root.value_line("routers"), "routers")
    config_errors: list[Any] = []          # every router's configuration errors, together
    for rname, spec in routers.items():
        try:
            devices[rname] = topology.router(rname, spec, routers.key_line(rname), ctx, base_dir)
        except ConfigErrors as exc:
            config_errors += exc.errors
    if config_errors:
        raise ConfigErrors(config_errors)
    if "hosts" in root:
        hosts = mapping(root["hosts"], ctx, root.value_line("hosts"), "hosts")
        for hname, spec in hosts.items():
            if hname in devices:
                raise ctx.error(f"device name '{hname}' is used twice", hosts.key_line(hname))
            devices[hname] = topology.host(hname, spec, hosts.value_line(hname), ctx)
    topology.warn_shared_addresses(devices, ctx)
    links = topology.links(root["links"], devices, ctx, root.value_line("links")) \
        if "links" in root else []
    events = timeline.events(root["events"], devices, links, duration, ctx,
                             root.value_line("events")) if "events" in root else []
    teach = _teach(root["teach"], ctx, root.value_line("teach")) if "teach" in root else {}
    expect = None
    if "expect" in root:
        from ikesim.scenario.expect import validate_expectations

        expect = validate_expectations(root["expect"], file=file,
                                       devices={n: d.kind for n, d in devices.items()})
    return Scenario(file=file, name=name, description=description, seed=seed,
                    duration=duration, devices=devices, links=links, events=events,
                    expect=expect, teach=teach, warnings=ctx.warnings)


def _teach(raw: Any, ctx: Ctx, line: int) -> dict[str, str]:
    node = mapping(raw, ctx, line, "teach")
    check_keys(node, TEACH_KEYS, ctx, "teach")
    return {key: text_of(value, ctx, node.value_line(key), f"teach.{key}")[0].strip()
            for key, value in node.items()}


def parse_time_arg(value: str) -> float:
    """A time given on the command line (``--until 90s``)."""
    seconds = parse_time(value, Ctx("--until"), None, "--until")
    if seconds > MAX_DURATION:
        raise InputError(f"--until is longer than {MAX_DURATION // 86400} days", text=value)
    return seconds
