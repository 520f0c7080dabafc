"""``show interfaces [IFACE]`` for tunnel and loopback interfaces, in the IOS 15 layout.

The tunnel block follows a real IOS 15 capture of ``show interfaces Tunnel0`` (a public GRE lab,
"R1-GRE#show interfaces Tunnel0": "MTU 17916 bytes, BW 100 Kbit/sec, DLY 50000 usec, ",
"Tunnel linestate evaluation up", "Tunnel protocol/transport GRE/IP", "Key disabled,
sequencing disabled", "Tunnel TTL 255, Fast tunneling enabled", "Tunnel transport MTU 1476
bytes"), the key line as "Key 0x186A0, sequencing disabled" and the protection line as
"Tunnel protection via IPSec (profile "vpnprof")" from another capture; a line protocol down
for keepalives reads "Tunnel linestate evaluation down - keepalive down". The counters are the
interface's own (packets and bytes carried, last input/output, 5-minute rates).
Physical interfaces are not printed (their hardware lines, MAC addresses included, are not
modelled).
"""

from __future__ import annotations

from typing import Any

from ikesim.ios.uptime import uptime_stamp
from ikesim.net.addr import int_to_ip
from ikesim.net.interface import LOOPBACK, TUNNEL, Interface
from ikesim.net.tunnel import GRE_OVERHEAD, describe_source

NOT_MODELLED = "% ikesim prints show interfaces for Tunnel and Loopback interfaces only"
# guess: IOS's wording when the line protocol is down for a reason other than keepalives.
DOWN_REASONS = {
    "no tunnel source": "transport source not configured",
    "tunnel source down": "transport source down",
    "no tunnel destination": "transport destination not configured",
    "tunnel destination unroutable": "transport reg down",
    "recursive routing": "recursive routing",
    "no IPsec SA": "IPsec SA not up",
}


def show_interfaces(node: Any, args: list[str]) -> list[str]:
    """``show interfaces`` (every tunnel and loopback) or ``show interfaces NAME``."""
    if args:
        iface = node.find_interface("".join(args))
        if iface is None:
            return ["% Invalid input detected at '^' marker."]
        if iface.kind not in (TUNNEL, LOOPBACK):
            return [NOT_MODELLED]
        return interface_block(node, iface)
    lines: list[str] = []
    for iface in node.interfaces.values():
        if iface.kind in (TUNNEL, LOOPBACK):
            lines += interface_block(node, iface)
    return lines or [NOT_MODELLED]


def interface_block(node: Any, iface: Interface) -> list[str]:
    now = node.env.now
    status = "administratively down" if not iface.admin_up else iface.status
    lines = [f"{iface.name} is {status}, line protocol is {iface.protocol} ",
             f"  Hardware is {'Tunnel' if iface.kind is TUNNEL else 'Loopback'}"]
    if iface.description:
        lines.append(f"  Description: {iface.description}")
    if iface.address is not None:
        lines.append(f"  Internet address is {int_to_ip(iface.address)}/{iface.length}")
    elif iface.unnumbered is not None:
        lender = node.interfaces.get(iface.unnumbered)
        shown = int_to_ip(lender.address) if lender is not None and lender.address else "unassigned"
        lines.append(f"  Interface is unnumbered. Using address of {iface.unnumbered} ({shown})")
    bandwidth = iface.bandwidth
    tx = _load(iface.rate("out", now)[0], bandwidth)
    rx = _load(iface.rate("in", now)[0], bandwidth)
    if iface.kind is TUNNEL:
        lines += [f"  MTU 17916 bytes, BW {bandwidth} Kbit/sec, DLY 50000 usec, ",
                  f"     reliability 255/255, txload {tx}/255, rxload {rx}/255",
                  "  Encapsulation TUNNEL, loopback not set", "  Keepalive not set"]
        lines += _tunnel_lines(node, iface)
    else:
        lines += [f"  MTU 1514 bytes, BW {bandwidth} Kbit/sec, DLY 5000 usec, ",
                  f"     reliability 255/255, txload {tx}/255, rxload {rx}/255",
                  "  Encapsulation LOOPBACK, loopback not set", "  Keepalive set (10 sec)"]
    return lines + _counters(iface, now)


def _tunnel_lines(node: Any, iface: Interface) -> list[str]:
    tunnels = node.tunnels
    state = tunnels.states.get(iface.name) if tunnels is not None else None
    if state is None:
        return ["  Tunnel linestate evaluation down - transport source not configured",
                "  Tunnel source UNKNOWN, destination UNKNOWN"]
    evaluation = "up" if not state.reason else f"down - {DOWN_REASONS.get(state.reason, state.reason)}"
    destination = int_to_ip(state.destination) if state.destination is not None else "UNKNOWN"
    lines = [f"  Tunnel linestate evaluation {evaluation}",
             f"  Tunnel source {describe_source(tunnels, state)}, destination {destination}"]
    if state.mode == "ipsec":
        lines.append("  Tunnel protocol/transport IPSEC/IP")
    else:
        key = f"Key 0x{state.key:X}" if state.key is not None else "Key disabled"
        lines += ["  Tunnel protocol/transport GRE/IP", f"    {key}, sequencing disabled",
                  "    Checksumming of packets disabled"]
    # guess: a VTI's transport MTU is the path MTU less the outer IP header (IPsec overhead,
    # which depends on the transform, is not deducted).
    mtu = 1500 - (GRE_OVERHEAD if state.mode == "gre" else 20)
    lines += ["  Tunnel TTL 255, Fast tunneling enabled", f"  Tunnel transport MTU {mtu} bytes",
              "  Tunnel transmit bandwidth 8000 (kbps)", "  Tunnel receive bandwidth 8000 (kbps)"]
    if state.profile is not None:
        lines.append(f'  Tunnel protection via IPSec (profile "{state.profile}")')
    return lines


def _counters(iface: Interface, now: float) -> list[str]:
    packets_in, bytes_in, packets_out, bytes_out, last_in, last_out = iface.counters

    def ago(when: float | None) -> str:
        return "never" if when is None else uptime_stamp(now - when)

    in_bits, in_pps = iface.rate("in", now)
    out_bits, out_pps = iface.rate("out", now)
    return [
        f"  Last input {ago(last_in)}, output {ago(last_out)}, output hang never",
        '  Last clearing of "show interface" counters never',
        "  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0",
        "  Queueing strategy: fifo",
        "  Output queue: 0/0 (size/max)",
        f"  5 minute input rate {in_bits} bits/sec, {in_pps} packets/sec",
        f"  5 minute output rate {out_bits} bits/sec, {out_pps} packets/sec",
        f"     {packets_in} packets input, {bytes_in} bytes, 0 no buffer",
        "     Received 0 broadcasts (0 IP multicasts)",
        "     0 runts, 0 giants, 0 throttles",
        "     0 input errors, 0 CRC, 0 frame, 0 overrun, 0 ignored, 0 abort",
        f"     {packets_out} packets output, {bytes_out} bytes, 0 underruns",
        "     0 output errors, 0 collisions, 0 interface resets",
        "     0 unknown protocol drops",
        "     0 output buffer failures, 0 output buffers swapped out",
    ]


def _load(bits_per_second: int, bandwidth_kbit: int) -> int:
    """txload/rxload: the 5-minute rate as a fraction of 255 of the bandwidth (at least 1)."""
    return max(1, min(255, round(255 * bits_per_second / (bandwidth_kbit * 1000))))
