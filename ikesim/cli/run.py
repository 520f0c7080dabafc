"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports."""

from __future__ import annotations

import dataclasses
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
              default=None, help="Write the frames that crossed the links as pcapng (one "
              "interface per capture point, drops as packet comments).")
@click.option("--capture-at", "capture_at", type=str, multiple=True,
              help="Capture point for --pcap: a link name, DEVICE (its interfaces and its "
              "discards) or DEVICE:IFACE; repeatable (default: every link).")
@click.option("--keys", "keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write Wireshark ikev1_decryption_table lines.")
@click.option("--esp-keys", "esp_keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write Wireshark esp_sa lines (both directions of each SA).")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write a self-contained HTML report (topology, message "
              "ladder, packet inspector, SA timeline, transcript, explanation with a proven "
              "fix).")
@click.option("--outcome/--no-outcome", default=True,
              help="After the transcript, print (on stderr) per peer pair how far IKE got and "
              "the first cause, with its evidence.")
@click.option("--explain", "search_fix", is_flag=True,
              help="Also search and prove the smallest fix (re-runs the scenario: see "
              "ikesim explain).")
@guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: tuple[str, ...], keys_path: Path | None,
        esp_keys_path: Path | None, html_path: Path | None, outcome: bool,
        search_fix: bool) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.scenario.loader import load_scenario, parse_time_arg
    from ikesim.scenario.runner import Runtime

    sc = load_scenario(scenario)
    end = parse_time_arg(until) if until is not None else None
    outputs = [p for p in (json_path, pcap_path, keys_path, esp_keys_path, html_path)
               if p is not None]
    for path in outputs:          # fail before a long run, not after it
        try:
            path.open("a").close()
        except OSError as exc:
            raise InputError(f"cannot write {path}: {exc.strerror}") from None
    if capture_at and pcap_path is None:
        raise InputError("--capture-at chooses where --pcap captures: give --pcap FILE too")
    runtime = Runtime(sc, seed=seed)
    wire = None
    if pcap_path is not None:
        from ikesim.export.wire import WireCapture

        wire = WireCapture.attach(runtime.lab, capture_at)
    collector = None
    if html_path is not None:
        from ikesim.report.collect import ReportCollector

        collector = ReportCollector.attach(runtime)
    capture = None
    if keys_path is not None or esp_keys_path is not None:
        from ikesim.export.pcap import Capture

        capture = Capture.attach(runtime)
    result = runtime.run(end)
    sys.stdout.write(result.transcript_text())
    sys.stdout.flush()
    if outcome or search_fix or collector is not None:
        from ikesim.explain import explain
        from ikesim.explain.render import outcome_block

        explained = explain(sc if seed is None else dataclasses.replace(sc, seed=seed),
                            events=result.events.events, until=end,
                            search=search_fix or collector is not None)
        if outcome or search_fix:
            # stderr: stdout stays the routers' console text (goldens, pipes, the seed check)
            click.echo("\n" + outcome_block(explained), err=True, nl=False)
        if collector is not None and html_path is not None:
            from ikesim.report.html import render_report

            html_path.write_text(render_report(result, collector, explained), encoding="utf-8")
    if json_path is not None:
        with json_path.open("w", encoding="utf-8") as fh:
            for event in result.events.events:
                fh.write(json.dumps(event.as_json(), sort_keys=True, default=json_default))
                fh.write("\n")
    if wire is not None and pcap_path is not None:
        pcap_path.write_bytes(wire.pcapng())
        for line in wire.warnings():
            click.echo(f"ikesim: warning: {line}", err=True)
        for line in wire.notes():
            click.echo(f"ikesim: note: {line}", err=True)
    if capture is not None:
        if keys_path is not None:
            capture.write_keys(keys_path)
        if esp_keys_path is not None:
            capture.write_esp_keys(esp_keys_path)
