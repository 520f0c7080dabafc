"""Keeping the events an explanation needs while a streaming run forgets the rest.

``ikesim run`` streams (its event log keeps no history, so memory does not grow with simulated
time); the outcome block needs the IKE, drop, ESP and link records and the ping commands — not
the debug lines, which are most of a long run. The HTML report needs everything."""

from __future__ import annotations

from typing import Any

from ikesim.net.events import SimEvent


class EventKeeper:
    def __init__(self, everything: bool) -> None:
        self.everything = everything
        self.events: list[SimEvent] = []

    @classmethod
    def attach(cls, runtime: Any, *, everything: bool = False) -> EventKeeper:
        keeper = cls(everything)
        if runtime.events.keeps_history:
            keeper.events = runtime.events.events       # the log keeps them already
        else:
            runtime.events.subscribe(keeper)
        return keeper

    def __call__(self, event: SimEvent) -> None:
        if self.everything or event.kind not in ("console", "config") or (
                event.kind == "console" and "command" in event.fields):
            self.events.append(event)
