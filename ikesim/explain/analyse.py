"""One run, explained pair by pair: how far the exchanges got, whether the tunnel works, and the
first cause — the earliest failure, or for a working tunnel the earliest anomaly (a lost message
the retransmissions covered, a weaker policy, a shortened lifetime)."""

from __future__ import annotations

from ikesim.explain import auth, ike, natdpd, network
from ikesim.explain.model import Cause, Explanation, PairReport
from ikesim.explain.pairs import Pair, find_pairs, pair_events, pings
from ikesim.explain.progress import main_mode, quick_mode, requested_phase2
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario

# At equal times the more specific cause wins (a missing key before the refusal it causes).
RANK = {"no-psk": 0, "certificate": 0, "no-certificate": 0, "aggressive-disabled": 0,
        "psk-mismatch": 1, "isakmp-policy": 2, "proxy-ids": 3, "pfs": 3,
        "transform-set": 3, "wrong-peer": 4, "interface-shutdown": 4, **natdpd.RANK}


def first_cause(scenario: Scenario, pair: Pair, events: list[SimEvent],
                working: bool) -> Cause | None:
    # a reload is the scenario's doing: what it explains is no cause (ikesim.explain.natdpd)
    drops = natdpd.unexplained(pair, events, network.drop_causes(scenario, pair, events))
    if working:
        for c in drops:         # the tunnel works: what was lost was recovered
            c.anomaly = True
        found = drops + ike.anomalies(scenario, pair, events) + \
            auth.anomalies(scenario, pair, events)
    else:
        found = drops + ike.ike_causes(scenario, pair, events) + \
            auth.causes(scenario, pair, events) + natdpd.causes(scenario, pair, events)
    if not found:
        return None
    return min(found, key=lambda c: (c.time, RANK.get(c.kind, 9)))


def analyse_pair(scenario: Scenario, pair: Pair, events: list[SimEvent]) -> PairReport:
    scoped = pair_events(pair, events)
    mm = main_mode(scenario, scoped, pair)
    qm = quick_mode(scenario, scoped, pair)
    crossing = pings(scenario, events, pair)
    needs_phase2 = requested_phase2(scoped) or bool(crossing)
    attempted = mm.outcome != "not attempted" or bool(crossing)
    last_ping = {p.device: p for p in crossing}          # recovered by the end of the run?
    working = (mm.outcome == "established"
               and (qm.outcome == "established" or not needs_phase2)
               and all(p.ok for p in last_ping.values()))
    report = PairReport(pair.a, pair.b, pair.a_address, pair.b_address,
                        "healthy" if working else "failed", mm, qm, [str(p) for p in crossing])
    if not attempted and not any(e.kind == "drop" for e in scoped):
        report.status = "idle"
        return report
    report.cause = first_cause(scenario, pair, scoped, working)
    if working and report.cause is not None:
        report.status = "degraded"
    return report


def analyse(scenario: Scenario, events: list[SimEvent]) -> Explanation:
    """Every pair of the scenario, from one run's events (no re-simulation)."""
    pairs = find_pairs(scenario)
    notes = [] if pairs else ["no router has a crypto map entry with a peer: there is no "
                              "IPsec peer pair to explain"]
    return Explanation(scenario.name, [analyse_pair(scenario, p, events) for p in pairs], notes)
