"""``ikesim validate FILE...``: load scenario files (syntax, configurations, events) without
running them. Every error of a configuration is listed; the accepted lines ikesim does not model
are listed once per router as a warning (``--strict`` makes them errors, exit 2)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ikesim.cli.common import EXIT_INVALID, guarded
from ikesim.errors import IkesimError


def scenario_warnings(scenario: Any) -> list[str]:
    """Each router's configuration warnings (accepted-but-not-modelled lines, ignored
    features), for ``validate`` and ``run`` (``--strict`` makes them errors)."""
    from ikesim.ios.config import config_warnings

    return [w for spec in scenario.routers for w in config_warnings(spec.name, spec.config)]


@click.command()
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, default=False,
              help="Treat configuration warnings (lines accepted but not modelled) as errors.")
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
        warnings = scenario_warnings(sc)
        for warning in warnings:
            click.echo(warning.replace(": warning: ", ": error (--strict): ", 1) if strict
                       else warning, err=True)
        if strict and warnings:
            failures += 1
            continue
        click.echo(f"{path}: ok ({len(sc.routers)} routers, {len(sc.hosts)} hosts, "
                   f"{len(sc.links)} links, {len(sc.events)} events"
                   + (f", {len(warnings)} warnings" if warnings else "") + ")")
    if failures:
        sys.exit(EXIT_INVALID)
