"""One console runs one exec command at a time: the lock a device's commands take.

It is simpy's ``Resource(capacity=1)`` reduced to what a console needs, scheduling exactly as
that resource does, so a lab runs event for event as it did with it:

- a request is an event, succeeded (scheduled) at once when the console is free, else queued
  in arrival order; the command's process resumes when that event is processed;
- releasing frees the console at once and schedules a release event; the first queued
  request is granted when that event is processed, or earlier if a new request arrives in
  between (a new request first grants the queue, in order, as simpy's ``_trigger_put`` does);
- a request abandoned before it was granted (its process interrupted or closed) leaves the
  queue; a process closed by the garbage collector (``GeneratorExit``) does not release.

What it saves per command is simpy's bookkeeping around those two events (put and get
queues, the resource's bound methods, the ``Release`` event class), and the step of a release
event that has nobody to grant.
"""

from __future__ import annotations

from collections import deque
from types import TracebackType

import simpy


class ConsoleTurn:
    """``with lock.request() as turn: yield turn`` — the turn (a simpy event) and its release."""

    __slots__ = ("lock", "event")

    def __init__(self, lock: ConsoleLock, event: simpy.Event) -> None:
        self.lock, self.event = lock, event

    def __enter__(self) -> simpy.Event:
        return self.event

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        lock = self.lock
        event = self.event
        if not event.triggered:                 # abandoned while queued
            lock.waiting.remove(event)
        if exc_type is not GeneratorExit:
            lock.release(event)


class ConsoleLock:
    __slots__ = ("env", "holder", "waiting")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self.holder: simpy.Event | None = None           # the granted request, if any
        self.waiting: deque[simpy.Event] = deque()       # requests not yet granted, in order

    def request(self) -> ConsoleTurn:
        event = self.env.event()
        self.waiting.append(event)
        self._grant()
        return ConsoleTurn(self, event)

    def release(self, event: simpy.Event) -> None:
        if self.holder is event:
            self.holder = None
        if not self.waiting and self.holder is None:
            # Nobody queued: the release event would grant nobody when processed (a request
            # made meanwhile finds the console free and is granted at once, and its turn is
            # processed after that event), so only its event id is taken — every later
            # event keeps its place in simpy's (time, priority, id) order, one step saved.
            next(self.env._eid)
            return
        done = self.env.event()
        done.callbacks.append(self._granted_on_release)
        done.succeed()

    def _granted_on_release(self, _event: simpy.Event) -> None:
        self._grant()

    def _grant(self) -> None:
        if self.holder is None and self.waiting:
            self.holder = self.waiting.popleft()
            self.holder.succeed()
