"""``ikesim check PATH...``: run scenario files and check their ``expect:`` sections (the logic
lives in :mod:`ikesim.check`; this module reads the options and prints the table).

The ``--junit`` path is checked before anything runs and the report is always written (also
when paths are missing, scenarios time out, crash, or the run is interrupted), atomically."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import click

from ikesim.check import (
    DEFAULT_TIMEOUT,
    EXIT_INVALID,
    Outcome,
    discover,
    exit_code,
    junit_bytes,
    run_all,
    select,
)
from ikesim.cli.common import guarded
from ikesim.cli.outputs import Outputs


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of CPUs).")
@click.option("-k", "keyword", default=None, metavar="EXPR",
              help="Only scenarios whose file path or name contains EXPR "
                   "(words with and/or/not, like pytest).")
@click.option("--junit", "junit", type=click.Path(path_type=Path),
              default=None, help="Write a JUnit XML report to this file.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              default=DEFAULT_TIMEOUT, show_default=True, metavar="SECONDS",
              help="Stop a scenario that has not finished after this wall-clock time.")
@click.option("--dask", "use_dask", is_flag=True,
              help="Run on Dask: a local cluster of -j workers, or the --scheduler's "
                   "(--timeout is not applied there).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="With --dask: the Dask scheduler (tcp://host:8786); workers need the files.")
@guarded
def check(paths: tuple[Path, ...], jobs: int | None, keyword: str | None,
          junit: Path | None, timeout: float, use_dask: bool, scheduler: str | None) -> None:
    """Run scenario files (folders: every *.yaml inside) and check their expectations."""
    files, missing = discover(paths)
    outputs = Outputs(inputs=files)
    outputs.add("--junit", junit)
    outputs.check()                       # before anything runs
    start = time.perf_counter()
    with outputs.writing():
        outcomes = _outcomes(files, missing, keyword, jobs, timeout,
                             (use_dask or scheduler is not None, scheduler))
        wall = time.perf_counter() - start
        if outcomes:
            print_report(outcomes, wall, min(jobs or os.cpu_count() or 1, len(outcomes)))
        if junit is not None:
            outputs.file("--junit", binary=True).write(junit_bytes(outcomes, wall))
    if missing or not outcomes:
        sys.exit(EXIT_INVALID)
    if any(o.status == "interrupted" for o in outcomes):
        click.echo("ikesim: interrupted", err=True)
        sys.exit(exit_code(outcomes))
    sys.exit(exit_code(outcomes))


def _outcomes(files: list[Path], missing: list[str], keyword: str | None, jobs: int | None,
              timeout: float, dask: tuple[bool, str | None] = (False, None)) -> list[Outcome]:
    for message in missing:
        click.echo(f"ikesim: error: {message}", err=True)
    if missing:
        return [Outcome(m.rsplit(": ", 1)[0], Path(m.rsplit(": ", 1)[0]).stem, "invalid", 0.0,
                        first=m.rsplit(": ", 1)[1], failures=(m,)) for m in missing]
    selected = select(files, keyword)
    if not selected:
        what = f" matches -k {keyword!r}" if keyword and files else " found"
        click.echo(f"ikesim: error: no scenario file{what}", err=True)
        return []
    if dask[0]:
        from ikesim.sweep.catalogue import check_on_dask
        return check_on_dask(selected, scheduler=dask[1], workers=jobs)
    try:
        return run_all(selected, jobs or os.cpu_count() or 1, timeout)
    except KeyboardInterrupt as interrupt:
        return list(getattr(interrupt, "outcomes", []))


# -- the table -----------------------------------------------------------------------------
_STYLE = {"pass": "green", "ran": "green", "fail": "bold red", "invalid": "bold magenta",
          "error": "bold red", "timeout": "bold red", "crash": "bold red",
          "interrupted": "yellow"}
_WORD = {"pass": "passed", "ran": "ran", "fail": "failed", "invalid": "invalid",
         "error": "errors", "timeout": "timed out", "crash": "crashed",
         "interrupted": "interrupted"}


def print_report(outcomes: list[Outcome], wall: float, jobs: int) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(highlight=False, emoji=False, width=None if sys.stdout.isatty() else 120)
    labels = [o.file for o in outcomes]
    room = console.width - max(map(len, labels), default=8) - 7 - 7 - 9
    table = Table(show_edge=False, pad_edge=False, header_style="bold")
    table.add_column("scenario", no_wrap=True)
    table.add_column("result", no_wrap=True, min_width=7)
    table.add_column("time", justify="right", no_wrap=True, min_width=6)
    table.add_column("first failure", overflow="ellipsis", no_wrap=True,
                     max_width=max(20, room))
    for label, o in zip(labels, outcomes, strict=True):
        table.add_row(escape(label), f"[{_STYLE[o.status]}]{o.status.upper()}[/]",
                      f"{o.seconds:.2f}s", escape(o.first))
    console.print(table)
    for o in outcomes:
        if o.ok and not o.warnings:
            continue
        console.print()
        console.print(f"[{_STYLE[o.status]}]{o.status.upper()}[/] {escape(o.file)}")
        for text in (*o.warnings, *o.failures):
            console.print(escape(text), soft_wrap=True)
    counts = {s: sum(o.status == s for o in outcomes) for s in _STYLE}
    summary = ", ".join(f"{n} {_WORD[s].removesuffix('s') if n == 1 and s == 'error' else _WORD[s]}"
                        for s, n in counts.items() if n)
    console.print()
    console.print(f"{summary} in {wall:.2f}s (-j {jobs})")
