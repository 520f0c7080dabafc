"""The lab console: one running lab, the device whose console you are on, exec and configuration
modes, time control and ``save``. No terminal library here: ``handle`` takes a typed line and
output goes to ``write`` (one line at a time), so tests drive a session line by line and the
prompt_toolkit front end (``ikesim.console.app``) stays thin.

What the screen shows is the lab's transcript as it is produced (``debug`` lines, syslog,
commands scheduled by the scenario), minus the echo of what you typed yourself; console-only
messages start with ``[lab]``. Time stands still while you type unless the real-time clock runs
(``continue``); commands are played at the current simulated time through the runner's
``inject``, so ``save`` can write them as timed events that replay identically.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ikesim.console import timectl
from ikesim.console.configmode import ConfigMode
from ikesim.console.grammar import (
    LAB_COMMANDS,
    Completion,
    LineError,
    caret_lines,
    exec_completion,
    exec_error,
    keywords_at,
    match,
    word_starts,
)
from ikesim.console.save import session_text, write_session
from ikesim.console.timectl import seconds_text
from ikesim.errors import InputError
from ikesim.export.transcript import Block
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.model import EventSpec, Scenario
from ikesim.scenario.runner import Injection, Runtime

CONFIG_BANNER = "Enter configuration commands, one per line.  End with CNTL/Z."
# Lab commands that also work in configuration mode (none is a configuration keyword).
CONFIG_MODE_LAB = ("run", "step", "continue", "pause", "speed", "time", "devices", "save")


class LabSession:
    def __init__(self, scenario: Scenario, source: str, path: Path, *,
                 write: Callable[[str], None], device: str | None = None) -> None:
        self.scenario, self.source, self.path = scenario, source, path
        self.write = write
        self.runtime = Runtime(scenario)
        self.runtime.transcript.add_listener(self._show)
        routers = [d.name for d in scenario.routers]
        self.device = device or (routers[0] if routers else next(iter(scenario.devices)))
        if self.device not in scenario.devices:
            raise InputError(f"unknown device '{self.device}' (devices: {self.device_list()})")
        self.config: ConfigMode | None = None
        self.clock = timectl.Clock()
        self.closed = False
        self.interrupted = False          # set from a SIGINT handler while time runs
        self._mine: set[int] = set()      # ids of the events typed here

    # -- what the front end asks ---------------------------------------------------------------
    @property
    def now(self) -> float:
        return self.runtime.now

    @property
    def prompt(self) -> str:
        if self.config is not None:
            return f"{self.device}({self.config.prompt_mode})#"
        return f"{self.device}#"

    def device_list(self) -> str:
        return ", ".join(self.scenario.devices)

    def kind(self) -> str:
        return self.scenario.devices[self.device].kind

    def completion(self, text: str, *, for_help: bool = False) -> Completion:
        if self.config is not None:
            words = text.split()
            if words and words[0] in CONFIG_MODE_LAB:
                return exec_completion(text, kind="router", devices=[])
            if words and match(words[0], ("do",)) == "do" and (len(words) > 1 or
                                                                text.endswith(" ")):
                return exec_completion(text.split(None, 1)[1] if len(words) > 1 else "",
                                       kind=self.kind(), devices=[])
            return self.config.completion(text, for_help=for_help)
        return exec_completion(text, kind=self.kind(), devices=list(self.scenario.devices))

    def _say(self, *lines: str) -> None:
        for line in lines:
            self.write(line)

    def _error(self, error: LineError) -> None:
        self._say(*caret_lines(self.prompt, error))
        if error.message.startswith(("% Invalid", "% Incomplete")):
            self._say("")       # guess: IOS leaves a blank line after these two (from memory)

    # -- the transcript, as it is produced ---------------------------------------------------------
    def _show(self, block: Block) -> None:
        origin = self.runtime.origin()
        if origin is None or id(origin) not in self._mine or block.kind == "async":
            self._say(*block.lines)
        elif block.kind == "command":            # you saw your own line: show only its output
            echo = f"{block.device}#{origin.command}"
            start = block.lines.index(echo) + 1 if echo in block.lines else 0
            self._say(*block.lines[start:-1])

    # -- typed lines --------------------------------------------------------------------------------
    def handle(self, line: str) -> Injection | None:
        """Act on one typed line. Returns a command still running on the real-time clock (the
        front end waits for it), else None."""
        text = line.strip()
        if not text:
            return None
        words = text.split()
        try:
            if self.config is not None:
                return self._config_line(text, words)
            if words[0] in LAB_COMMANDS:
                return self._lab_command(words)
            if match(words[0], keywords_at(())) == "configure":
                self._enter_config(text)
                return None
            return self._exec(text)
        except InputError as exc:           # a lab command's bad argument
            self._say(f"% {exc.reason}")
            return None

    def _exec(self, text: str) -> Injection | None:
        error = exec_error(text, self.kind())
        if error is not None:
            self._error(error)
            return None
        self._flush_config()
        injection = self._inject(EventSpec(at=0.0, action="exec", device=self.device,
                                           command=text))
        if self.clock.running:
            return injection
        self.run_until_done(injection)
        return None

    def run_until_done(self, injection: Injection) -> None:
        """Let simulated time pass until a typed command has finished (at once, not paced)."""
        self._advance(self.now + timectl.COMMAND_LIMIT, stop=lambda: injection.done)
        if not injection.done:
            self._say(f"[lab] the command is still running at {seconds_text(self.now)}")

    def _inject(self, event: EventSpec) -> Injection:
        self._mine.add(id(event))
        return self.runtime.inject(event)

    # -- configuration mode ------------------------------------------------------------------------
    def _enter_config(self, text: str) -> None:
        words = text.split()
        if self.kind() != "router":
            self._say(f"% {self.device} is a host: it has no configuration mode")
            return
        if len(words) > 2 or (len(words) == 2 and match(words[1], ("terminal",)) is None):
            self._error(LineError("% Invalid input detected at '^' marker.",
                                  word_starts(text)[min(len(words) - 1, 2)]))
            return
        self.config = ConfigMode(self.runtime.devices[self.device].config)
        self._say(CONFIG_BANNER)

    def _config_line(self, text: str, words: list[str]) -> Injection | None:
        assert self.config is not None
        first = words[0].lower()
        if first in CONFIG_MODE_LAB:
            return self._lab_command(words)
        if first == "end" and len(words) == 1:
            self.leave_config()
            return None
        if first == "exit" and len(words) == 1 and self.config.header is None:
            self.leave_config()
            return None
        if match(first, ("do",)) == "do" and len(words) > 1:
            return self._exec(text.split(None, 1)[1])
        error = self.config.check(text) if first != "exit" else None
        if error is not None:
            self._error(error)
            return None
        self.config.accept(text)
        if self.clock.running:       # time flows: apply now, as IOS does line by line
            self._flush_config()
        return None

    def _flush_config(self) -> None:
        """Apply the configuration lines typed so far (one ``configure`` event)."""
        if self.config is None or not self.config.lines:
            return
        applied = self._inject(EventSpec(at=0.0, action="configure", device=self.device,
                                         lines=list(self.config.lines)))
        self.run_until_done(applied)          # the change takes effect now
        self.config.rebase(self.runtime.devices[self.device].config)

    def leave_config(self) -> None:
        """``end``, ``exit`` at the top or Ctrl-Z."""
        if self.config is not None:
            self._flush_config()
            self.config = None

    # -- lab commands ------------------------------------------------------------------------------
    def _lab_command(self, words: list[str]) -> Injection | None:
        command, args = words[0], words[1:]
        if command in ("exit", "quit"):
            self.close()
        elif command == "help":
            self._say(*timectl.HELP)
        elif command == "connect":
            self._connect(args)
        elif command == "devices":
            for name, spec in self.scenario.devices.items():
                platform = spec.platform if spec.kind == "router" else ""
                self._say(f"[lab] {name:<8} {spec.kind:<6} {platform}".rstrip())
        elif command == "time":
            self._say(f"[lab] {self.clock.describe(self.now, self.scenario.duration)}")
        elif command == "save":
            self._save(args)
        else:
            self._time_command(command, args)
        return None

    def _connect(self, args: list[str]) -> None:
        if len(args) != 1:
            raise InputError("connect needs a device name, e.g. connect RT1")
        if args[0] not in self.scenario.devices:
            raise InputError(f"unknown device '{args[0]}' (devices: {self.device_list()})")
        self.leave_config()
        self.device = args[0]

    def _time_command(self, command: str, args: list[str]) -> None:
        self._flush_config()
        if command in ("continue", "speed"):
            speed = timectl.parse_speed(args, required=command == "speed")
            if speed is not None:
                self.clock.speed = speed
            if command == "continue":
                self.clock.start(self.now)
            self._say(f"[lab] {self.clock.describe(self.now, self.scenario.duration)}")
            return
        if command == "pause":
            self.clock.stop()
            self._say(f"[lab] {self.clock.describe(self.now, self.scenario.duration)}")
            return
        self.clock.stop()
        if command == "step":
            self._step(timectl.parse_count(args))
        else:
            self._run(args)

    def _run(self, args: list[str]) -> None:
        goal = timectl.parse_run(args, now=self.now, duration=self.scenario.duration)
        if goal.state is None:
            self._advance(goal.time)
            self._say(f"[lab] {seconds_text(self.now)}")
            return
        engines = [d.crypto.engine for name, d in self.runtime.devices.items()
                   if d.crypto is not None and (name == self.device or self.kind() != "router")]

        def reached() -> bool:
            return any(r.state == goal.state and not r.deleted for e in engines
                       for r in e.sa_rows())

        if reached():
            self._say(f"[lab] {goal.state} already ({seconds_text(self.now)})")
        elif self._advance(goal.time, stop=reached):
            self._say(f"[lab] {goal.state} at {seconds_text(self.now)}")
        elif not self.interrupted_reported():
            self._say(f"[lab] no {goal.state} by {seconds_text(self.now)}")

    def _step(self, count: int) -> None:
        sent: list[str] = []
        hops = self.runtime.lab.packet_hops

        def tap(time: float, link: Any, packet: Any, sender: Any) -> None:
            sent.append(f"[lab] {seconds_text(time)}  {sender.device.name} {sender.name} -> "
                        f"{link.peer(sender).device.name}  {packet.summary()}")

        self.runtime.lab.taps.append(tap)
        try:
            goal = max(self.now, self.scenario.duration) + timectl.COMMAND_LIMIT
            found = self._advance(goal, stop=lambda: self.runtime.lab.packet_hops - hops >= count)
        finally:
            self.runtime.lab.taps.remove(tap)
        self._say(*sent)
        if not found and not self.interrupted_reported():
            self._say(f"[lab] no packet before {seconds_text(self.now)}")

    def interrupted_reported(self) -> bool:
        if self.interrupted:
            self.interrupted = False
            self._say(f"[lab] interrupted at {seconds_text(self.now)}")
            return True
        return False

    def _advance(self, until: float, stop: Callable[[], bool] | None = None) -> bool:
        """Simulated time up to ``until`` in slices, so that Ctrl-C stops between two."""
        while True:
            step = min(until, self.now + timectl.slice_for(until - self.now))
            if stop is not None and self.runtime.advance(step, stop=stop):
                return True
            if stop is None:
                self.runtime.advance(step)
            if self.now >= until or self.interrupted:
                return False

    def tick(self, wall: float) -> None:
        """The real-time clock's heartbeat (front end, every few tens of milliseconds)."""
        target = self.clock.target(wall)
        if target is None:
            return
        duration = self.scenario.duration
        if self.now < duration <= target:            # stop once at the end of the scenario
            self._advance(duration)
            self.clock.stop()
            self._say(f"[lab] the scenario's end ({seconds_text(duration)}): paused; continue or run "
                      "go on past it")
            return
        self._advance(max(target, self.now))

    # -- save / close -------------------------------------------------------------------------------
    def _save(self, args: list[str]) -> None:
        if len(args) != 1:
            raise InputError("save needs a file name, e.g. save fixed.yaml")
        self._flush_config()
        target = Path(args[0]).expanduser()
        if target.is_dir():
            raise InputError(f"cannot write {target}: it is a directory")
        events = list(self.runtime.injected)
        text = session_text(self.source, self.scenario, events, now=self.now, origin=self.path,
                            target=target)
        write_session(target, text)
        try:
            load_scenario(target)             # what ikesim run will read
        except InputError as exc:
            raise InputError(f"saved {target}, but it does not load: {exc}") from None
        self._say(f"[lab] saved {target}: {len(events)} event(s) at {seconds_text(self.now)}; "
                  f"ikesim run {target} replays this session")

    def close(self) -> None:
        self.leave_config()
        self.closed = True


def open_session(path: Path, *, write: Callable[[str], None],
                 device: str | None = None) -> LabSession:
    scenario = load_scenario(path)
    source = path.read_text(encoding="utf-8")
    if not math.isfinite(scenario.duration):
        raise InputError("the scenario's duration must be finite", file=str(path))
    return LabSession(scenario, source, path, write=write, device=device)
