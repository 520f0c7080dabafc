"""Building a lab from a scenario and playing its events: the one place where the network
model, the IOS personality and the exports meet."""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from ikesim.errors import InputError
from ikesim.export.transcript import Transcript
from ikesim.ios.crypto import CryptoService
from ikesim.ios.device import IosDevice
from ikesim.ios.net_syslog import net_syslog
from ikesim.net.events import EventLog, SimEvent
from ikesim.net.lab import Lab
from ikesim.scenario import playback
from ikesim.scenario.model import EventSpec, Scenario


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
                 events: EventLog | None = None, transcript: Transcript | None = None) -> None:
        """``events``/``transcript``: streaming ones (``EventLog(keep=False)``, a transcript
        with a sink) for long runs; by default both keep everything until the end."""
        self.scenario = scenario
        self.seed = scenario.seed if seed is None else seed
        self.events = events if events is not None else EventLog()
        self.lab = Lab(seed=self.seed, events=self.events)
        self.transcript = transcript if transcript is not None else Transcript()
        self.devices: dict[str, IosDevice] = {}
        for spec in scenario.devices.values():
            if spec.kind == "router":
                node = self.lab.add_router(spec.config, uptime=spec.uptime)
            else:
                node = self.lab.add_host(spec.config, uptime=spec.uptime)
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
        self.events.subscribe(self._on_event)
        playback.schedule(self.lab.env, scenario.events, self._play)

    def _attach_crypto(self) -> None:
        for device in self.devices.values():
            if device.kind == "router":
                device.crypto = CryptoService(device, seed=self.seed)

    # -- events --------------------------------------------------------------------------------
    def _play(self, event: EventSpec) -> Generator[Any, Any, None]:
        env = self.lab.env
        if event.at > env.now:
            yield env.timeout(event.at - env.now)
        if event.action == "exec":
            yield from self.devices[event.device].exec(event.command)
        elif event.action == "configure":
            self.devices[event.device].configure(event.lines, file=self.scenario.file,
                                                 line_offset=event.first_line - 1)
        elif event.action == "link":
            self.lab.link(event.link).set_up(event.up)
        elif event.action == "initiate":
            device = self.devices[event.device]
            if device.crypto is not None:
                device.crypto.initiate_to(event.peer)

    # -- console sinks (called by devices) -------------------------------------------------------
    def console_command(self, device: IosDevice, command: str, output: list[str],
                        started: float) -> None:
        self.transcript.command(device.name, command, output)
        self.events.emit(self.lab.env.now, device.name, "console", command=command,
                         started=round(started, 6), output=output)

    def console_async(self, device: IosDevice, lines: list[str]) -> None:
        self.transcript.asynchronous(device.name, lines)
        self.events.emit(self.lab.env.now, device.name, "console", lines=lines)

    def console_config(self, device: IosDevice, lines: list[str]) -> None:
        self.transcript.configure(device.name, lines)
        self.events.emit(self.lab.env.now, device.name, "config", lines=lines)

    def _on_event(self, event: SimEvent) -> None:
        """Interface state changes print IOS's syslog lines on the device's console."""
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

    def run(self, until: float | None = None) -> RunResult:
        end = self.scenario.duration if until is None else until
        if end <= 0:
            raise InputError("the run must last a positive time", text=f"{end:g}")
        self.lab.run(until=end)
        for device in self.devices.values():      # a ping cut short by the end of the run
            if device.running is not None:
                command, started = device.running
                self.console_command(device, command, [
                    f"% still running when the simulation stopped at {end:g} s "
                    f"(started at {started:g} s)"], started)
        return RunResult(self.scenario, self.transcript, self.events, end)


def run_scenario(scenario: Scenario, *, seed: int | None = None,
                 until: float | None = None) -> RunResult:
    return Runtime(scenario, seed=seed).run(until)
