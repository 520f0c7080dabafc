"""``ikesim check --dask``: the scenario files of a catalogue checked on a Dask cluster (a local
one, or the scheduler given) instead of a local process pool; same outcomes, same order."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from ikesim.check import Outcome, run_one
from ikesim.sweep.cluster import Progress, batched, dask_client, map_batches, worker_count


def _check_batch(batch: list[str]) -> list[Outcome]:
    return [run_one(file) for file in batch]


def check_on_dask(files: list[Path], *, scheduler: str | None, workers: int | None,
                  progress: Progress | None = None) -> list[Outcome]:
    """``ikesim.check.run_one`` for every file on Dask, in the order of ``files``. Workers get
    absolute paths (they must see the same files: a shared file system on a real cluster);
    outcomes name the files as given."""
    given = [str(f) for f in files]
    absolute = [str(Path(f).resolve()) for f in files]
    with dask_client(scheduler, workers) as client:
        batches = batched(absolute, worker_count(client), per_worker=2, largest=20)
        outcomes = map_batches(client, _check_batch, batches, progress=progress)
    return [dataclasses.replace(o, file=name) for o, name in zip(outcomes, given, strict=True)]
