"""Proving a repair: apply it to a copy of the scenario, run the copy, and keep the repair only
when the pair then works — phase 1 and phase 2 up, the pings that cross the tunnel answered, and
no cause left (no failure, no anomaly). The search is breadth-first by size: every candidate of
the first cause, smallest first; a candidate that works only halfway (say a host route that
brings IKE up, after which the replies to the pings have no route) is extended with the
candidates of the cause its own re-run shows. A budget bounds the number of re-runs."""

from __future__ import annotations

import dataclasses

from ikesim.errors import IkesimError
from ikesim.explain.analyse import analyse_pair
from ikesim.explain.keep import run_kept
from ikesim.explain.model import (
    Attempt,
    Cause,
    ConfigChange,
    LinkChange,
    PairReport,
    Repair,
    Verdict,
)
from ikesim.explain.pairs import find_pairs
from ikesim.explain.repairs import candidates
from ikesim.ios.config import apply_config_lines
from ikesim.scenario.model import Scenario

RUN_BUDGET = 8          # re-runs per pair
MAX_SIZE = 8            # configuration lines in one repair


def apply_repair(scenario: Scenario, repair: Repair) -> Scenario:
    """A copy of ``scenario`` with the repair made (IkesimError: the lines do not parse)."""
    devices = dict(scenario.devices)
    links = list(scenario.links)
    events = list(scenario.events)
    for change in repair.changes:
        if isinstance(change, ConfigChange):
            spec = devices[change.device]
            config = apply_config_lines(spec.config, list(change.lines),
                                        file=f"repair on {change.device}")
            devices[change.device] = dataclasses.replace(spec, config=config)
        elif isinstance(change, LinkChange):
            if change.no_loss:
                links = [dataclasses.replace(lk, loss=0.0) if lk.name == change.link else lk
                         for lk in links]
            if change.stays_up:
                links = [dataclasses.replace(lk, up=True) if lk.name == change.link else lk
                         for lk in links]
                events = [e for e in events if not (e.action == "link"
                                                    and e.link == change.link)]
    return dataclasses.replace(scenario, devices=devices, links=links, events=events)


def verify(scenario: Scenario, a: str, b: str, repair: Repair,
           until: float | None = None) -> tuple[Verdict, Scenario | None]:
    try:
        fixed = apply_repair(scenario, repair)
    except IkesimError as exc:
        return Verdict("-", "-", [], None, False, f"not applicable: {exc}"), None
    events = run_kept(fixed, until=until).events
    pair = next((p for p in find_pairs(fixed) if (p.a, p.b) == (a, b)), None)
    if pair is None:
        return Verdict("-", "-", [], None, False, f"{a} and {b} are no longer peers"), fixed
    report = analyse_pair(fixed, pair, events)
    proven = report.status == "healthy" and report.main_mode.outcome == "established"
    return Verdict(report.main_mode.outcome, report.quick_mode.outcome, report.pings,
                   report.cause, proven), fixed


def find_fix(scenario: Scenario, report: PairReport, cause: Cause,
             budget: int = RUN_BUDGET,
             until: float | None = None) -> tuple[Attempt | None, list[Attempt]]:
    """The smallest repair a re-run proves, and every attempt on the way."""
    frontier: list[Repair] = candidates(scenario, cause)
    tried: list[Attempt] = []
    seen: set[tuple[object, ...]] = set()
    while frontier and len(tried) < budget:
        frontier.sort(key=lambda r: r.size)            # stable: generator order among equals
        repair = frontier.pop(0)
        if repair.changes in seen:
            continue
        seen.add(repair.changes)
        verdict, fixed = verify(scenario, report.a, report.b, repair, until)
        attempt = Attempt(repair, verdict)
        tried.append(attempt)
        if verdict.proven:
            return attempt, tried
        follow = verdict.cause
        if fixed is not None and follow is not None and follow.summary != cause.summary:
            for more in candidates(fixed, follow):
                combined = repair.plus(more)
                if combined.size <= MAX_SIZE:
                    frontier.append(combined)
    return None, tried
