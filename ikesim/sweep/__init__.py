"""Parameter sweeps on Dask: a scenario run for every combination of parameter values × seeds,
one row per run (``ikesim.sweep.runs``), written to Parquet and plotted (``.report``).

    from ikesim.sweep import Sweep, run_sweep
    rows = run_sweep(Sweep(text, file, params, seeds=range(200)), scheduler=None, workers=4)

Rows come back ordered by (parameter combination, seed) whatever the cluster did, so the table
is the same with 1 or 40 workers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ikesim.sweep.cluster import Progress, batched, dask_client, map_batches, worker_count
from ikesim.sweep.params import Param, grid
from ikesim.sweep.runs import run_batch

__all__ = ["Sweep", "run_sweep"]


@dataclass(frozen=True)
class Sweep:
    text: str                       # the scenario file's text (travels to the workers)
    file: str                       # its name, for error messages
    params: list[Param]
    seeds: Sequence[int]

    def runs(self) -> list[tuple[int, dict[str, Any], int]]:
        """(index, parameter values, seed) for every run, in table order."""
        return [(i, values, seed) for i, (values, seed) in enumerate(
            (values, seed) for values in grid(self.params) for seed in self.seeds)]


def run_sweep(sweep: Sweep, *, scheduler: str | None = None, workers: int | None = None,
              progress: Progress | None = None, client: Any = None) -> list[dict[str, Any]]:
    """Every run of ``sweep`` on Dask (``client``, else the scheduler at ``scheduler``, else a
    local cluster of ``workers`` processes); the rows in table order."""
    runs = sweep.runs()
    if client is None:
        with dask_client(scheduler, workers) as own:
            return run_sweep(sweep, progress=progress, client=own)
    batches = batched(runs, worker_count(client))
    indexed = map_batches(client, run_batch, batches, sweep.text, sweep.file,
                          progress=progress)
    return [row for _, row in sorted(indexed, key=lambda item: item[0])]
