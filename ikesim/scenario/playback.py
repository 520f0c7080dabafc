"""Playing a scenario's timed events without one pending simpy process per event, so a long
run's memory does not grow with the number of scheduled events.

The order of everything in the simulation stays exactly what it was with one process per
event (the transcripts are byte-identical): simpy orders its queue by (time, priority, event
id), and a process per event would have queued its timeout, at the start of the run, with
consecutive event ids. :class:`Timeline` reserves that block of ids at the same moment and
queues each timeout with its reserved id only when the previous one fires — an event queued
later with the same key sorts exactly where it would have been.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Generator, Sequence
from heapq import heappush
from typing import Any

import simpy
from simpy.events import NORMAL

from ikesim.scenario.model import EventSpec

Play = Callable[[EventSpec], Generator[Any, Any, None]]


def schedule(env: simpy.Environment, events: Sequence[EventSpec], play: Play) -> Timeline | None:
    """Arrange for ``play(event)`` to run as a process at each event's time (``events`` sorted
    by time, as the loader gives them). Returns the timeline of the later events, if any (the
    runner places a console's events among its reserved ids)."""
    due = [e for e in events if e.at <= env.now]
    later = events[len(due):]
    for event in due:                   # what a process per event would have done at once
        env.process(play(event))
    if not later:
        return None
    timeline = Timeline(env, later, play)
    env.process(timeline.start())
    return timeline


class Timeline:
    def __init__(self, env: simpy.Environment, events: Sequence[EventSpec], play: Play) -> None:
        self.env, self.events, self.play = env, events, play
        self.base = 0           # the reserved event id of events[0]
        self.index = 0          # the next event to fire

    def start(self) -> Generator[Any, Any, None]:
        env = self.env
        # Reserve len(events) consecutive event ids (simpy's own counter, Environment._eid).
        self.base = next(env._eid)
        env._eid = itertools.count(self.base + len(self.events))
        self._queue(0)
        return
        yield  # a generator, so that simpy runs it as a process at the right moment

    def _queue(self, index: int) -> None:
        event = simpy.Event(self.env)
        event._ok, event._value = True, None       # a triggered event, like a Timeout
        event.callbacks.append(self._fire)
        heappush(self.env._queue, (self.events[index].at, NORMAL, self.base + index, event))

    def _fire(self, _event: simpy.Event) -> None:
        index = self.index
        self.index += 1
        if self.index < len(self.events):
            self._queue(self.index)
        self.env.process(self.play(self.events[index]))
