"""``ikesim sweep SCENARIO --param NAME=VALUES … --seeds N``: run the scenario for every
combination of parameter values and seeds on Dask, write one row per run to Parquet and plot
success probability and time to QM_IDLE against each parameter (``ikesim.sweep``)."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import click

from ikesim.cli.common import guarded
from ikesim.errors import InputError


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--param", "param_specs", multiple=True, metavar="NAME=VALUES",
              help="A swept parameter: link.loss=0..0.5:0.05, platform=ios12,ios15, "
                   "link.NAME.delay=0.001,0.05 … (repeatable).")
@click.option("--seeds", type=click.IntRange(min=1), default=10, show_default=True,
              help="Runs per parameter combination, with seeds FIRST … FIRST+N-1.")
@click.option("--first-seed", type=int, default=0, show_default=True,
              help="The first seed.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Parquet file for the results (default: SCENARIO-sweep.parquet here).")
@click.option("--plots/--no-plots", default=True, show_default=True,
              help="Write OUT-PARAM.png plots beside the Parquet file.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Worker processes of the local Dask cluster (default: one per CPU).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Use the Dask scheduler at ADDRESS (tcp://host:8786) instead of a local "
                   "cluster; its workers need ikesim installed.")
@click.option("--progress/--no-progress", default=True, show_default=True,
              help="Show a progress bar on stderr.")
@guarded
def sweep(scenario: Path, param_specs: tuple[str, ...], seeds: int, first_seed: int,
          out: Path | None, plots: bool, workers: int | None, scheduler: str | None,
          progress: bool) -> None:
    """Run SCENARIO for every combination of --param values × --seeds on Dask."""
    from ikesim.scenario.loader import load_scenario
    from ikesim.sweep import Sweep
    from ikesim.sweep.params import apply, grid, parse_param
    from ikesim.sweep.report import plot, write_parquet

    params = [parse_param(spec) for spec in param_specs]
    base = load_scenario(scenario)           # FILE:LINE errors here, not on a worker
    combinations = grid(params)
    for values in combinations[:1] + combinations[-1:]:
        apply(copy.deepcopy(base), values)   # unknown links/routers are refused up front
    out = out or Path(f"{scenario.stem}-sweep.parquet")
    try:
        out.open("a").close()
    except OSError as exc:
        raise InputError(f"cannot write {out}: {exc.strerror}") from None
    job = Sweep(scenario.read_text(encoding="utf-8"), str(scenario), params,
                range(first_seed, first_seed + seeds))
    total = len(combinations) * seeds
    rows = _run(job, total, scheduler, workers, progress)
    write_parquet(rows, out)
    written = plot(rows, [p.name for p in params], out.with_suffix("")) if plots and params \
        else []
    ipsec = sum(r["outcome"] == "ipsec" for r in rows)
    phase1 = sum(r["outcome"] != "failed" for r in rows)
    click.echo(f"{total} runs ({len(combinations)} combinations x {seeds} seeds): "
               f"IPsec SA in {ipsec}, phase 1 in {phase1}")
    click.echo(f"results: {out}")
    for path in written:
        click.echo(f"plot: {path}")
    sys.exit(0)


def _run(job: object, total: int, scheduler: str | None, workers: int | None,
         progress: bool) -> list[dict]:
    from ikesim.sweep import run_sweep

    if not progress:
        return run_sweep(job, scheduler=scheduler, workers=workers)  # type: ignore[arg-type]
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True)) as bar:
        task = bar.add_task("sweep", total=total)
        return run_sweep(job, scheduler=scheduler, workers=workers,  # type: ignore[arg-type]
                         progress=lambda done: bar.advance(task, done))
