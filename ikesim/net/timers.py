"""A restartable one-shot timer on the simulated clock (protocol timers: OSPF hello, dead,
wait, retransmission). Restarting or cancelling bumps a generation counter, so a stale simpy
timeout that fires later does nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy


class Timer:
    __slots__ = ("env", "callback", "deadline", "_generation")

    def __init__(self, env: simpy.Environment, callback: Callable[[], None]) -> None:
        self.env = env
        self.callback = callback
        self.deadline: float | None = None
        self._generation = 0

    def start(self, delay: float) -> None:
        self._generation += 1
        generation = self._generation
        self.deadline = self.env.now + delay
        event = self.env.timeout(delay)
        event.callbacks.append(lambda _event: self._fire(generation))

    def cancel(self) -> None:
        self._generation += 1
        self.deadline = None

    @property
    def active(self) -> bool:
        return self.deadline is not None

    def remaining(self) -> float:
        return 0.0 if self.deadline is None else max(0.0, self.deadline - self.env.now)

    def _fire(self, generation: int) -> None:
        if generation == self._generation:
            self.deadline = None
            self.callback()
