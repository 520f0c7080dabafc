"""A tiny deterministic driver for engines wired back to back (tests, demos, fuzzing).

No simpy and no sockets: a heap of (time, seq) items — datagram deliveries after ``delay`` and
engine timers — processed in order. ``drop`` decides per datagram whether the "link" loses it.
The lab proper uses ``ikesim.net``; this exists so the protocol can be exercised alone.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.events import IkeEvent
from ikesim.ike.sa import Datagram, Output


@dataclass(frozen=True, slots=True)
class Logged:
    time: float
    device: int            # the engine's address in the loopback
    event: IkeEvent

    @property
    def kind(self) -> str:
        return self.event.kind


@dataclass
class Loopback:
    engines: dict[int, IsakmpEngine]
    delay: float = 0.001
    drop: Callable[[float, Datagram], bool] | None = None
    # a NAT on the "link": rewrites a datagram's addresses/ports (None: the NAT drops it)
    translate: Callable[[float, Datagram], Datagram | None] | None = None
    now: float = 0.0
    log: list[Logged] = field(default_factory=list)
    delivered: list[tuple[float, Datagram]] = field(default_factory=list)
    dropped: list[tuple[float, Datagram]] = field(default_factory=list)
    _queue: list[tuple[float, int, str, int, Any]] = field(default_factory=list)
    _deadlines: dict[tuple[int, Hashable], float] = field(default_factory=dict)
    _seq: int = 0

    def _push(self, when: float, kind: str, addr: int, item: Any) -> None:
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, kind, addr, item))

    def apply(self, addr: int, out: Output) -> Output:
        for ev in out.events:
            self.log.append(Logged(self.now, addr, ev))
        for key in out.cancels:
            self._deadlines.pop((addr, key), None)
        for key, when in out.timers.items():
            self._deadlines[(addr, key)] = when
            self._push(when, "timer", addr, (key, when))
        for sent in out.sends:
            d = sent if self.translate is None else self.translate(self.now, sent)
            if d is None:
                self.dropped.append((self.now, sent))
                continue
            if d.dst not in self.engines or (self.drop is not None and self.drop(self.now, d)):
                self.dropped.append((self.now, d))
            else:
                self._push(self.now + self.delay, "dgram", d.dst, d)
        return out

    def initiate(self, addr: int, peer: int) -> Output:
        return self.apply(addr, self.engines[addr].initiate(self.now, addr, peer))

    def request_ipsec(self, addr: int, policy: Any, proxy: Any) -> Output:
        """Interesting traffic at ``addr`` for ``proxy`` (see IsakmpEngine.request_ipsec)."""
        return self.apply(addr, self.engines[addr].request_ipsec(self.now, addr, policy, proxy))

    def clear(self, addr: int, conn_id: int | None = None) -> Output:
        return self.apply(addr, self.engines[addr].clear(self.now, conn_id))

    def clear_ipsec(self, addr: int, peer: int | None = None) -> Output:
        return self.apply(addr, self.engines[addr].clear_ipsec(self.now, peer))

    def inject(self, when: float, d: Datagram) -> None:
        """Deliver ``d`` at ``when`` regardless of ``drop``."""
        self._push(when, "dgram", d.dst, d)

    def run(self, until: float) -> None:
        while self._queue and self._queue[0][0] <= until:
            when, _, kind, addr, item = heapq.heappop(self._queue)
            self.now = when
            engine = self.engines[addr]
            if kind == "timer":
                key, deadline = item
                if self._deadlines.get((addr, key)) != deadline:
                    continue                      # cancelled or replaced
                del self._deadlines[(addr, key)]
                self.apply(addr, engine.timer_expired(when, key))
            else:
                d: Datagram = item
                self.delivered.append((when, d))
                self.apply(addr, engine.receive(when, d.data, d.src, d.sport, d.dst, d.dport))
        self.now = max(self.now, until)

    def events(self, addr: int, *kinds: str) -> list[Logged]:
        return [x for x in self.log if x.device == addr and (not kinds or x.kind in kinds)]
