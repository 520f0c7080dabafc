"""Test helpers for the network model's bytes: a raw-IPv4 pcap and tshark field extraction."""

from __future__ import annotations

import struct
import subprocess
from pathlib import Path

from tshark import tshark_path

LINKTYPE_RAW = 101  # raw IPv4/IPv6 datagrams, no link-layer header


def write_raw_ip_pcap(path: Path, packets: list[tuple[float, bytes]]) -> Path:
    """A classic pcap (microsecond timestamps) of IPv4 datagrams."""
    out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, LINKTYPE_RAW)]
    for time, data in packets:
        seconds = int(time)
        out.append(struct.pack("<IIII", seconds, int(round((time - seconds) * 1e6)),
                               len(data), len(data)) + data)
    path.write_bytes(b"".join(out))
    return path


def tshark_fields(pcap: Path, fields: list[str], display_filter: str | None = None) -> list[list[str]]:
    """One row per frame, one column per field (empty string when absent)."""
    command = [tshark_path(), "-r", str(pcap), "-T", "fields", "-E", "separator=|"]
    if display_filter:
        command += ["-Y", display_filter]
    for field in fields:
        command += ["-e", field]
    result = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    return [line.split("|") for line in result.stdout.splitlines()]
