"""A Linux VPN gateway's configuration in its own syntax → :class:`LinuxConfig`.

    load_linux(name, "strongswan", ip=(text, file, offset), swanctl=(text, file, offset))
    load_linux(name, "libreswan", ip=…, ipsec_conf=…, ipsec_secrets=…)

Modules: :mod:`settings` (strongSwan's settings syntax), :mod:`swanctl` (swanctl.conf),
:mod:`ipsec_conf` (ipsec.conf and ipsec.secrets), :mod:`ip_commands` (``ip addr``/``ip route``),
:mod:`algorithms` (proposal strings), :mod:`model` (the data), :mod:`build` (to the network
model and the engine). Every problem is an :class:`~ikesim.errors.InputError` naming the file
(the scenario, or the configuration file it names) and the line.
"""

from __future__ import annotations

from ikesim.errors import InputError
from ikesim.linux.config.build import device_config, phase2_policies
from ikesim.linux.config.ip_commands import parse_ip_commands
from ikesim.linux.config.ipsec_conf import parse_ipsec_conf, parse_ipsec_secrets
from ikesim.linux.config.model import DAEMONS, LinuxConfig
from ikesim.linux.config.swanctl import parse_swanctl

Source = tuple[str, str, int]        # (text, file, line offset)

__all__ = ["DAEMONS", "LinuxConfig", "Source", "device_config", "load_linux",
           "phase2_policies"]


def load_linux(name: str, daemon: str, *, ip: Source | None = None,
               swanctl: Source | None = None, ipsec_conf: Source | None = None,
               ipsec_secrets: Source | None = None, kernel_ipsec: bool = True) -> LinuxConfig:
    if daemon not in DAEMONS:
        raise InputError(f"unknown Linux daemon {daemon!r}")
    cfg = LinuxConfig(hostname=name, daemon=daemon, kernel_ipsec=kernel_ipsec)
    if ip is not None:
        text, file, offset = ip
        parse_ip_commands(text, cfg, file=file, line_offset=offset)
    if daemon == "strongswan":
        if swanctl is None:
            raise InputError(f"{name}: a strongSwan gateway needs its swanctl.conf")
        text, cfg.file, offset = swanctl
        cfg.connections, cfg.secrets = parse_swanctl(text, file=cfg.file, line_offset=offset)
    else:
        if ipsec_conf is None:
            raise InputError(f"{name}: a libreswan gateway needs its ipsec.conf")
        text, cfg.file, offset = ipsec_conf
        cfg.connections, cfg.setup = parse_ipsec_conf(text, file=cfg.file, line_offset=offset)
        if ipsec_secrets is not None:
            text, file, offset = ipsec_secrets
            cfg.secrets = parse_ipsec_secrets(text, file=file, line_offset=offset)
        policy = cfg.setup.get("ikev1-policy", "drop")
        if cfg.connections and policy != "accept":
            # libreswan 4.10 ("global ikev1-policy does not allow IKEv1 connections", run D)
            raise InputError("global ikev1-policy does not allow IKEv1 connections (set "
                             "ikev1-policy=accept in config setup)", file=cfg.file,
                             line=cfg.connections[0].line)
    for conn in cfg.connections:
        if not any(conn.local_addrs[0] == a.address.ip for a in cfg.addresses):
            raise InputError(f"connection '{conn.name}': {conn.local_addrs[0]} is not an "
                             "address of this host (add it with 'ip addr add')",
                             file=cfg.file, line=conn.line)
    return cfg
