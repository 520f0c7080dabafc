"""The console lock (ikesim/ios/console_lock.py) schedules exactly as the simpy
``Resource(capacity=1)`` it replaces: same grants, same order, at the same instants, with
processes interrupted while they wait or while they hold the console."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import Any

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.ios.console_lock import ConsoleLock

# a command: (start time, hold time, interrupt after (None: never))
_commands = st.lists(st.tuples(st.integers(0, 5), st.integers(0, 3),
                               st.one_of(st.none(), st.integers(0, 6))),
                     min_size=1, max_size=8)


def _trace(make_lock: Callable[[simpy.Environment], Any], commands: list) -> list[tuple]:
    env = simpy.Environment()
    lock = make_lock(env)
    trace: list[tuple] = []

    def command(n: int, start: int, hold: int) -> Generator[Any, Any, None]:
        try:
            yield env.timeout(start)
            with lock.request() as turn:
                yield turn
                trace.append((env.now, n, "granted"))
                yield env.timeout(hold)
                trace.append((env.now, n, "done"))
        except simpy.Interrupt:
            trace.append((env.now, n, "interrupted"))

    def observer() -> Generator[Any, Any, None]:
        # something else happening at every instant: shows where in an instant grants land
        for _ in range(12):
            trace.append((env.now, -1, "tick"))
            yield env.timeout(0.5)

    def interrupter(process: simpy.Process, at: int) -> Generator[Any, Any, None]:
        yield env.timeout(at)
        if process.is_alive:
            process.interrupt()

    env.process(observer())
    for n, (start, hold, interrupt_at) in enumerate(commands):
        process = env.process(command(n, start, hold))
        if interrupt_at is not None:
            env.process(interrupter(process, interrupt_at))
    env.run()
    return trace


@settings(max_examples=200, deadline=None)
@given(_commands)
def test_console_lock_schedules_as_a_simpy_resource_of_capacity_one(commands: list) -> None:
    want = _trace(lambda env: simpy.Resource(env, capacity=1), commands)
    got = _trace(ConsoleLock, commands)
    assert got == want


def test_commands_queue_in_arrival_order_and_the_console_is_free_again() -> None:
    env = simpy.Environment()
    lock = ConsoleLock(env)
    order: list[str] = []

    def command(name: str, hold: float) -> Generator[Any, Any, None]:
        with lock.request() as turn:
            yield turn
            order.append(f"{name}@{env.now}")
            yield env.timeout(hold)

    for name, hold in (("a", 2), ("b", 1), ("c", 0)):
        env.process(command(name, hold))
    env.run()
    assert order == ["a@0", "b@2", "c@3"]
    assert lock.holder is None and not lock.waiting
