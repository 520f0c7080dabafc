"""One sweep run: the scenario with some parameter values and a seed, reduced to one row.

Row columns (after the parameters and ``seed``):

- ``outcome``: ``"ipsec"`` (a quick mode completed), ``"phase1"`` (main mode reached QM_IDLE but
  no IPsec SA), ``"failed"`` (no ISAKMP SA reached QM_IDLE).
- ``time_to_qm_idle``: seconds from the first ISAKMP SA created in the run to the first one to
  reach QM_IDLE (NaN when none did); ``time_to_ipsec`` likewise to the first quick mode done.
- ``retransmissions``: ISAKMP messages sent again (``tx`` events marked as retransmissions).
- ``drops``: packets dropped anywhere (every ``drop`` event); ``loss_drops``: those lost on a link.

A run is a pure function of (scenario text, parameter values, seed): the lab's randomness is
seeded from the seed alone, so a row never depends on where or when it ran.
"""

from __future__ import annotations

import copy
import functools
import math
from typing import Any

from ikesim.export.transcript import Transcript
from ikesim.net.events import EventLog, SimEvent
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.model import Scenario
from ikesim.scenario.runner import Runtime
from ikesim.sweep.params import apply

OUTCOMES = ("ipsec", "phase1", "failed")
METRICS = ("outcome", "time_to_qm_idle", "time_to_ipsec", "retransmissions", "drops",
           "loss_drops")


@functools.lru_cache(maxsize=4)
def _parsed(text: str, file: str) -> Scenario:
    """Each worker parses a scenario once, however many runs it is given."""
    return parse_scenario(text, file=file)


class _Metrics:
    """The row's figures, gathered from the event stream as the run goes (nothing kept)."""

    def __init__(self) -> None:
        self.first_sa = self.first_idle = self.first_ipsec = math.inf
        self.retransmissions = self.drops = self.loss_drops = 0

    def __call__(self, event: SimEvent) -> None:
        if event.kind == "drop":
            self.drops += 1
            self.loss_drops += event.fields.get("reason") == "loss"
        elif event.kind == "ike":
            kind = event.fields["event"]
            if kind == "sa_created":
                self.first_sa = min(self.first_sa, event.time)
            elif kind == "phase1_complete":
                self.first_idle = min(self.first_idle, event.time)
            elif kind == "qm_complete":
                self.first_ipsec = min(self.first_ipsec, event.time)
            elif kind == "tx" and event.fields.get("retransmission"):
                self.retransmissions += 1

    def row(self) -> dict[str, Any]:
        outcome = "ipsec" if self.first_ipsec < math.inf else "phase1" \
            if self.first_idle < math.inf else "failed"
        return {"outcome": outcome,
                "time_to_qm_idle": _since(self.first_sa, self.first_idle),
                "time_to_ipsec": _since(self.first_sa, self.first_ipsec),
                "retransmissions": self.retransmissions, "drops": self.drops,
                "loss_drops": self.loss_drops}


def run_one(text: str, file: str, values: dict[str, Any], seed: int) -> dict[str, Any]:
    scenario = copy.deepcopy(_parsed(text, file))
    apply(scenario, values)
    metrics = _Metrics()
    events = EventLog(keep=False)
    events.subscribe(metrics)
    Runtime(scenario, seed=seed, events=events, transcript=Transcript(sink=_discard)).run()
    return {**values, "seed": seed, **metrics.row()}


def _discard(*_: Any) -> None:
    """A sweep reads the event stream only: console text is not kept."""


def _since(start: float, end: float) -> float:
    return round(end - start, 6) if end < math.inf else math.nan


def run_batch(text: str, file: str,
              batch: list[tuple[int, dict[str, Any], int]]) -> list[tuple[int, dict[str, Any]]]:
    """Several runs in one task (``(index, values, seed)`` each), so that scheduling costs
    are paid per batch rather than per run; rows come back with their index."""
    return [(index, run_one(text, file, values, seed)) for index, values, seed in batch]
