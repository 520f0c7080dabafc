"""``show ip nat translations`` and ``clear ip nat translation *``.

Layout from real IOS output (public lab transcripts)::

    Pro Inside global      Inside local       Outside local      Outside global
    icmp 203.0.113.1:20    10.1.10.11:20      198.51.100.53:20   198.51.100.53:20
    tcp 10.45.1.7:41011    10.78.9.7:41011    10.123.4.1:23      10.123.4.1:23
    --- 10.45.1.7          10.78.9.7          ---                ---

The protocol and the inside global address share the first 23 columns, the other addresses
19 each; simple (address-only) entries show ``---`` for the protocol and outside columns.
"""

from __future__ import annotations

from typing import Any

from ikesim.net.addr import int_to_ip
from ikesim.net.nat_entries import PROTOCOL_NAMES

HEADER = "Pro Inside global      Inside local       Outside local      Outside global"


def _endpoint(address: int | None, port: int | None) -> str:
    if address is None:
        return "---"
    return int_to_ip(address) if port is None else f"{int_to_ip(address)}:{port}"


def _pad(text: str, width: int) -> str:
    return text.ljust(width) if len(text) < width else text + " "


def show_ip_nat_translations(node: Any) -> list[str]:
    nat = getattr(node, "nat", None)
    if nat is None:
        return []
    lines = [HEADER]
    for entry in nat.translations():
        proto = "---" if entry.protocol is None else PROTOCOL_NAMES.get(
            entry.protocol, str(entry.protocol))
        extended = entry.protocol is not None
        inside_global = _endpoint(entry.inside_global, entry.global_port if extended else None)
        inside_local = _endpoint(entry.inside_local, entry.local_port if extended else None)
        outside_local = _endpoint(entry.outside, entry.outside_local_port)
        outside_global = _endpoint(entry.outside, entry.outside_global_port)
        lines.append(_pad(f"{proto} {inside_global}", 23) + _pad(inside_local, 19)
                     + _pad(outside_local, 19) + outside_global)
    return lines


def clear_ip_nat_translation(node: Any, args: list[str]) -> list[str]:
    if args != ["*"]:
        return ["% Incomplete command." if not args else
                f"% Invalid input detected at '^' marker: {args[0]!r}"]
    nat = getattr(node, "nat", None)
    if nat is not None:
        nat.clear()
    return []
