"""The ``ikesim`` command: ``run`` a scenario, ``validate`` scenario files.

Exit codes: 0 ok, 1 failure (expectations not met), 2 invalid input. Errors are one clear line
on stderr, never a traceback (set IKESIM_DEBUG=1 to see one for an internal error).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from ikesim.errors import IkesimError, InputError

EXIT_OK, EXIT_FAIL, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3


def _fail(message: str, code: int) -> None:
    click.echo(f"ikesim: {message}", err=True)
    sys.exit(code)


def _guarded(fn):  # type: ignore[no-untyped-def]
    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        try:
            return fn(*args, **kwargs)
        except IkesimError as exc:
            _fail(f"error: {exc}", EXIT_INVALID)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise              # click reports usage errors itself (exit 2)
        except KeyboardInterrupt:
            _fail("interrupted", EXIT_FAIL)
        except Exception as exc:  # noqa: BLE001 - the promise is: no traceback for users
            if os.environ.get("IKESIM_DEBUG"):
                raise
            _fail(f"internal error: {type(exc).__name__}: {exc} "
                  "(please report it; IKESIM_DEBUG=1 shows the traceback)", EXIT_INTERNAL)
    wrapper.__name__ = fn.__name__
    wrapper.__doc__ = fn.__doc__
    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ikesim")
def main() -> None:
    """ikesim — routers, links and real IKEv1 main mode, with an IOS console."""


@main.command()
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
@_guarded
def run(scenario: Path, seed: int | None, until: str | None, json_path: Path | None,
        pcap_path: Path | None, capture_at: str | None, keys_path: Path | None,
        esp_keys_path: Path | None) -> None:
    """Run SCENARIO and print the IOS console transcript."""
    from ikesim.scenario.loader import load_scenario, parse_time_arg
    from ikesim.scenario.runner import Runtime

    sc = load_scenario(scenario)
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
                fh.write(json.dumps(event.as_json(), sort_keys=True, default=_json_default))
                fh.write("\n")
    if capture is not None:
        if pcap_path is not None:
            capture.write_pcap(pcap_path)
        if keys_path is not None:
            capture.write_keys(keys_path)
        if esp_keys_path is not None:
            capture.write_esp_keys(esp_keys_path)


def _json_default(value: object) -> object:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    if isinstance(value, tuple):
        return list(value)
    return str(value)


@main.command()
@click.argument("scenarios", nargs=-1, required=True,
                type=click.Path(dir_okay=False, path_type=Path))
@_guarded
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
        click.echo(f"{path}: ok ({len(sc.routers)} routers, {len(sc.hosts)} hosts, "
                   f"{len(sc.links)} links, {len(sc.events)} events)")
    if failures:
        sys.exit(EXIT_INVALID)


def _register_check() -> None:
    from ikesim.check import check

    check.callback = _guarded(check.callback)     # one-line errors, never a traceback
    main.add_command(check)


_register_check()

if __name__ == "__main__":  # pragma: no cover
    main()
