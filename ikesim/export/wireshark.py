"""Opening a capture decrypted in Wireshark: a configuration folder next to the capture holding
the two key tables and the preferences that use them, and the exact commands.

Wireshark reads its personal configuration from ``$WIRESHARK_CONFIG_DIR`` when set (Wireshark
User's Guide, "Files and Folders"), so a folder with
  ``ikev1_decryption_table``  one ``<initiator cookie hex>,<encryption key hex>`` line per
                              phase-1 SA (the ISAKMP dissector's UAT, decrypts MM5/MM6, quick
                              mode and protected informational exchanges),
  ``esp_sa``                  the ESP dissector's SA table (Wireshark 4.0 columns),
  ``preferences``             ``esp.enable_encryption_decode`` / ``..._authentication_check``
opens the capture decrypted with nothing to click, in Wireshark or tshark alike.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\x0a\x0d\x0d\x0a",
               b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
PREFERENCES = ("# written by ikesim: decrypt ESP with the SAs of esp_sa and check the ICVs\n"
               "esp.enable_encryption_decode: TRUE\n"
               "esp.enable_authentication_check: TRUE\n")


def is_capture(data: bytes) -> bool:
    """A classic pcap (either byte order, µs or ns) or a pcapng file."""
    return data[:4] in PCAP_MAGICS


def default_key_files(capture: Path) -> tuple[Path, Path]:
    """Where ``ikesim wireshark`` looks for key tables when none is named: next to the
    capture, ``lab.keys`` and ``lab.esp-keys`` for ``lab.pcapng``."""
    return capture.with_suffix(".keys"), capture.with_suffix(".esp-keys")


def config_dir_for(capture: Path) -> Path:
    return capture.with_name(capture.name + ".wireshark")


def write_config_dir(folder: Path, ike_lines: list[str], esp_lines: list[str]) -> list[Path]:
    """Write the key tables and preferences into ``folder`` (created); returns the files."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"ikev1_decryption_table": ike_lines, "esp_sa": esp_lines}
    written = []
    for name, lines in files.items():
        path = folder / name
        path.write_text("".join(line.strip() + "\n" for line in lines if line.strip()))
        written.append(path)
    prefs = folder / "preferences"
    prefs.write_text(PREFERENCES)
    written.append(prefs)
    return written


@dataclass(frozen=True)
class Commands:
    env: dict[str, str]
    wireshark: list[str]
    tshark: list[str]

    def shell(self, argv: list[str]) -> str:
        prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in self.env.items())
        return f"{prefix} {shlex.join(argv)}"


def commands(capture: Path, folder: Path) -> Commands:
    env = {"WIRESHARK_CONFIG_DIR": str(folder.resolve())}
    path = str(capture.resolve())
    return Commands(env, ["wireshark", "-r", path], ["tshark", "-n", "-r", path, "-V"])


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
