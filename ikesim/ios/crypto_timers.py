"""The ISAKMP engine's timers for one router, as bare simpy timeouts.

The engine arms and cancels timers by key (``Output.timers``/``Output.cancels``); most are
cancelled long before they are due (a retransmission timer per message sent). Each armed timer
is one simpy ``Timeout`` created when it is armed — so it fires at the very float time the
engine asked for, computed from the instant it was armed, and timers due at the same instant
fire in the order they were armed. Cancelling or re-arming a key empties the old timeout's
callbacks: no process, generator or closure stays behind, only the bare event in simpy's queue
until its due time, which then costs one no-op step. A live timeout's one callback is
``partial(EngineTimers._expired, key)``.

(A single heap with one wake-up per router was tried first: a wake-up scheduled from a later
instant cannot always land on the same float as ``armed_at + delay``, and byte-identical runs
matter more than the last queued events.)
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from functools import partial
from typing import Any

import simpy


class EngineTimers:
    __slots__ = ("_env", "_fire", "_live", "_due")

    def __init__(self, env: simpy.Environment, fire: Callable[[Hashable], None]) -> None:
        self._env = env
        self._fire = fire                       # called with the key of each timer that expires
        self._live: dict[Hashable, Any] = {}    # key -> the timeout that will fire it
        self._due: dict[Hashable, float] = {}   # key -> when it fires (for status displays)

    def __len__(self) -> int:
        """Timers armed and not yet expired or cancelled."""
        return len(self._live)

    def arm(self, key: Hashable, due: float) -> None:
        """Arm (or re-arm) ``key`` to expire at the absolute time ``due``."""
        env = self._env
        now = env.now
        old = self._live.get(key)
        if old is not None:                  # re-armed: the old timeout fires nothing
            old.callbacks.clear()
        delay = due - now
        if delay < 0.0:
            delay, due = 0.0, now
        timeout = env.timeout(delay)
        # the timeout's one callback: a partial, not a closure or a process (see the docstring)
        timeout.callbacks.append(partial(self._expired, key))
        self._live[key] = timeout
        self._due[key] = due

    def due(self, key: Hashable) -> float | None:
        """When ``key`` fires, or None when it is not armed."""
        return self._due.get(key) if key in self._live else None

    def cancel(self, key: Hashable) -> None:
        timeout = self._live.pop(key, None)
        if timeout is not None:
            timeout.callbacks.clear()
            del self._due[key]

    def clear(self) -> None:
        """Cancel every timer (the router reloads)."""
        for key in list(self._live):
            self.cancel(key)

    def _expired(self, key: Hashable, event: Any) -> None:
        if self._live.get(key) is event:
            del self._live[key]
            del self._due[key]
            self._fire(key)
