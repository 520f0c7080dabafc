"""Building a lab from a scenario and playing its events: the one place where the network
model, the IOS personality and the exports meet."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable, Generator
from dataclasses import dataclass
from fractions import Fraction
from heapq import heappush
from typing import TYPE_CHECKING, Any

import simpy
from simpy.events import NORMAL

from ikesim.errors import InputError
from ikesim.export.transcript import Transcript
from ikesim.ios.crypto import CryptoService
from ikesim.ios.device import IosDevice
from ikesim.ios.net_syslog import net_syslog
from ikesim.ios.reload import reload
from ikesim.net.events import EventLog, SimEvent
from ikesim.net.lab import Lab
from ikesim.scenario import playback
from ikesim.scenario.gcpolicy import heap_frozen
from ikesim.scenario.model import EventSpec, Scenario

if TYPE_CHECKING:
    # imported when a scenario has a strongSwan / libreswan gateway (start-up, issue 14)
    from ikesim.linux.device import LinuxDevice

# The event kinds that print a syslog line on a console (``Runtime._on_event``): link and line
# protocol changes, OSPF adjacencies, tunnel recursion.
SYSLOG_EVENT_KINDS = frozenset({"interface", "ospf", "tunnel"})


@dataclass
class RunResult:
    scenario: Scenario
    transcript: Transcript
    events: EventLog
    end_time: float

    def transcript_text(self) -> str:
        return self.transcript.text()


class Runtime:
    def __init__(self, scenario: Scenario, *, seed: int | None = None,
                 events: EventLog | None = None, transcript: Transcript | None = None,
                 realtime: bool = False) -> None:
        """``events``/``transcript``: streaming ones (``EventLog(keep=False)``, a transcript
        with a sink) for long runs; by default both keep everything until the end.
        ``realtime``: simulated seconds last real seconds (live peers, ``ikesim.live``)."""
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.events = events if events is not None else EventLog()
        env = simpy.RealtimeEnvironment(strict=False) if realtime else None
        self.lab = Lab(seed=self.seed, events=self.events, env=env)
        self.transcript = transcript if transcript is not None else Transcript()
        self.devices: dict[str, IosDevice | LinuxDevice] = {}
        for spec in scenario.devices.values():
            if spec.kind == "router":
                node = self.lab.add_router(spec.config, uptime=spec.uptime)
            else:
                node = self.lab.add_host(spec.config, uptime=spec.uptime)
            if spec.linux is not None:       # strongSwan / libreswan gateway
                from ikesim.linux.device import LinuxDevice

                self.devices[spec.name] = LinuxDevice(self, name=spec.name,
                                                      platform=spec.platform,
                                                      linux=spec.linux, config=spec.config,
                                                      node=node)
                self.transcript.set_prompt(spec.name, self.devices[spec.name].prompt)
                continue
            self.devices[spec.name] = IosDevice(self, name=spec.name, kind=spec.kind,
                                                 platform=spec.platform, config=spec.config,
                                                 node=node)
            self.devices[spec.name].clock_at_zero = spec.clock
            self.devices[spec.name].enrolled = spec.enrolled
        for link in scenario.links:
            self.lab.connect(link.a[0], link.a[1], link.b[0], link.b[1], delay=link.delay,
                             loss=link.loss, up=link.up, name=link.name)
        self._attach_crypto()
        self._if_state = {(d.name, i.name): (i.status, i.protocol)
                          for d in self.devices.values() for i in d.node.interfaces.values()}
        self.events.subscribe(self._on_event, kinds=SYSLOG_EVENT_KINDS)
        self._timeline = playback.schedule(self.lab.env, scenario.events, self._play)
        if self._timeline is None:       # where a timeline would reserve its ids (see inject)
            self.lab.env.process(self._mark())
        self._mark_base = 0
        self.injected: list[EventSpec] = []       # what a console played, for `save`
        self._origins: dict[simpy.Process, EventSpec] = {}
        self._fresh: float | None = None          # a time at which nothing has happened yet
        self._last_slot: tuple[float, Fraction] | None = None

    def _attach_crypto(self) -> None:
        for device in self.devices.values():
            if not isinstance(device, IosDevice):       # a LinuxDevice
                from ikesim.linux.daemon import IkeDaemon

                device.crypto = IkeDaemon(device, device.linux_config, seed=self.seed)
                self.lab.env.process(device.crypto.start())
            elif device.kind == "router":
                device.crypto = CryptoService(device, seed=self.seed)

    # -- events --------------------------------------------------------------------------------
    def _play(self, event: EventSpec) -> Generator[Any, Any, list[str] | None]:
        """One event; an exec event's process returns the command's output lines."""
        env = self.lab.env
        if event.at > env.now:
            yield env.timeout(event.at - env.now)
        if event.action == "exec":
            return (yield from self.devices[event.device].exec(event.command))
        if event.action == "configure":
            self.devices[event.device].configure(event.lines, file=self.scenario.file,
                                                 line_offset=event.first_line - 1)
        elif event.action == "link":
            self.lab.link(event.link).set_up(event.up)
        elif event.action == "initiate":
            device = self.devices[event.device]
            if device.crypto is not None:
                device.crypto.initiate_to(event.peer)
        elif event.action == "reload":
            yield from reload(self.devices[event.device], event.boot_delay)
        return None

    # -- console sinks (called by devices) -------------------------------------------------------
    def console_command(self, device: IosDevice, command: str, output: list[str],
                        started: float) -> None:
        self.transcript.command(device.name, command, output)
        self.events.emit_record(self.lab.env.now, device.name, "console",
                                {"command": command, "started": round(started, 6),
                                 "output": output})

    def console_async(self, device: IosDevice, lines: list[str]) -> None:
        self.transcript.asynchronous(device.name, lines)
        self.events.emit_record(self.lab.env.now, device.name, "console", {"lines": lines})

    def console_config(self, device: IosDevice, lines: list[str]) -> None:
        self.transcript.configure(device.name, lines)
        self.events.emit(self.lab.env.now, device.name, "config", lines=lines)

    def _on_event(self, event: SimEvent) -> None:
        """Interface state changes print IOS's syslog lines on the device's console (called
        only for the ``SYSLOG_EVENT_KINDS``)."""
        if event.kind in ("ospf", "tunnel") and event.device in self.devices:
            device = self.devices[event.device]
            if lines := net_syslog(event, device.dialect):   # %OSPF-5-ADJCHG, %TUN-5-RECURDOWN
                device.print_async(lines)
            return
        if event.kind != "interface" or event.device not in self.devices:
            return
        key = (event.device, event.fields["interface"])
        old_status, old_protocol = self._if_state.get(key, ("", ""))
        status, protocol = event.fields["status"], event.fields["protocol"]
        self._if_state[key] = (status, protocol)
        name = event.fields["interface"]
        lines: list[tuple[bool, str]] = []
        if status != old_status:
            tag = "%LINK-5-CHANGED" if "administratively" in (status, old_status) \
                else "%LINK-3-UPDOWN"
            lines.append((True, f"{tag}: Interface {name}, changed state to {status}"))
        if protocol != old_protocol:
            lines.append((True, f"%LINEPROTO-5-UPDOWN: Line protocol on Interface {name}, "
                                f"changed state to {protocol}"))
        if lines:
            self.devices[event.device].print_async(lines)

    # -- stepping (the lab console) -------------------------------------------------------------
    # Stopping anywhere never changes what happens: simpy orders its queue by (time, priority,
    # event id) and ``env.run(until=…)`` only adds its own marker. A console's event must also
    # happen exactly where the same event written in the scenario file would: scenario events
    # are fired by the playback timeline with event ids reserved at the start, in file order,
    # so the console's event is queued at a fresh instant (nothing has happened there yet) with
    # an id between the reserved ids of the scenario events at or before it and the next one
    # (a fraction), i.e. after the scenario's own events of that instant and before anything
    # else. When the current instant is no longer fresh (a command already ran in it, or a
    # condition stopped in the middle of it), the event is played at the next whole
    # microsecond (NUDGE).
    NUDGE = 1e-6

    @property
    def now(self) -> float:
        return float(self.lab.env.now)

    def _begin(self) -> None:
        self.lab.started = True           # interface state changes are events from now on

    def _mark(self) -> Generator[Any, Any, None]:
        self._mark_base = next(self.lab.env._eid)     # as Timeline.start reserves its block
        return
        yield  # a generator, so that simpy runs it as a process at the right moment

    def _next_microsecond(self) -> float:
        """The first whole microsecond after now (a time that reads well in a saved file)."""
        later = math.floor(self.now / self.NUDGE + 1) * self.NUDGE
        later = round(later, 6)
        return later if later > self.now else math.nextafter(self.now, math.inf)

    def _slot(self, time: float) -> Fraction:
        """The event id for a console event at ``time`` (see above)."""
        if self._timeline is not None:
            base = self._timeline.base
            before = bisect.bisect_right(self._timeline.events, time, key=lambda e: e.at)
        else:
            base, before = self._mark_base, 0
        low, high = Fraction(base + before - 1), Fraction(base + before)
        if self._last_slot is not None and self._last_slot[0] == time:
            low = max(low, self._last_slot[1])        # a second event at the same instant
        slot = (low + high) / 2
        self._last_slot = (time, slot)
        return slot

    def inject(self, event: EventSpec) -> Injection:
        """Play ``event`` now (a console's command or configuration) and record it for
        ``save``; its process starts when simulated time next runs."""
        self._begin()
        if self._fresh is None or self._fresh != self.now:
            self.advance(self._next_microsecond())
        env = self.lab.env
        event.at = self.now
        injection = Injection(event)
        trigger = simpy.Event(env)
        trigger._ok, trigger._value = True, None      # already triggered, like a Timeout
        trigger.callbacks.append(lambda _e: self._start(injection))
        heappush(env._queue, (event.at, NORMAL, self._slot(event.at), trigger))
        self.injected.append(event)
        return injection

    def _start(self, injection: Injection) -> None:
        process = self.lab.env.process(self._play(injection.event))
        self._origins[process] = injection.event
        process.callbacks.append(lambda _p: self._origins.pop(process, None))
        injection.process = process

    def origin(self) -> EventSpec | None:
        """The injected event whose process is running now (whose command printed this)."""
        active = self.lab.env.active_process
        return self._origins.get(active) if active is not None else None

    def advance(self, until: float, *, stop: Callable[[], bool] | None = None,
                progress: Callable[[float], None] | None = None) -> bool:
        """Run every simulation event before ``until`` (the instant ``until`` itself is left
        fresh). ``stop`` is checked after each event: when it becomes true, return True at
        once (in the middle of that instant). ``progress`` gets the time about 100 times."""
        self._begin()
        env = self.lab.env
        if until <= env.now:
            return bool(stop is not None and stop())
        if stop is not None:
            while env.peek() < until:
                env.step()
                self._fresh = None
                if stop():
                    return True
        elif progress is not None:
            chunk = (until - env.now) / 100
            while env.now + chunk < until:
                env.run(until=env.now + chunk)
                progress(env.now)
        env.run(until=until)
        self._fresh = until
        if progress is not None:
            progress(env.now)
        return False

    def finish(self, end: float) -> RunResult:
        for device in self.devices.values():      # a ping cut short by the end of the run
            if device.running is not None:
                command, started = device.running
                self.console_command(device, command, [
                    f"% still running when the simulation stopped at {end:g} s "
                    f"(started at {started:g} s)"], started)
        return RunResult(self.scenario, self.transcript, self.events, end)

    def run(self, until: float | None = None, *,
            progress: Callable[[float], None] | None = None) -> RunResult:
        end = self.scenario.duration if until is None else until
        if end <= 0 or not math.isfinite(end):
            raise InputError("the run must last a positive time", text=f"{end:g}")
        with heap_frozen():         # the built lab is skipped by collections during the run
            self.advance(end, progress=progress)
        return self.finish(end)


class Injection:
    """A console's event on its way: ``process`` once simulated time has reached it."""

    __slots__ = ("event", "process")

    def __init__(self, event: EventSpec) -> None:
        self.event = event
        self.process: simpy.Process | None = None

    @property
    def done(self) -> bool:
        return self.process is not None and not self.process.is_alive


def run_scenario(scenario: Scenario, *, seed: int | None = None,
                 until: float | None = None) -> RunResult:
    return Runtime(scenario, seed=seed).run(until)
