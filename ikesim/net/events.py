"""The simulation's structured event stream (what ``ikesim run --json`` writes, one per line).

Every layer reports what happened as a :class:`SimEvent`: packets dropped (where and why), IKE
events, console output. Events are emitted in simulated-time order; ``seq`` breaks ties so
that the record is a total order and a run is reproducible byte for byte.

:class:`EventLog` is a stream with subscribers (the console, the JSON writer, expectations):
each subscriber sees every event once, in ``seq`` order — an event emitted by a subscriber
while another event is being delivered is queued and delivered right after it. Keeping the
whole history is opt-in (``keep=True``, for labs built by hand, tests and teaching pages);
long runs stream (``keep=False``) so memory does not grow with simulated time.

A subscriber may name the event kinds it wants (``subscribe(callback, kinds=...)``): it is then
not called at all for the others (the console's syslog hook only wants interface, OSPF and
tunnel events, not every IKE event). Per kind, the callbacks are resolved once (in
subscription order) and kept until the subscribers change.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class SimEvent:
    time: float            # simulated seconds since the start of the run
    seq: int               # position in the record (ties at equal times keep emission order)
    device: str            # hostname of the device concerned ("" for the lab itself)
    kind: str              # e.g. "drop", "link", "ike", "console", "config"
    fields: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"time": round(self.time, 6), "seq": self.seq, "device": self.device,
                "kind": self.kind, **self.fields}


Subscriber = Callable[[SimEvent], None]


class EventLog:
    """The event stream; ``events`` is the history when it is kept (``keep=True``)."""

    RESERVED = frozenset(("time", "seq", "device", "kind"))

    def __init__(self, keep: bool = True) -> None:
        self.count = 0                                  # events emitted so far (next seq)
        self._history: list[SimEvent] | None = [] if keep else None
        # (callback, the kinds it wants or None for every kind), in subscription order
        self._subscribers: list[tuple[Subscriber, frozenset[str] | None]] = []
        # kind -> the callbacks that want it, in subscription order; rebuilt lazily after a
        # change (bounded by the kinds emitted: names from the code, not from input)
        self._routes: dict[str, tuple[Subscriber, ...]] = {}
        self._pending: deque[SimEvent] = deque()
        self._delivering = False

    @property
    def keeps_history(self) -> bool:
        return self._history is not None

    @property
    def events(self) -> list[SimEvent]:
        """Every event so far, in order (only when the log keeps its history)."""
        if self._history is None:
            raise RuntimeError("this event log streams its events without keeping them "
                               "(EventLog(keep=False)); subscribe() to see them")
        return self._history

    def subscribe(self, callback: Subscriber, kinds: Iterable[str] | None = None) -> None:
        """Call ``callback`` with every event emitted from now on (or only those whose kind is
        in ``kinds``), in ``seq`` order."""
        self._subscribers.append((callback, None if kinds is None else frozenset(kinds)))
        self._routes = {}

    def unsubscribe(self, callback: Subscriber) -> None:
        for index, (subscribed, _kinds) in enumerate(self._subscribers):
            if subscribed == callback:
                del self._subscribers[index]
                self._routes = {}
                return
        raise ValueError(f"{callback!r} is not subscribed")

    def _route(self, kind: str) -> tuple[Subscriber, ...]:
        """The callbacks that want events of ``kind`` (memoised in ``_routes``)."""
        callbacks = self._routes[kind] = tuple(
            callback for callback, kinds in self._subscribers if kinds is None or kind in kinds)
        return callbacks

    def emit(self, time: float, device: str, kind: str, **fields: Any) -> SimEvent:
        return self.emit_record(time, device, kind, fields)

    def emit_record(self, time: float, device: str, kind: str,
                    fields: dict[str, Any]) -> SimEvent:
        """``emit`` with the fields as a dictionary the log may keep (the caller's own: it is
        not copied, so it must not be changed afterwards)."""
        if not self.RESERVED.isdisjoint(fields):
            # a field may not shadow the record's own keys in the JSON output
            clash = sorted(self.RESERVED.intersection(fields))
            raise ValueError(f"event field name(s) reserved: {clash}")
        event = SimEvent(time, self.count, device, kind, fields)
        self.count += 1
        if self._history is not None:
            self._history.append(event)
        if self._delivering:
            self._pending.append(event)      # delivered right after the current one
            return event
        callbacks = self._routes.get(kind)
        if callbacks is None:
            callbacks = self._route(kind)
        if not callbacks:                    # nobody listens to this kind (and none queued)
            return event
        self._delivering = True
        try:
            for callback in callbacks:
                callback(event)
            pending = self._pending
            while pending:
                queued = pending.popleft()
                # looked up again: a subscriber may have (un)subscribed meanwhile
                callbacks = self._routes.get(queued.kind)
                if callbacks is None:
                    callbacks = self._route(queued.kind)
                for callback in callbacks:
                    callback(queued)
        finally:
            self._delivering = False
            if self._pending:                # only when a subscriber raised mid-queue
                self._pending.clear()
        return event

    def of_kind(self, kind: str) -> list[SimEvent]:
        return [e for e in self.events if e.kind == kind]
