"""``ikesim explain``: why a scenario's tunnels fail, and the smallest repair a re-run proves.

``analyse`` explains one run from its events (no re-simulation: what ``ikesim run`` prints after
the transcript); ``explain`` runs the scenario, analyses it and searches each pair's repair.
"""

from __future__ import annotations

from ikesim.explain.analyse import analyse
from ikesim.explain.keep import run_kept
from ikesim.explain.model import Explanation
from ikesim.explain.prove import RUN_BUDGET, find_fix
from ikesim.net.events import SimEvent
from ikesim.scenario.model import Scenario


def explain(scenario: Scenario, *, events: list[SimEvent] | None = None, search: bool = True,
            budget: int = RUN_BUDGET, until: float | None = None) -> Explanation:
    """Explain ``scenario`` (run it unless its ``events`` are given) and, with ``search``,
    prove a repair for every pair that has a cause (each re-run lasts as long as the run:
    the scenario's duration, or ``until``)."""
    notes: list[str] = []
    if events is None:      # streamed: memory bounded whatever the scenario's duration
        keeper = run_kept(scenario, until=until)
        events, notes = keeper.events, keeper.notes()
    explanation = analyse(scenario, events)
    explanation.notes += notes
    if search:
        for report in explanation.pairs:
            if report.cause is not None:
                report.fix, report.tried = find_fix(scenario, report, report.cause, budget,
                                                    until)
                report.searched = True
    return explanation


__all__ = ["analyse", "explain", "Explanation"]
