"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from ikesim.cli.common import guarded, show_warnings
from ikesim.cli.outputs import Outputs
from ikesim.cli.streams import JsonLines, StdoutClosed, streaming_runtime, write_capture
from ikesim.errors import InputError

STDOUT = Path("-")     # an output named "-" is standard output (instead of the transcript)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--until", "until", type=str, default=None,
              help="Stop at this simulated time (e.g. 90, 90s, 2m) instead of the duration.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                     path_type=Path), default=None,
              help="Also write every simulation event as JSON lines ('-': to stdout, instead "
                   "of the transcript).")
@click.option("--pcap", "pcap_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the ISAKMP datagrams as a pcap capture.")
@click.option("--capture-at", "capture_at", type=str, default=None,
              help="Capture on DEVICE:IFACE only (default: every datagram once).")
@click.option("--keys", "keys_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                     path_type=Path), default=None,
              help="Write Wireshark ikev1_decryption_table lines ('-': stdout).")
@click.option("--esp-keys", "esp_keys_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                             path_type=Path), default=None,
              help="Write Wireshark esp_sa lines (both directions of each SA; '-': stdout).")
@click.option("--progress", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Progress bar on stderr: auto = when stderr is a terminal and the run takes "
                   "more than a moment.")
@guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: str | None, keys_path: Path | None,
        esp_keys_path: Path | None, progress: str) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.scenario.loader import load_scenario, parse_time_arg

    sc = load_scenario(scenario)
    show_warnings(sc.warnings)
    end = parse_time_arg(until) if until is not None else None
    named = (("--json", json_path), ("--pcap", pcap_path), ("--keys", keys_path),
             ("--esp-keys", esp_keys_path))
    to_stdout = [option for option, path in named if path == STDOUT]
    if len(to_stdout) > 1:
        raise InputError(f"only one output can be '-' (standard output): {', '.join(to_stdout)}")
    outputs = Outputs(inputs=sc.sources)
    for option, path in named:
        outputs.add(option, None if path == STDOUT else path)
    outputs.check()               # fail before a long run, not after it
    try:
        capture = _run(sc, seed, end, outputs, capture_at, progress, to_stdout,
                       json_path == STDOUT)
    except StdoutClosed:
        raise BrokenPipeError from None         # after the output files were cleaned up
    if capture is not None and keys_path == STDOUT:
        sys.stdout.write("".join(f"{line}\n" for line in capture.key_table_lines()))
    if capture is not None and esp_keys_path == STDOUT:
        sys.stdout.write("".join(f"{line}\n" for line in capture.esp_sa_lines()))


def _run(sc: Any, seed: int | None, end: float | None, outputs: Outputs,
         capture_at: str | None, progress: str, to_stdout: list[str],
         json_to_stdout: bool) -> Any:
    """The run itself: the transcript streams while the outputs are written; the capture."""
    from ikesim.cli.progress import RunProgress

    with RunProgress(progress, sc.duration if end is None else end,
                     stdout_is_data=bool(to_stdout)) as bar:
        # the transcript streams to stdout, unless stdout carries one of the outputs
        runtime = streaming_runtime(sc, seed, sink=_discard if to_stdout else bar.print_block)
        capture = None
        if any(o in outputs.planned or o in to_stdout for o in ("--pcap", "--keys",
                                                                 "--esp-keys")):
            from ikesim.export.pcap import Capture

            capture = Capture.attach(runtime, capture_at)
        with outputs.writing():
            json_events = JsonLines.attach(runtime, outputs, "--json",
                                           stream=sys.stdout if json_to_stdout else None)
            runtime.run(end, progress=bar.update)
            json_events.finish()
            if capture is not None:
                write_capture(capture, outputs)
    return capture


def _discard(lines: list[str]) -> None:
    """The transcript's sink when stdout carries an output instead."""
