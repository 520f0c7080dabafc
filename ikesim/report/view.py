"""Geometry of the report's pictures, computed here so the templates only draw: the message
ladder (one arrow per ISAKMP datagram a router sent, ending in a cross where it was discarded)
and the SA timeline (per router, one bar per ISAKMP SA coloured by its state, one per IPsec
SA pair)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ikesim.explain.pairs import ike_event
from ikesim.net.events import SimEvent
from ikesim.report.inspect import Packet

LANE, ROW, TOP = 150, 26, 50
TIME_X0, TIME_W, BAR_H = 170, 720, 16


@dataclass
class Arrow:
    index: int                   # the packet it stands for (inspector entry)
    y: int
    x1: float
    x2: float
    label: str
    time: float
    fate: str                    # "delivered" | "dropped" | "unanswered"
    title: str


@dataclass
class Ladder:
    lifelines: list[tuple[str, float]]
    arrows: list[Arrow]
    width: int
    height: int


def ladder(packets: list[Packet], order: list[str]) -> Ladder:
    isakmp = [p for p in packets if p.kind == "ISAKMP"]
    involved: list[str] = []
    for p in isakmp:
        drop_at = p.fate.split(":")[0].removeprefix("discarded at ") \
            if p.fate.startswith("discarded at ") else ""
        for name in (p.sender, drop_at, p.receiver):
            if name and name not in involved:
                involved.append(name)
    ranked = sorted(involved, key=lambda n: (order.index(n) if n in order else len(order), n))
    xs = {name: 80 + i * LANE for i, name in enumerate(ranked)}
    arrows = []
    for row, p in enumerate(isakmp):
        y = TOP + 20 + row * ROW
        x1, x2 = xs[p.sender], xs[p.receiver]
        fate = "delivered" if p.fate.startswith("received") else \
            "dropped" if p.fate.startswith("discarded") else "unanswered"
        if fate == "dropped":
            where = p.fate.split(":")[0].removeprefix("discarded at ")
            x2 = xs.get(where, x2)
            if x2 == x1:                 # discarded by its own sender: a stub
                x2 = x1 + (30 if xs[p.receiver] >= x1 else -30)
        arrows.append(Arrow(p.index, y, x1, x2, p.label, p.time, fate,
                            f"{p.label} {p.sender} > {p.receiver} at {p.time:.3f}s: {p.fate}"))
    width = 80 + max(len(ranked) - 1, 0) * LANE + 120
    return Ladder([(n, xs[n]) for n in ranked], arrows, width, TOP + 40 + len(arrows) * ROW)


@dataclass
class Segment:
    x: float
    w: float
    state: str


@dataclass
class Bar:
    label: str
    segments: list[Segment] = field(default_factory=list)


@dataclass
class Lane:
    device: str
    bars: list[Bar]


def _x(t: float, end: float) -> float:
    return TIME_X0 + (t / end if end else 0) * TIME_W


def timeline(events: list[SimEvent], end: float) -> list[Lane]:
    """SA bars per router, from the IKE events (ikesim/ike/events.py)."""
    changes: dict[tuple[str, int], list[tuple[float, str]]] = {}
    labels: dict[tuple[str, int], str] = {}
    ipsec: dict[tuple[str, int], list[float]] = {}
    ipsec_label: dict[tuple[str, int], str] = {}
    for e in events:
        kind = ike_event(e)
        key = (e.device, int(e.fields.get("sa") or 0))
        if kind == "sa_created":
            labels[key] = f"ISAKMP SA {key[1]} ({e.fields.get('role')}) with {e.fields.get('peer')}"
            changes[key] = [(e.time, "MM_NO_STATE")]
        elif key in changes and kind == "tx" and int(e.fields.get("exchange") or 2) == 2:
            changes[key].append((e.time, str(e.fields.get("state"))))
        elif key in changes and kind == "phase1_complete":
            changes[key].append((e.time, "QM_IDLE"))
        elif key in changes and kind == "delete":
            changes[key].append((e.time, "deleted"))
        elif key in changes and kind == "purge":
            changes[key].append((e.time, "purged"))
        elif kind == "ipsec_sa_created" and e.fields.get("direction") == "inbound":
            spi = int(e.fields.get("spi") or 0)
            ipsec[(e.device, spi)] = [e.time, end]
            ipsec_label[(e.device, spi)] = f"IPsec SA in 0x{spi:08x} from {e.fields.get('src')}"
        elif kind == "ipsec_sa_expired":
            spi = int(e.fields.get("inbound_spi") or 0)
            if (e.device, spi) in ipsec:
                ipsec[(e.device, spi)][1] = e.time
    lanes: dict[str, list[Bar]] = {}
    for key, steps in changes.items():
        bar = Bar(labels[key])
        for (t, state), nxt in zip(steps, [*steps[1:], (end, "")], strict=True):
            if state == "purged":
                break
            bar.segments.append(Segment(_x(t, end), max(_x(nxt[0], end) - _x(t, end), 1.5),
                                        state))
        lanes.setdefault(key[0], []).append(bar)
    for key, (start, stop) in ipsec.items():
        lanes.setdefault(key[0], []).append(Bar(ipsec_label[key], [Segment(
            _x(start, end), max(_x(stop, end) - _x(start, end), 1.5), "IPSEC")]))
    return [Lane(device, bars) for device, bars in sorted(lanes.items())]


def ticks(end: float, count: int = 6) -> list[tuple[float, str]]:
    step = end / count if end else 1
    return [(_x(i * step, end), f"{i * step:.0f}s") for i in range(count + 1)]
