"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ikesim.cli.common import guarded, json_default
from ikesim.errors import InputError


@click.command()
@click.argument("scenario", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--seed", type=int, default=None, help="Override the scenario's seed.")
@click.option("--until", "until", type=str, default=None,
              help="Stop at this simulated time (e.g. 90, 90s, 2m) instead of the duration.")
@click.option("--json", "json_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Also write every simulation event as JSON lines.")
@click.option("--pcap", "pcap_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the ISAKMP datagrams as a pcap capture.")
@click.option("--capture-at", "capture_at", type=str, default=None,
              help="Capture on DEVICE:IFACE only (default: every datagram once).")
@click.option("--keys", "keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write Wireshark ikev1_decryption_table lines.")
@click.option("--esp-keys", "esp_keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write Wireshark esp_sa lines (both directions of each SA).")
@click.option("--strict", is_flag=True, default=False,
              help="Treat configuration warnings (lines accepted but not modelled) as errors.")
@guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: str | None, keys_path: Path | None,
        esp_keys_path: Path | None, strict: bool) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.cli.validate import scenario_warnings
    from ikesim.scenario.loader import load_scenario, parse_time_arg
    from ikesim.scenario.runner import Runtime

    sc = load_scenario(scenario)
    warnings = scenario_warnings(sc)          # on stderr: the transcript stays as it was
    for warning in warnings:
        click.echo(warning.replace(": warning: ", ": error (--strict): ", 1) if strict
                   else warning, err=True)
    if strict and warnings:
        raise InputError(f"{len(warnings)} configuration warning(s) and --strict")
    end = parse_time_arg(until) if until is not None else None
    outputs = [p for p in (json_path, pcap_path, keys_path, esp_keys_path) if p is not None]
    for path in outputs:          # fail before a long run, not after it
        try:
            path.open("a").close()
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
    runtime = Runtime(sc, seed=seed)
    capture = None
    if pcap_path is not None or keys_path is not None or esp_keys_path is not None:
        from ikesim.export.pcap import Capture

        capture = Capture.attach(runtime, capture_at)
    result = runtime.run(end)
    sys.stdout.write(result.transcript_text())
    if json_path is not None:
        with json_path.open("w", encoding="utf-8") as fh:
            for event in result.events.events:
                fh.write(json.dumps(event.as_json(), sort_keys=True, default=json_default))
                fh.write("\n")
    if capture is not None:
        if pcap_path is not None:
            capture.write_pcap(pcap_path)
        if keys_path is not None:
            capture.write_keys(keys_path)
        if esp_keys_path is not None:
            capture.write_esp_keys(esp_keys_path)
