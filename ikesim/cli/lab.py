"""``ikesim lab SCENARIO``: an interactive IOS console on the running lab (docs/lab-console.md)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ikesim.cli.common import guarded


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--device", type=str, default=None,
              help="The console to start on (default: the first router).")
@guarded
def lab(scenario: Path, device: str | None) -> None:
    """Open SCENARIO's lab with an IOS console: type exec and configuration commands on any
    device, let time run (run 10s, run until QM_IDLE, step, continue) and save the session as a
    scenario that `ikesim run` replays."""
    from ikesim.console.app import TerminalOutput, run_plain, run_terminal
    from ikesim.console.session import open_session

    output = TerminalOutput(sys.stdout)
    session = open_session(scenario, write=output.write, device=device)
    if sys.stdin.isatty() and sys.stdout.isatty():
        run_terminal(session, output)
    else:
        run_plain(session, sys.stdin, output.write)
