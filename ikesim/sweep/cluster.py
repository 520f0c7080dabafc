"""Running many independent tasks on Dask (``dask.distributed``): a local cluster of worker
processes by default, or the scheduler at ``scheduler`` (``tcp://HOST:PORT``) for a real one.

Workers need ikesim installed; scenario *text* travels with each sweep task, so a remote worker
needs no shared files (``ikesim check --dask`` sends file paths: its workers need the files).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from ikesim.errors import InputError

Progress = Callable[[int], None]      # called with the number of items just finished


@contextmanager
def dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A connected ``dask.distributed.Client``: to ``scheduler``, or to a new local cluster of
    ``workers`` single-threaded processes (default: one per CPU), closed on exit."""
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout="10s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client
        return
    count = workers or os.cpu_count() or 1
    with LocalCluster(n_workers=count, threads_per_worker=1, processes=True,
                      dashboard_address=None, silence_logs=logging.ERROR) as cluster, \
            Client(cluster) as client:
        yield client


def worker_count(client: Any) -> int:
    return max(1, len(client.scheduler_info(n_workers=-1).get("workers", {})))


def map_batches(client: Any, function: Callable[..., list[Any]], batches: Sequence[list[Any]],
                *args: Any, progress: Progress | None = None) -> list[Any]:
    """``function(*args, batch)`` for every batch on the cluster; the results of all batches
    concatenated in batch order, whatever order they finished in."""
    from dask.distributed import as_completed

    futures = [client.submit(function, *args, batch, pure=False) for batch in batches]
    position = {future.key: i for i, future in enumerate(futures)}
    results: list[list[Any] | None] = [None] * len(futures)
    for future in as_completed(futures):
        results[position[future.key]] = future.result()
        if progress is not None:
            progress(len(batches[position[future.key]]))
    return [item for batch in results for item in batch or []]


def batched(items: list[Any], workers: int, *, per_worker: int = 8,
            largest: int = 50) -> list[list[Any]]:
    """Split ``items`` into batches: about ``per_worker`` batches per worker (so a slow batch
    cannot hold the others up for long), none larger than ``largest``."""
    if not items:
        return []
    size = max(1, min(largest, len(items) // (workers * per_worker) or 1))
    return [items[i:i + size] for i in range(0, len(items), size)]
