"""``ikesim explain SCENARIO``: per peer pair, how far main mode and quick mode got, the first
cause with its evidence, and the smallest repair — found by re-running the scenario with each
candidate and reported only when the re-run proves it (phase 1 and 2 up, pings answered)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ikesim.cli.common import EXIT_FAIL, guarded, json_default


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--json", "as_json", is_flag=True, help="Print the explanation as JSON.")
@click.option("--budget", type=click.IntRange(0, 100), default=8, show_default=True,
              help="Re-runs allowed per peer pair while searching a repair (0: no search).")
@guarded
def explain(scenario: Path, seed: int | None, as_json: bool, budget: int) -> None:
    """Explain why SCENARIO's tunnels fail and prove the smallest fix.

    Exit status 0 when every pair works (or a proven fix exists for each that does not),
    1 when a pair has a cause and no proven fix."""
    import dataclasses

    from ikesim.explain import explain as run_explain
    from ikesim.explain.render import outcome_block
    from ikesim.scenario.loader import load_scenario

    sc = load_scenario(scenario)
    if seed is not None:
        sc = dataclasses.replace(sc, seed=seed)
    explanation = run_explain(sc, search=budget > 0, budget=budget)
    if as_json:
        sys.stdout.write(json.dumps(explanation.as_json(), indent=2, sort_keys=True,
                                    default=json_default) + "\n")
    else:
        sys.stdout.write(outcome_block(explanation, full=True))
    if any(p.cause is not None and not p.cause.anomaly and p.fix is None
           for p in explanation.pairs):
        sys.exit(EXIT_FAIL)
