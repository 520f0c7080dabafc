"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TextIO

import click

from ikesim.cli.common import EXIT_FAIL, guarded, json_default
from ikesim.errors import InputError

STDOUT = Path("-")     # an output named "-" is standard output (instead of the transcript)


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--until", "until", type=str, default=None,
              help="Stop at this simulated time (e.g. 90, 90s, 2m) instead of the duration.")
@click.option("--json", "json_path", default=None,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Also write every simulation event as JSON lines ('-': to stdout, instead "
                   "of the transcript).")
@click.option("--pcap", "pcap_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the ISAKMP datagrams as a pcap capture.")
@click.option("--capture-at", "capture_at", type=str, default=None,
              help="Capture on DEVICE:IFACE only (default: every datagram once).")
@click.option("--keys", "keys_path", default=None,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
              help="Write Wireshark ikev1_decryption_table lines ('-': stdout).")
@click.option("--esp-keys", "esp_keys_path", default=None,
              type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
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
    try:
        _run(scenario, seed, until, json_path, pcap_path, capture_at, keys_path, esp_keys_path,
             progress)
    except BrokenPipeError:       # `ikesim run … | head`: the reader left; stop quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(EXIT_FAIL)


def _run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
         pcap_path: Path | None, capture_at: str | None, keys_path: Path | None,
         esp_keys_path: Path | None, progress: str) -> None:
    from ikesim.cli.progress import RunProgress
    from ikesim.scenario.loader import load_scenario, parse_time_arg
    from ikesim.scenario.runner import Runtime

    sc = load_scenario(scenario)
    end = parse_time_arg(until) if until is not None else None
    outputs = [p for p in (json_path, pcap_path, keys_path, esp_keys_path) if p is not None]
    if outputs.count(STDOUT) > 1:
        raise InputError("only one output can be '-' (standard output)")
    for path in outputs:          # fail before a long run, not after it
        if path == STDOUT:
            continue
        try:
            path.open("a").close()
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
    runtime = Runtime(sc, seed=seed)
    capture = None
    if pcap_path is not None or keys_path is not None or esp_keys_path is not None:
        from ikesim.export.pcap import Capture

        capture = Capture.attach(runtime, capture_at)
    duration = sc.duration if end is None else end
    with RunProgress(progress, duration, stdout_is_data=STDOUT in outputs) as bar:
        if STDOUT not in outputs:       # the transcript, streamed as it is produced
            runtime.transcript.add_listener(bar.print_block)
        result = runtime.run(end, progress=bar.update)
    if json_path is not None:
        from ikesim.export.events_json import event_record

        with _open_text(json_path) as fh:
            for event in result.events.events:
                fh.write(json.dumps(event_record(event), sort_keys=True, default=json_default))
                fh.write("\n")
    if capture is not None:
        if pcap_path is not None:
            capture.write_pcap(pcap_path)
        if keys_path is not None:
            _write_lines(keys_path, capture.key_table_lines(), capture.write_keys)
        if esp_keys_path is not None:
            _write_lines(esp_keys_path, capture.esp_sa_lines(), capture.write_esp_keys)


def _open_text(path: Path) -> AbstractContextManager[TextIO]:
    return nullcontext(sys.stdout) if path == STDOUT else path.open("w", encoding="utf-8")


def _write_lines(path: Path, lines: list[str], write_file: Callable[[Path], None]) -> None:
    if path == STDOUT:
        sys.stdout.write("".join(line + "\n" for line in lines))
    else:
        write_file(path)
