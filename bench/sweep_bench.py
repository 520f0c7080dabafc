"""Parallel efficiency of ``ikesim sweep`` on a local Dask cluster (issue 14): the seed lab with
link loss swept over 10 values × 100 seeds, on 1, 2 and 4 single-threaded worker processes.

efficiency(k) = T(1) / (k × T(k)); target ≥ 0.8 at k = 4. The cluster is started and every
worker has imported ikesim before the clock starts (a warm-up sweep), so the figure is the
sweep itself. Also checked: the table is the same whatever the number of workers.

On a machine with C cores, k > C workers share cores: efficiency(k) ≤ C / k however good the
scaling is (0.5 at k = 4 on 2 cores). ``cores`` is printed with the figures for that reason.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

from ikesim.sweep import Sweep, run_sweep
from ikesim.sweep.cluster import dask_client
from ikesim.sweep.params import parse_param
from ikesim.sweep.runs import run_one

SEED_LAB = Path(__file__).resolve().parents[1] / "scenarios" / "missing-return-route.yaml"


def _normal(rows: list[dict]) -> list[tuple]:
    return [tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in r.values())
            for r in rows]


def _warm_up(text: str, file: str) -> None:
    """Imports, the parsed scenario cache and one run, on a worker."""
    run_one(text, file, {}, 0)


def run(values: int = 10, seeds: int = 100, workers: tuple[int, ...] = (1, 2, 4)) -> dict:
    loss = parse_param(f"link.loss=0..{0.05 * (values - 1):.2f}:0.05")
    job = Sweep(SEED_LAB.read_text(), str(SEED_LAB), [loss], range(seeds))
    figures: dict[str, float | int | str] = {"runs": values * seeds,
                                             "cores": os.cpu_count() or 1}
    times: dict[int, float] = {}
    tables = []
    for k in workers:
        with dask_client(None, k) as client:
            client.run(_warm_up, job.text, job.file)   # every worker, before the clock
            start = time.perf_counter()
            tables.append(_normal(run_sweep(job, client=client)))
            times[k] = time.perf_counter() - start
        figures[f"wall_s {k} worker(s)"] = round(times[k], 3)
        figures[f"efficiency {k} worker(s)"] = round(times[workers[0]] / (k * times[k]), 3)
    figures["same table for every worker count"] = str(all(t == tables[0] for t in tables))
    figures["target"] = "efficiency >= 0.8 at 4 workers (<= cores/4 on this machine)"
    return figures
