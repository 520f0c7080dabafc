"""``ikesim validate FILE...``: load scenario files (syntax, configurations, events) without
running them. Every error of a configuration is listed; warnings (configuration lines accepted
but not modelled, listed once per router, and the loader's own) go to stderr, and ``--strict``
makes them errors (exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ikesim.cli.common import EXIT_INVALID, guarded, show_warnings, warning_text
from ikesim.errors import IkesimError


def show_strict(warnings: list[Any]) -> None:
    """``--strict``: the warnings as errors, on stderr."""
    for warning in warnings:
        click.echo(warning_text(warning).replace(" warning: ", " error (--strict): ", 1),
                   err=True)


@click.command()
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, default=False,
              help="Treat warnings (e.g. configuration lines accepted but not modelled) as "
                   "errors.")
@guarded
def validate(scenarios: tuple[Path, ...], strict: bool) -> None:
    """Check scenario files (syntax, configurations, events) without running them."""
    from ikesim.scenario.loader import load_scenario

    failures = 0
    for path in scenarios:
        try:
            sc = load_scenario(path)
        except IkesimError as exc:
            failures += 1
            click.echo(f"{exc}", err=True)
            continue
        if strict and sc.warnings:
            failures += 1
            show_strict(sc.warnings)
            continue
        show_warnings(sc.warnings)
        click.echo(f"{path}: ok ({len(sc.routers)} routers, {len(sc.hosts)} hosts, "
                   f"{len(sc.links)} links, {len(sc.events)} events)")
    if failures:
        sys.exit(EXIT_INVALID)
