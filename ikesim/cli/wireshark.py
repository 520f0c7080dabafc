"""``ikesim wireshark CAPTURE``: open a capture decrypted. Writes a Wireshark configuration
folder next to the capture (the IKEv1 and ESP key tables, the preferences that enable ESP
decryption) and starts Wireshark on it; without a display (or with ``--print``) it prints the
exact wireshark and tshark command lines instead."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import click

from ikesim.cli.common import guarded
from ikesim.errors import InputError


def _lines(path: Path | None, what: str) -> list[str]:
    if path is None:
        return []
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(f"cannot read {what} {path}: {exc.strerror}") from None


@click.command()
@click.argument("capture", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--keys", "keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="ikev1_decryption_table lines (ikesim run --keys); default: "
              "CAPTURE's name with .keys, when it exists.")
@click.option("--esp-keys", "esp_keys_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="esp_sa lines (ikesim run --esp-keys); default: CAPTURE's "
              "name with .esp-keys, when it exists.")
@click.option("--print", "print_only", is_flag=True,
              help="Only print the commands, even when a display is available.")
@guarded
def wireshark(capture: Path, keys_path: Path | None, esp_keys_path: Path | None,
              print_only: bool) -> None:
    """Open CAPTURE in Wireshark with its keys (or print the exact commands)."""
    from ikesim.export.wireshark import (
        commands,
        config_dir_for,
        default_key_files,
        has_display,
        is_capture,
        write_config_dir,
    )

    try:
        head = capture.read_bytes()[:4]
    except OSError as exc:
        raise InputError(f"cannot read capture {capture}: {exc.strerror}") from None
    if not is_capture(head):
        raise InputError(f"{capture} is not a pcap or pcapng capture")
    default_ike, default_esp = default_key_files(capture)
    if keys_path is None and default_ike.exists():
        keys_path = default_ike
    if esp_keys_path is None and default_esp.exists():
        esp_keys_path = default_esp
    ike_lines = _lines(keys_path, "key table")
    esp_lines = _lines(esp_keys_path, "ESP SA table")
    folder = config_dir_for(capture)
    try:
        write_config_dir(folder, ike_lines, esp_lines)
    except OSError as exc:
        raise InputError(f"cannot write {folder}: {exc.strerror}") from None
    click.echo(f"Wireshark configuration: {folder} ({len(ike_lines)} IKE SA key(s), "
               f"{len(esp_lines)} ESP SA(s))")
    if not ike_lines and not esp_lines:
        click.echo(f"ikesim: warning: no key table (looked for {default_ike.name} and "
                   f"{default_esp.name}; write them with ikesim run --keys/--esp-keys): "
                   "encrypted payloads will stay encrypted", err=True)
    cmds = commands(capture, folder)
    viewer = shutil.which("wireshark")
    if not print_only and viewer is not None and has_display():
        click.echo(f"starting: {cmds.shell(cmds.wireshark)}")
        subprocess.Popen([viewer, *cmds.wireshark[1:]], env={**os.environ, **cmds.env},
                         start_new_session=True)
        return
    if not print_only:
        why = "no display" if viewer is not None else "wireshark is not installed"
        click.echo(f"({why}: run one of these)")
    click.echo(cmds.shell(cmds.wireshark))
    click.echo(cmds.shell(cmds.tshark))
