"""The Linux personality of one lab device (a strongSwan or libreswan gateway): its shell,
its daemon's log as a console can follow it, and runtime changes made with ``ip``. The
network node underneath is ``ikesim.net``'s router (forwarding only with
``net.ipv4.ip_forward=1``, no proxy ARP, TTL 64, as a Linux host)."""

from __future__ import annotations

from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import simpy

from ikesim.errors import InputError
from ikesim.linux.commands import run_command
from ikesim.linux.config import LinuxConfig, device_config
from ikesim.linux.config.ip_commands import parse_ip_commands
from ikesim.net.config import DeviceConfig

# The lab's wall clock for log timestamps (deterministic; Linux logs carry dates).
CLOCK_BASE = datetime(2026, 1, 1, 0, 0, 0)


class LinuxDevice:
    kind = "router"
    dialect = "12.2"        # for the runner's IOS syslog helpers: a Linux console shows none

    def __init__(self, runtime: Any, *, name: str, platform: str, linux: LinuxConfig,
                 config: DeviceConfig, node: Any) -> None:
        self.runtime = runtime
        self.name = name
        self.platform = self.daemon = platform
        self.linux_config = linux
        self.config = config
        self.node = node
        self.debug: set[str] = set()
        self.console_lock = simpy.Resource(runtime.lab.env, capacity=1)
        self.crypto: Any = None            # ikesim.linux.daemon.IkeDaemon
        self.running: tuple[str, float] | None = None
        self.prompt = f"root@{name}:~# "
        self.following = False
        self.apply_kernel(config)

    @property
    def lab(self) -> Any:
        return self.runtime.lab

    @property
    def env(self) -> simpy.Environment:
        return self.runtime.lab.env

    @property
    def daemon_service(self) -> Any:
        return self.crypto

    def apply_kernel(self, config: DeviceConfig) -> None:
        """Linux host behaviour of the node: forwarding per sysctl, no proxy ARP, TTL 64."""
        self.node.forwards = self.linux_config.forwarding
        self.node.proxy_arp = False
        self.node.default_ttl = 64

    # -- console ------------------------------------------------------------------------------
    def exec(self, command: str) -> Generator[Any, Any, list[str]]:
        with self.console_lock.request() as turn:
            yield turn
            started = self.env.now
            self.running = (command, started)
            output = yield from run_command(self, command)
            self.running = None
            self.runtime.console_command(self, command, output, started)
        return output

    def print_async(self, stamped_lines: list[tuple[bool, str]]) -> None:
        """IOS syslog lines (link changes, ``%CRYPTO`` drops) are not a Linux console's: the
        kernel logs to dmesg, the daemon to its log file."""

    def follow_log(self) -> None:
        """``swanctl --log`` / ``tail -f``: the daemon's lines print on this console from now
        on, with the log file's timestamps."""
        if self.following or self.crypto is None:
            return
        self.following = True
        self.crypto.listeners.append(self._print_log)

    def _print_log(self, lines: list[str]) -> None:
        stamp = CLOCK_BASE + timedelta(seconds=self.node.uptime(self.env.now))
        if self.daemon == "strongswan":
            prefix = stamp.strftime("%Y-%m-%d %H:%M:%S.") + f"{stamp.microsecond // 1000:03d} "
        else:
            prefix = stamp.strftime("%b %d %H:%M:%S.%f: ")
        self.runtime.console_async(self, [prefix + line for line in lines])

    def configure(self, lines: list[str], *, file: str | None, line_offset: int) -> None:
        raise InputError("configure events apply to IOS routers; on a Linux gateway use "
                         "exec: ip route add …", file=file, line=line_offset + 1)

    # -- ip commands at runtime ----------------------------------------------------------------
    def shell_ip(self, line: str) -> list[str]:
        try:
            parse_ip_commands(line, self.linux_config, file="<shell>")
            config = device_config(self.linux_config)
        except InputError as exc:
            return [exc.reason]
        config.crypto = self.config.crypto
        self.config = config
        self.node.reconfigure(config)
        self.apply_kernel(config)
        return []
