"""The ISAKMP engine's timers for one router, on at most one pending simpy event.

The engine arms and cancels timers by key (``Output.timers``/``Output.cancels``); most are
cancelled long before they are due (a retransmission timer per message sent). Here they live in
one heap of ``(due, sequence, key)`` with the live sequence number per key: cancelling or
re-arming a key only changes the map, and the stale heap entry is skipped when reached (or
dropped when stale entries outnumber live ones). A single simpy ``Timeout`` wakes the service at
the earliest due time; nothing is left queued in simpy per cancelled timer.

Timers due at the same instant fire in the order they were armed, as the one-process-per-timer
design before it did.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Hashable
from typing import Any

import simpy


class TimerHeap:
    __slots__ = ("_env", "_fire", "_heap", "_live", "_seq", "_wake", "_wake_at")

    def __init__(self, env: simpy.Environment, fire: Callable[[Hashable], None]) -> None:
        self._env = env
        self._fire = fire                   # called with the key of each timer that expires
        self._heap: list[tuple[float, int, Hashable]] = []
        self._live: dict[Hashable, int] = {}  # key -> sequence number of its live entry
        self._seq = 0
        self._wake: Any = None              # the pending simpy Timeout, if any
        self._wake_at = math.inf

    def __len__(self) -> int:
        """Timers armed and not yet expired or cancelled."""
        return len(self._live)

    def arm(self, key: Hashable, due: float) -> None:
        """Arm (or re-arm) ``key`` to expire at the absolute time ``due``."""
        self._seq += 1
        self._live[key] = self._seq
        heapq.heappush(self._heap, (due, self._seq, key))
        if due < self._wake_at:
            self._schedule(due)
        elif len(self._heap) > 2 * len(self._live) + 64:
            self._compact()

    def cancel(self, key: Hashable) -> None:
        self._live.pop(key, None)

    def _compact(self) -> None:
        live = self._live
        self._heap = [item for item in self._heap if live.get(item[2]) == item[1]]
        heapq.heapify(self._heap)

    def _schedule(self, due: float) -> None:
        wake = self._env.timeout(max(0.0, due - self._env.now))
        wake.callbacks.append(self._on_wake)
        self._wake, self._wake_at = wake, due

    def _on_wake(self, event: Any) -> None:
        if event is not self._wake:
            return          # superseded by an earlier wake-up
        limit, last = self._wake_at, self._seq
        self._wake, self._wake_at = None, math.inf
        heap, live = self._heap, self._live
        # Timers armed while these fire (even for this instant) wait for the next wake-up.
        later: list[tuple[float, int, Hashable]] = []
        while heap and heap[0][0] <= limit:
            item = heapq.heappop(heap)
            _, seq, key = item
            if seq > last:
                later.append(item)
            elif live.get(key) == seq:
                del live[key]
                self._fire(key)
        for item in later:
            heapq.heappush(heap, item)
        while heap and live.get(heap[0][2]) != heap[0][1]:
            heapq.heappop(heap)         # stale entries at the top cost no wake-up
        if heap and heap[0][0] < self._wake_at:
            self._schedule(heap[0][0])
