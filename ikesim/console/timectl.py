"""Time control on the lab console: ``run 10s``, ``run until QM_IDLE|120s|end``, ``step``, and
the real-time clock of ``continue``/``pause``/``speed`` (simulated time follows the wall clock
at a chosen speed; the front end supplies the wall clock, so this module never reads one)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ikesim.console.grammar import LAB_COMMANDS, STOP_WORDS
from ikesim.errors import InputError
from ikesim.ike.sa import STATES
from ikesim.scenario.loader import parse_time_arg

COMMAND_LIMIT = 86400.0     # how long (simulated) a typed command or a step may take at most
CONDITION_LIMIT = 3600.0    # `run until STATE` past the scenario's end looks this far ahead
MAX_SPEED = 1e6

HELP = ["[lab] ? lists what can come next, Tab completes, arrows recall history; IOS "
        "commands run on the device you are connected to:"] + [
    f"[lab]   {name:<9} {text}" for name, text in LAB_COMMANDS.items()]


@dataclass(frozen=True, slots=True)
class Goal:
    time: float                   # run to this simulated time at most
    state: str | None = None      # ... or until an ISAKMP SA reaches this state


def _seconds(text: str) -> float:
    try:
        return parse_time_arg(text)
    except InputError:
        raise InputError(f"invalid time '{text}': use e.g. 10s, 500ms, 2m or 1h") from None


def parse_run(args: list[str], *, now: float, duration: float) -> Goal:
    usage = "run needs a time: run 10s, run until QM_IDLE, run until 120s, run until end"
    if len(args) == 1 and args[0] != "until":
        return Goal(now + _seconds(args[0]))
    if len(args) != 2 or args[0] != "until":
        raise InputError(usage)
    what = args[1]
    if what.upper() in STATES:
        return Goal(duration if now < duration else now + CONDITION_LIMIT, what.upper())
    if what.lower() == "end":
        if now >= duration:
            raise InputError(f"the scenario's end ({seconds_text(duration)}) has passed; "
                             "'run 10s' goes on")
        return Goal(duration)
    at = _seconds(what)
    if at < now:
        raise InputError(f"{seconds_text(at)} has passed (it is {seconds_text(now)})")
    return Goal(at)


def parse_speed(args: list[str], *, required: bool) -> float | None:
    if not args:
        if required:
            raise InputError("speed needs a number: simulated seconds per second, e.g. 10")
        return None
    text = args[0].lower().removesuffix("x")
    try:
        speed = float(text)
    except ValueError:
        speed = math.nan
    if len(args) > 1 or not (math.isfinite(speed) and 0 < speed <= MAX_SPEED):
        raise InputError(f"invalid speed '{' '.join(args)}': a number of simulated seconds "
                         f"per second, above 0 and at most {MAX_SPEED:g}")
    return speed


def parse_count(args: list[str]) -> int:
    if not args:
        return 1
    if len(args) > 1 or not args[0].isdigit() or not 1 <= int(args[0]) <= 10000:
        raise InputError(f"invalid count '{' '.join(args)}': step takes 1 to 10000 packets")
    return int(args[0])


def seconds_text(t: float) -> str:
    """A simulated time for [lab] messages: ``66 s``, ``61.021 s`` (microseconds at most)."""
    return f"{t:.6f}".rstrip("0").rstrip(".") + " s"


def slice_for(span: float) -> float:
    """How much simulated time to run between two checks for Ctrl-C."""
    return max(1.0, span / 1000)


class Clock:
    """Real time: simulated time = start + speed x wall seconds since ``start``."""

    def __init__(self) -> None:
        self.speed = 1.0
        self.running = False
        self._anchor: tuple[float, float] | None = None    # (wall, simulated) at the start
        self._from = 0.0

    def start(self, now: float) -> None:
        self.running, self._from, self._anchor = True, now, None

    def stop(self) -> None:
        self.running, self._anchor = False, None

    def target(self, wall: float) -> float | None:
        """The simulated time to reach at wall-clock time ``wall`` (None when paused)."""
        if not self.running:
            return None
        if self._anchor is None:
            self._anchor = (wall, self._from)
        start_wall, start_sim = self._anchor
        return start_sim + (wall - start_wall) * self.speed

    def describe(self, now: float, duration: float) -> str:
        state = f"running in real time at {self.speed:g}x" if self.running else "paused"
        end = f"the scenario ends at {seconds_text(duration)}" if now < duration else \
            f"past the scenario's end ({seconds_text(duration)})"
        return f"{seconds_text(now)}, {state} ({end})"


__all__ = ["COMMAND_LIMIT", "Clock", "Goal", "HELP", "STOP_WORDS", "parse_count",
           "parse_run", "parse_speed", "seconds_text", "slice_for"]
