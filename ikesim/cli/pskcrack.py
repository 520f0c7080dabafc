"""``ikesim psk-crack CAPTURE``: the input of ike-scan's ``psk-crack`` (one line per
aggressive-mode exchange with a pre-shared key) from a pcap or pcapng capture, e.g. one written
by ``ikesim run --pcap``. Exit 1 when the capture holds no aggressive-mode exchange."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ikesim.cli.common import EXIT_FAIL, guarded
from ikesim.errors import InputError


@click.command("psk-crack")
@click.argument("capture", type=click.Path(dir_okay=False, path_type=Path))
@guarded
def psk_crack(capture: Path) -> None:
    """Print psk-crack parameter lines for the aggressive-mode exchanges in CAPTURE."""
    from ikesim.export.pskcrack import from_capture

    if not capture.is_file():
        raise InputError(f"{capture}: no such capture file")
    lines = from_capture(capture)
    for line in lines:
        click.echo(line)
    if not lines:
        click.echo(f"ikesim: {capture}: no aggressive-mode exchange (AM1 and AM2) in the capture",
                   err=True)
        sys.exit(EXIT_FAIL)
