"""``ikesim validate FILE...``: load scenario files (syntax, configurations, events) without
running them."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ikesim.cli.common import EXIT_INVALID, guarded, show_warnings
from ikesim.errors import IkesimError


@click.command()
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@guarded
def validate(scenarios: tuple[Path, ...]) -> None:
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
        show_warnings(sc.warnings)
        click.echo(f"{path}: ok ({len(sc.routers)} routers, {len(sc.hosts)} hosts, "
                   f"{len(sc.links)} links, {len(sc.events)} events)")
    if failures:
        sys.exit(EXIT_INVALID)
