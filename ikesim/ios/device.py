"""The IOS personality of one lab device: console, debug switches, exec commands, configuration
changes and (on routers) the ISAKMP service. The network node underneath is ``ikesim.net``'s."""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, Protocol

import simpy

from ikesim.ike.profiles import IOS_PLATFORMS, PROFILES
from ikesim.ios.commands import run_exec
from ikesim.ios.config import apply_config_lines
from ikesim.ios.console_lock import ConsoleLock
from ikesim.ios.exec_parse import parse_exec
from ikesim.ios.log import dialect as log_dialect
from ikesim.ios.uptime import stamp as format_stamp
from ikesim.net.config import DeviceConfig

# Scenario platforms and the ikesim.ios.log dialect each prints (ike/profiles.py holds the rest
# of what differs between them).
DIALECTS: dict[str, str] = {name: PROFILES[name].dialect for name in IOS_PLATFORMS}


# How long after a command starts its console counts as "still at the start instant".
_INSTANT = 1e-9


class ConsoleHost(Protocol):
    """What a device needs from whoever runs the lab (the scenario runner, the interactive
    console): the lab, and sinks for what the device's console shows. Defined here so that
    devices never import the layers that drive them."""

    lab: Any

    def console_command(self, device: Any, command: str, output: list[str],
                        started: float) -> None: ...

    def console_async(self, device: Any, lines: list[str]) -> None: ...

    def console_config(self, device: Any, lines: list[str]) -> None: ...


class IosDevice:
    def __init__(self, runtime: ConsoleHost, *, name: str, kind: str, platform: str,
                 config: DeviceConfig, node: Any) -> None:
        self.runtime = runtime
        self.name = name
        self.kind = kind
        self.platform = platform
        self.dialect = DIALECTS[platform]
        self.config = config
        self.node = node
        self.debug: set[str] = set()
        # the lab's clock (the runner builds its lab, and with it the environment, once)
        self.env: simpy.Environment = runtime.lab.env
        self.console_lock = ConsoleLock(self.env)
        self.crypto: Any = None          # ikesim.ios.crypto.CryptoService on routers
        # the router's calendar at t = 0 and when its certificates were issued (None: the lab's
        # defaults, ikesim.ios.pki_lab); set from the scenario before crypto starts
        self.clock_at_zero: Any = None
        self.enrolled: Any = None
        self.running: tuple[str, float] | None = None   # command in progress and its start
        self.powered_off = False         # reloading (ikesim.ios.reload): the console is silent
        # Lines printed while a command runs at the instant it started: on a console they come
        # after the command's echo (e.g. `clear crypto isakmp` and its debug lines).
        self._held: list[str] = []
        self._stamp_memo: tuple[float, Any, tuple[str, str], tuple[str, str]] | None = None

    @property
    def lab(self) -> Any:
        return self.runtime.lab

    def stamp(self, kind: str = "debug") -> str:
        """The timestamp before a debug (``kind`` "debug") or syslog ("log") line, in the style
        of ``service timestamps debug|log …`` or, when unset, the platform's default."""
        return format_stamp(self._style(kind), self.node.uptime(self.env.now))

    def _style(self, kind: str) -> str:
        style = None
        configured = getattr(self.config, "timestamps", None)   # parsed by net/config.py
        if isinstance(configured, dict):
            style = configured.get(kind)
        if not isinstance(style, str) or not style:
            style = log_dialect(self.dialect).stamp
        return style

    def _stamps(self, now: float) -> tuple[str, str]:
        """The debug and log line leads (timestamp, colon, blank) at ``now``: the styles
        resolved once per configuration object (``configure`` replaces it, never edits it in
        place), the texts formatted once per simulated instant (a message and its events print
        many lines at one instant)."""
        uptime = self.node.uptime(now)
        config = self.config
        memo = self._stamp_memo
        if memo is not None and memo[1] is config:
            if memo[0] == uptime:
                return memo[3]
            styles = memo[2]
        else:
            styles = (self._style("debug"), self._style("log"))
        debug = format_stamp(styles[0], uptime) + ": "
        log = debug if styles[1] == styles[0] else format_stamp(styles[1], uptime) + ": "
        self._stamp_memo = (uptime, config, styles, (debug, log))
        return debug, log

    # -- console -----------------------------------------------------------------------------
    def exec(self, command: str) -> Generator[Any, Any, list[str]]:
        """Run one exec command on this console (commands on one console run one at a time)."""
        with self.console_lock.request() as turn:
            yield turn
            started = self.env.now
            self.running = (command, started)
            output = yield from run_exec(self, parse_exec(command))
            self.running = None
            self.runtime.console_command(self, command, output, started)
            self._release_held()
        return output

    def print_async(self, stamped_lines: list[tuple[bool, str]]) -> None:
        """Debug/syslog lines: stamped ones get the timestamp prefix (``%`` syslog messages
        the ``service timestamps log`` one)."""
        if self.powered_off:
            return
        env = self.env
        now = env.now
        debug, log = self._stamps(now)
        lines = [(log if text.startswith("%") else debug) + text if stamped else text
                 for stamped, text in stamped_lines]
        running = self.running
        if running is not None and running[1] == now:
            # A command typed at this instant prints first (e.g. `clear crypto isakmp` and the
            # deletions it causes). If it is still running a moment later (a ping), the lines
            # are released then, in time order with the other consoles' lines.
            if not self._held:
                env.process(self._release_if_still_running(running))
            self._held.extend(lines)
            return
        if self._held:
            self._release_held()
        self.runtime.console_async(self, lines)

    def _release_if_still_running(self, running: tuple[str, float]) -> Generator[Any, Any, None]:
        yield self.env.timeout(_INSTANT)
        if self.running == running:
            self._release_held()

    def _release_held(self) -> None:
        if self._held:
            held, self._held = self._held, []
            self.runtime.console_async(self, held)

    # -- configuration ------------------------------------------------------------------------
    def configure(self, lines: list[str], *, file: str | None, line_offset: int) -> None:
        self.config = apply_config_lines(self.config, lines, file=file, line_offset=line_offset)
        self.node.reconfigure(self.config)
        if self.crypto is not None:
            self.crypto.reconfigure(self.config)
        self.runtime.console_config(self, lines)
