"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports."""

from __future__ import annotations

from pathlib import Path

import click

from ikesim.cli.common import guarded, show_warnings
from ikesim.cli.outputs import Outputs
from ikesim.cli.streams import JsonLines, streaming_runtime, write_capture


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
@guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: str | None, keys_path: Path | None,
        esp_keys_path: Path | None) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.scenario.loader import load_scenario, parse_time_arg

    sc = load_scenario(scenario)
    show_warnings(sc.warnings)
    end = parse_time_arg(until) if until is not None else None
    outputs = Outputs(inputs=sc.sources)
    for option, path in (("--json", json_path), ("--pcap", pcap_path), ("--keys", keys_path),
                         ("--esp-keys", esp_keys_path)):
        outputs.add(option, path)
    outputs.check()               # fail before a long run, not after it
    runtime = streaming_runtime(sc, seed)
    capture = None
    if pcap_path is not None or keys_path is not None or esp_keys_path is not None:
        from ikesim.export.pcap import Capture

        capture = Capture.attach(runtime, capture_at)
    with outputs.writing():
        json_events = JsonLines.attach(runtime, outputs, "--json")
        runtime.run(end)
        json_events.finish()
        if capture is not None:
            write_capture(capture, outputs)
