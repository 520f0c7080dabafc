"""``ikesim run SCENARIO``: build the lab, play its events, print the console transcript and
write the requested exports. After the transcript, an outcome block per IPsec peer pair goes to
stderr (stdout stays the routers' console text: goldens, pipes, the seed check)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from ikesim.cli.common import guarded, show_warnings
from ikesim.cli.outputs import Outputs
from ikesim.cli.streams import JsonLines, StdoutClosed, streaming_runtime, write_capture

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
              default=None, help="Write the frames that crossed the links as pcapng (one "
              "interface per capture point, drops as packet comments).")
@click.option("--capture-at", "capture_at", type=str, multiple=True,
              help="Capture point for --pcap: a link name, DEVICE (its interfaces and its "
              "discards) or DEVICE:IFACE; repeatable (default: every link).")
@click.option("--keys", "keys_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                     path_type=Path), default=None,
              help="Write Wireshark ikev1_decryption_table lines ('-': stdout).")
@click.option("--esp-keys", "esp_keys_path", type=click.Path(dir_okay=False, allow_dash=True,
                                                             path_type=Path), default=None,
              help="Write Wireshark esp_sa lines (both directions of each SA; '-': stdout).")
@click.option("--psk-crack", "psk_crack_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write ike-scan psk-crack input for every aggressive-mode "
              "exchange with a pre-shared key (the offline attack on a weak key).")
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
@click.option("--progress", type=click.Choice(["auto", "always", "never"]), default="auto",
              show_default=True,
              help="Progress bar on stderr: auto = when stderr is a terminal and the run takes "
                   "more than a moment.")
@click.option("--live", is_flag=True, default=False,
              help="Run in real time and bind the scenario's 'live:' section to real UDP "
                   "sockets on loopback, so that a real IKE daemon is one of the peers "
                   "(docs/live-peers.md).")
@click.option("--strict", is_flag=True, default=False,
              help="Treat warnings (e.g. configuration lines accepted but not modelled) as "
                   "errors.")
@guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: tuple[str, ...], keys_path: Path | None,
        esp_keys_path: Path | None, psk_crack_path: Path | None, html_path: Path | None,
        outcome: bool, search_fix: bool, progress: str, live: bool, strict: bool) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.cli.progress import RunProgress
    from ikesim.cli.validate import show_strict
    from ikesim.errors import InputError
    from ikesim.scenario.loader import load_scenario, parse_time_arg

    sc = load_scenario(scenario)
    if strict and sc.warnings:
        show_strict(sc.warnings)
        raise InputError(f"{len(sc.warnings)} warning(s) and --strict", file=str(scenario))
    show_warnings(sc.warnings)
    end = parse_time_arg(until) if until is not None else None
    if capture_at and pcap_path is None:
        raise InputError("--capture-at chooses where --pcap captures: give --pcap FILE too")
    named = (("--json", json_path), ("--pcap", pcap_path), ("--keys", keys_path),
             ("--esp-keys", esp_keys_path), ("--psk-crack", psk_crack_path),
             ("--html", html_path))
    to_stdout = [option for option, path in named if path == STDOUT]
    if len(to_stdout) > 1:
        raise InputError(f"only one output can be '-' (standard output): {', '.join(to_stdout)}")
    outputs = Outputs(inputs=sc.sources)
    for option, path in named:
        outputs.add(option, None if path == STDOUT else path)
    outputs.check()               # fail before a long run, not after it
    if live:
        if search_fix or html_path is not None:
            raise InputError("--explain and --html re-run the scenario without its live "
                             "peer: not with --live")
        outcome = False           # the outcome block re-runs the scenario too
    bridge = None
    try:
        with RunProgress(progress, sc.duration if end is None else end,
                         stdout_is_data=bool(to_stdout)) as bar:
            # the transcript streams to stdout, unless stdout carries one of the outputs
            runtime = streaming_runtime(sc, seed,
                                        sink=_discard if to_stdout else bar.print_block,
                                        realtime=live)
            if live:
                from ikesim.live import LiveBridge

                bridge = LiveBridge.attach(runtime)
                click.echo(f"ikesim: {bridge.describe()}", err=True)
                runtime.lab.env.sync()        # real time starts now, not at the build
            _run(sc, seed, end, runtime, outputs, bar, to_stdout, pcap_path=pcap_path,
                 capture_at=capture_at, keys_path=keys_path, esp_keys_path=esp_keys_path,
                 psk_crack_path=psk_crack_path, html_path=html_path, outcome=outcome,
                 search_fix=search_fix)
    except StdoutClosed:
        raise BrokenPipeError from None         # after the output files were cleaned up
    finally:
        if bridge is not None:
            bridge.close()
            click.echo(f"ikesim: {bridge.summary()}", err=True)


def _discard(lines: list[str]) -> None:
    """The transcript's sink when stdout carries an output instead."""


def _run(sc: Any, seed: int | None, end: float | None, runtime: Any, outputs: Outputs,
         bar: Any, to_stdout: list[str], *, pcap_path: Path | None,
         capture_at: tuple[str, ...], keys_path: Path | None, esp_keys_path: Path | None,
         psk_crack_path: Path | None, html_path: Path | None, outcome: bool,
         search_fix: bool) -> None:
    wire = collector = capture = kept = None
    if pcap_path is not None:
        from ikesim.export.wire import WireCapture

        wire = WireCapture.attach(runtime.lab, capture_at)
    if keys_path is not None or esp_keys_path is not None or psk_crack_path is not None:
        from ikesim.export.pcap import Capture

        capture = Capture.attach(runtime)
    if html_path is not None:
        from ikesim.report.collect import ReportCollector

        collector = ReportCollector.attach(runtime)
    if outcome or search_fix or collector is not None:
        from ikesim.explain.keep import EventKeeper

        kept = EventKeeper.attach(runtime, everything=collector is not None)
    with outputs.writing():
        json_events = JsonLines.attach(runtime, outputs, "--json",
                                       stream=sys.stdout if "--json" in to_stdout else None)
        result = runtime.run(end, progress=bar.update)
        bar.stop()                      # before anything else is written to stderr
        json_events.finish()
        if capture is not None:
            write_capture(capture, outputs)
            if "--keys" in to_stdout:
                sys.stdout.write("".join(f"{line}\n" for line in capture.key_table_lines()))
            if "--esp-keys" in to_stdout:
                sys.stdout.write("".join(f"{line}\n" for line in capture.esp_sa_lines()))
        if wire is not None:
            outputs.file("--pcap", binary=True).write(wire.pcapng())
            for line in wire.warnings():
                click.echo(f"ikesim: warning: {line}", err=True)
            for line in wire.notes():
                click.echo(f"ikesim: note: {line}", err=True)
        if kept is not None:
            from ikesim.explain import explain
            from ikesim.explain.render import outcome_block

            explained = explain(sc if seed is None else dataclasses.replace(sc, seed=seed),
                                events=kept.events, until=end,
                                search=search_fix or collector is not None)
            explained.notes += kept.notes()          # a long run's counted, unkept records
            if collector is not None:
                from ikesim.report.html import render_report

                outputs.file("--html").write(render_report(result, collector, explained,
                                                           kept.events))
            if outcome or search_fix:
                click.echo("\n" + outcome_block(explained), err=True, nl=False)
