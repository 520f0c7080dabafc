"""How far main mode and quick mode got between a pair, message by message (from the ladder of
:mod:`ikesim.teach.facts`: every datagram a router sent, paired with its receipt or its drop)."""

from __future__ import annotations

from collections import Counter

from ikesim.explain.model import Progress
from ikesim.explain.pairs import Pair, ike_event
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario
from ikesim.teach import facts

MM_ORDER = ("MM1", "MM2", "MM3", "MM4", "MM5", "MM6")
QM_ORDER = ("QM1", "QM2", "QM3")


def _messages(scenario: Scenario, events: list[SimEvent], pair: Pair,
              exchange: int) -> list[facts.Message]:
    ends = {pair.a, pair.b} | pair.a_addresses | pair.b_addresses
    return [m for m in facts.ladder(scenario, events, (exchange,))
            if m.sender in (pair.a, pair.b) and m.receiver in ends]


def _lines(messages: list[facts.Message], order: tuple[str, ...]) -> tuple[str, list[str]]:
    reached = ""
    lines = []
    for label in order:
        mine = [m for m in messages if m.label == label]
        if not mine:
            continue
        delivered = sum(m.fate == "delivered" for m in mine)
        if delivered:
            reached = label
        drops = Counter(f"{m.drop_device}: {m.drop_reason}" for m in mine if m.fate == "dropped")
        unanswered = sum(m.fate == "unanswered" for m in mine)
        text = (f"{label} {mine[0].sender} -> {mine[0].receiver}: {len(mine)} sent, "
                f"{delivered} received")
        details = [f"{n} discarded at {where}" for where, n in sorted(drops.items())]
        if unanswered:
            details.append(f"{unanswered} still on the way or unaccounted")
        lines.append(text + (f" ({'; '.join(details)})" if details else ""))
    return reached, lines


def _states(events: list[SimEvent], pair: Pair) -> dict[str, str]:
    """The last main-mode state each router showed for the pair (IOS names)."""
    states: dict[str, str] = {}
    for e in events:
        kind = ike_event(e)
        if kind in ("tx", "rx", "retransmit", "duplicate") and e.fields.get("state") \
                and int(e.fields.get("exchange", 2) or 2) == 2:
            states[e.device] = str(e.fields["state"])
        elif kind == "phase1_complete":
            states[e.device] = "QM_IDLE"
        elif kind == "delete":
            states[e.device] = f"deleted ({e.fields.get('reason')})"
    return {d: states[d] for d in (pair.a, pair.b) if d in states}


def main_mode(scenario: Scenario, events: list[SimEvent], pair: Pair) -> Progress:
    reached, lines = _lines(_messages(scenario, events, pair, facts.EXCH_MAIN), MM_ORDER)
    done = {e.device for e in events if ike_event(e) == "phase1_complete"}
    started = any(ike_event(e) == "sa_created" for e in events)
    if {pair.a, pair.b} <= done:
        outcome = "established"
    elif not started:
        outcome = "not attempted"
    else:
        outcome = "failed"
    return Progress(reached, outcome, lines, _states(events, pair))


def quick_mode(scenario: Scenario, events: list[SimEvent], pair: Pair) -> Progress:
    reached, lines = _lines(_messages(scenario, events, pair, facts.EXCH_QUICK), QM_ORDER)
    done = {e.device for e in events if ike_event(e) == "qm_complete"}
    requested = any(ike_event(e) == "ipsec_sa_request" for e in events)
    began = any(ike_event(e) == "qm_begin" for e in events)
    if {pair.a, pair.b} <= done:
        outcome = "established"
    elif began:
        outcome = "failed"
    elif requested:
        outcome = "not reached (IPsec SAs requested, phase 1 never completed)"
    else:
        outcome = "not attempted"
    esp: Counter[tuple[str, object]] = Counter()
    for e in events:
        if e.kind == "esp":     # "count": a long run's stand-in for elided records (keep.py)
            esp[(e.device, e.fields.get("direction"))] += int(e.fields.get("count", 1))
    for device in (pair.a, pair.b):
        if esp[(device, "out")] or esp[(device, "in")]:
            lines.append(f"ESP at {device}: {esp[(device, 'out')]} sent, "
                         f"{esp[(device, 'in')]} received")
    states = {d: "IPsec SAs installed" for d in (pair.a, pair.b) if d in done}
    return Progress(reached, outcome, lines, states)


def requested_phase2(events: list[SimEvent]) -> bool:
    return any(ike_event(e) == "ipsec_sa_request" for e in events)
