"""The ``ikesim`` command. Each subcommand lives in its own module and is imported only when it
runs (so ``ikesim --help`` and ``ikesim validate`` load only what they need).

To add a command: write ``ikesim/cli/NAME.py`` with a click command, and add one line to
``COMMANDS`` below: ``"name": ("module:attribute", "one-line help shown by ikesim --help")``.
"""

from __future__ import annotations

import importlib
from typing import Any

import click

from ikesim.cli.common import EXIT_FAIL, EXIT_INTERNAL, EXIT_INVALID, EXIT_OK

__all__ = ["main", "EXIT_OK", "EXIT_FAIL", "EXIT_INVALID", "EXIT_INTERNAL"]

COMMANDS: dict[str, tuple[str, str]] = {
    "run": ("ikesim.cli.run:run", "Run SCENARIO and print the IOS console transcript."),
    "validate": ("ikesim.cli.validate:validate",
                 "Check scenario files (syntax, configurations, events) without running them."),
    "check": ("ikesim.cli.check:check", "Run scenario files and check their expect: sections."),
    "lab": ("ikesim.cli.lab:lab", "Open SCENARIO's lab with an interactive IOS console."),
    "sweep": ("ikesim.cli.sweep:sweep",
              "Run a scenario over parameter values x seeds on Dask; Parquet table and plots."),
    "explain": ("ikesim.cli.explain:explain",
                "Say why a scenario's tunnels fail and prove the smallest fix by re-running it."),
    "wireshark": ("ikesim.cli.wireshark:wireshark",
                  "Open a capture decrypted in Wireshark (or print the exact commands)."),
    "psk-crack": ("ikesim.cli.pskcrack:psk_crack",
                  "Print ike-scan psk-crack input for the aggressive-mode exchanges of a capture."),
    "new": ("ikesim.cli.new:new", "Write a lab (scenario) from real router configurations."),
}


class LazyGroup(click.Group):
    """A click group whose commands are imported on first use (click's documented pattern)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = COMMANDS.get(name)
        if target is None:
            return None
        module_name, attr = target[0].split(":")
        command: click.Command = getattr(importlib.import_module(module_name), attr)
        return command

    def format_commands(self, ctx: click.Context, formatter: Any) -> None:
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ikesim", message="%(prog)s %(version)s")
def main() -> None:
    """ikesim — routers, links and real IKEv1 (ISAKMP) messages, with an IOS console."""
