"""Linux VPN gateways in a scenario (``platform: strongswan`` / ``libreswan`` under
``routers:``), configured in the daemons' own syntax (docs/scenario-format.md, "Linux
gateways"):

    GW1:
      platform: strongswan
      ip: |                      # or ip_file: gw1.ip
        ip addr add 10.10.10.2/24 dev eth0
        ip route add default via 10.10.10.1
      swanctl: |                 # or swanctl_file: gw1.swanctl.conf
        connections { … }
        secrets { … }
      kernel_esp: false          # optional: the kernel has no ESP transform (runs A, D)

A libreswan gateway has ``ipsec_conf``/``ipsec_conf_file`` and ``ipsec_secrets``/
``ipsec_secrets_file`` instead of ``swanctl``. Errors name the scenario line (inline text) or
the configuration file's own line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ikesim.ike.profiles import LINUX_PLATFORMS
from ikesim.scenario.files import read_config_file
from ikesim.scenario.model import DeviceSpec
from ikesim.scenario.values import Ctx, check_keys, mapping, parse_time, text_of

SOURCES = {"strongswan": ("ip", "swanctl"), "libreswan": ("ip", "ipsec_conf", "ipsec_secrets")}
COMMON_KEYS = ("platform", "uptime", "kernel_esp")
REQUIRED = {"strongswan": ("ip", "swanctl"), "libreswan": ("ip", "ipsec_conf",
                                                          "ipsec_secrets")}


def is_linux(spec: Any) -> bool:
    return isinstance(spec, dict) and spec.get("platform") in LINUX_PLATFORMS


def linux_router(name: str, spec: Any, line: int, ctx: Ctx, base_dir: Path | None
                 ) -> DeviceSpec:
    spec = mapping(spec, ctx, line, f"router '{name}'")
    platform = spec["platform"]
    sources = SOURCES[platform]
    allowed = COMMON_KEYS + sources + tuple(f"{s}_file" for s in sources)
    check_keys(spec, allowed, ctx, f"{platform} gateway '{name}'")
    read: dict[str, tuple[str, str, int]] = {}
    files: list[str] = []
    for key in sources:
        inline, from_file = key in spec, f"{key}_file" in spec
        if inline and from_file:
            raise ctx.error(f"gateway '{name}' has both '{key}' and '{key}_file'",
                            spec.key_line(f"{key}_file"))
        if inline:
            text, first = text_of(spec[key], ctx, spec.value_line(key), key)
            read[key] = (text, ctx.file, first - 1)
        elif from_file:
            rel, _ = text_of(spec[f"{key}_file"], ctx, spec.value_line(f"{key}_file"),
                             f"{key}_file")
            path, text = read_config_file(base_dir or Path("."), rel, file=ctx.file,
                                          line=spec.value_line(f"{key}_file"))
            read[key] = (text, str(path), 0)
            files.append(str(path))
        elif key in REQUIRED[platform]:
            raise ctx.error(f"{platform} gateway '{name}' needs '{key}' (or '{key}_file')",
                            spec.line)
    kernel_esp = spec.get("kernel_esp", True)
    if not isinstance(kernel_esp, bool):
        raise ctx.error("kernel_esp must be true or false", spec.value_line("kernel_esp"),
                        str(kernel_esp))
    from ikesim.linux.config import device_config, load_linux  # only for Linux gateways

    linux = load_linux(name, platform, kernel_ipsec=kernel_esp, **read)
    config = device_config(linux)
    uptime = parse_time(spec.get("uptime", 0), ctx, spec.value_line("uptime"), "uptime")
    device = DeviceSpec(name, "router", config, platform, uptime, line)
    device.linux = linux
    device.extra_files = files
    return device
