"""``ikesim check PATH...``: run scenario files and check their ``expect:`` sections (the logic
lives in :mod:`ikesim.check`)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from ikesim.check import (
    EXIT_INVALID,
    discover,
    exit_code,
    print_report,
    run_all,
    select,
    write_junit,
)
from ikesim.cli.common import guarded


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("-k", "keyword", default=None, metavar="EXPR",
              help="Only scenarios whose file path or name contains EXPR "
                   "(words with and/or/not, like pytest).")
@click.option("--junit", "junit", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write a JUnit XML report to this file.")
@click.option("--dask", "use_dask", is_flag=True,
              help="Run on Dask: a local cluster of -j workers, or the --scheduler's.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --dask: the Dask scheduler (tcp://host:8786); workers need the files.")
@guarded
def check(paths: tuple[Path, ...], jobs: int | None, keyword: str | None,
          junit: Path | None, use_dask: bool, scheduler: str | None) -> None:
    """Run scenario files (folders: every *.yaml inside) and check their expectations."""
    files, missing = discover(paths)
    for message in missing:
        click.echo(f"ikesim: error: {message}", err=True)
    if missing:
        sys.exit(EXIT_INVALID)
    selected = select(files, keyword)
    if not selected:
        what = f" matches -k {keyword!r}" if keyword and files else " found"
        click.echo(f"ikesim: error: no scenario file{what}", err=True)
        sys.exit(EXIT_INVALID)
    jobs = jobs or os.cpu_count() or 1
    start = time.perf_counter()
    if use_dask or scheduler:
        from ikesim.sweep.catalogue import check_on_dask
        outcomes = check_on_dask(selected, scheduler=scheduler, workers=jobs)
    else:
        outcomes = run_all(selected, jobs)
    wall = time.perf_counter() - start
    print_report(outcomes, wall, min(jobs, len(selected)))
    if junit is not None:
        write_junit(outcomes, junit, wall)
    sys.exit(exit_code(outcomes))

