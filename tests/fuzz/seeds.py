"""Seed inputs for the fuzz targets, made from the project's own material (nothing binary is
committed): the datagrams of a real run, the routers' configurations and exec commands of the
scenario catalogue, and the scenario files themselves (hostile ones included)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXTRA_EXEC = ["ping 10.0.0.1 repeat 3 size 100 timeout 1 source Fa0/0", "sh cry isa sa",
              "clear crypto isakmp 1", "debug crypto isakmp", "undebug all", "show ip int br",
              "ping ip 1.1.1.1 s 1", "show crypto ipsec sa", "sh run"]


def scenario_files() -> list[Path]:
    return sorted((ROOT / "scenarios").rglob("*.yaml")) + \
        sorted((ROOT / "tests" / "data" / "expect").glob("*.yaml"))


def seeds(target: str) -> Iterator[bytes]:
    if target == "yaml_scenario":
        for path in scenario_files():
            yield path.read_bytes()
        for path in sorted((ROOT / "tests" / "hostile").rglob("*.yaml"))[::6]:
            yield path.read_bytes()
        return
    from ikesim.scenario.loader import load_scenario

    scenarios = [load_scenario(p) for p in scenario_files()]
    if target == "ios_config":
        from ikesim.ios.running_config import render_running_config

        for sc in scenarios:
            for device in sc.routers:
                yield "\n".join(render_running_config(device.config)).encode()
    elif target == "exec_line":
        commands = {e.command for sc in scenarios for e in sc.events if e.action == "exec"}
        for command in sorted(commands) + EXTRA_EXEC:
            yield command.encode()
    elif target == "isakmp_codec":
        yield from _datagrams(ROOT / "scenarios" / "missing-return-route-fixed.yaml")
    else:
        raise KeyError(target)


def _datagrams(path: Path) -> Iterator[bytes]:
    from ikesim.export.pcap import Capture
    from ikesim.scenario.loader import load_scenario
    from ikesim.scenario.runner import Runtime

    runtime = Runtime(load_scenario(path))
    capture = Capture.attach(runtime, None)
    runtime.run(60.0)
    for datagram in capture.datagrams:
        if datagram.protocol == 17:
            yield datagram.data
