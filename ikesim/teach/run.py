"""A catalogue scenario and the record of one run of it, with the facts a teaching page needs.

The IPsec peers are whatever the scenario's crypto maps say (:func:`ikesim.explain.pairs.
find_pairs`): any topology and any device names, one or several pairs (a hub and its spokes).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from ikesim.explain.pairs import Pair, find_pairs
from ikesim.net.events import SimEvent
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.model import Scenario
from ikesim.scenario.runner import run_scenario
from ikesim.teach import facts


@dataclass
class Run:
    """A catalogue scenario and the record of one run of it."""

    path: Path
    scenario: Scenario
    events: list[SimEvent]
    raw: dict[str, Any]

    @property
    def name(self) -> str:
        return self.path.stem

    @property
    def teach(self) -> dict[str, str]:
        return self.scenario.teach

    @cached_property
    def pairs(self) -> list[Pair]:
        """The IPsec peer pairs whose two ends are devices of the lab."""
        return [p for p in find_pairs(self.scenario) if p.is_device_pair]

    @cached_property
    def peers(self) -> tuple[str, ...]:
        """The routers that run IPsec with a peer of the lab, pair by pair."""
        return tuple(dict.fromkeys(name for p in self.pairs for name in (p.a, p.b)))

    @cached_property
    def phase1s(self) -> list[tuple[Pair, facts.Phase1]]:
        return [(p, facts.phase1(self.scenario, self.events, p.a, p.b)) for p in self.pairs]

    @cached_property
    def phase2s(self) -> list[tuple[Pair, facts.Phase2]]:
        return [(p, facts.phase2(self.scenario, self.events, p.a, p.b)) for p in self.pairs]

    @property
    def p1(self) -> facts.Phase1:
        """Phase 1 of the first pair (a lab of two peers has one)."""
        return self.phase1s[0][1] if self.phase1s else facts.Phase1("failed", "not-attempted",
                                                                     {})
    @property
    def p2(self) -> facts.Phase2:
        return self.phase2s[0][1] if self.phase2s else facts.Phase2(
            "failed", "not-attempted", {}, {}, {})

    @property
    def healthy(self) -> bool:
        """A reference lab: it teaches, but has nothing to fix (no fixed variant, no fix)."""
        return bool(self.teach) and "fixed_variant" not in self.teach and "fix" not in self.teach

    @cached_property
    def phase2_lab(self) -> bool:
        """A lab about phase 2: phase 1 comes up everywhere, then quick mode fails or a tunnel
        carries nothing across (ESP sent, none received) — or a healthy reference lab."""
        if not self.phase1s or any(p1.outcome != "established" for _, p1 in self.phase1s):
            return False
        for _, p2 in self.phase2s:
            no_esp_across = sum(p2.esp_sent.values()) > 0 and sum(p2.esp_received.values()) == 0
            if p2.outcome == "failed" or no_esp_across:
                return True
        return self.healthy

    @property
    def exchanges(self) -> tuple[int, ...]:
        """The exchange types its ladder shows."""
        if self.phase2_lab:
            return (facts.EXCH_MAIN, facts.EXCH_AGGR, facts.EXCH_QUICK, facts.EXCH_INFO)
        return (facts.EXCH_MAIN, facts.EXCH_AGGR, facts.EXCH_INFO)


def run_one(path: Path) -> Run:
    scenario = load_scenario(path)
    result = run_scenario(scenario)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Run(path, scenario, result.events.events, raw)


def run_catalogue(folder: Path) -> dict[str, Run]:
    """Load and run every scenario of ``folder`` (sorted by file name)."""
    return {path.stem: run_one(path) for path in sorted(folder.glob("*.yaml"))}


def t(seconds: float) -> str:
    return f"{seconds:.3f}s"


def rel(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.as_posix()
