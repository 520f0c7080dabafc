"""NAT of ICMP errors coming back from outside (RFC 5508 §4.2): an unreachable or time
exceeded addressed to an inside global address quotes the translated packet; the error goes to
the inside local host with the quoted header translated back, its checksums adjusted
incrementally (RFC 1624)."""

from __future__ import annotations

import struct
from typing import TYPE_CHECKING

from ikesim.net.acl import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from ikesim.net.packet import IP_HEADER_LEN, Icmp, Packet, checksum

if TYPE_CHECKING:
    from ikesim.net.nat import Nat


def adjust(sum16: int, old: bytes, new: bytes) -> int:
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') over 16-bit words."""
    total = ~sum16 & 0xFFFF
    for (o,), (n,) in zip(struct.iter_unpack("!H", old), struct.iter_unpack("!H", new),
                          strict=True):
        total += (~o & 0xFFFF) + n
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def translate_icmp_error(nat: Nat, packet: Packet, now: float) -> None:
    icmp = packet.payload
    if not isinstance(icmp, Icmp) or len(icmp.data) < IP_HEADER_LEN + 8:
        return
    quote = bytearray(icmp.data)
    proto = quote[9]
    src, dst = struct.unpack_from("!II", quote, 12)
    if src != packet.dst or proto not in (PROTO_ICMP, PROTO_TCP, PROTO_UDP):
        return
    if proto == PROTO_ICMP:
        ident = struct.unpack_from("!H", quote, 24)[0]
        key = (PROTO_ICMP, src, ident, dst, ident)
    else:
        sport, dport = struct.unpack_from("!HH", quote, 20)
        key = (proto, src, sport, dst, dport)
    entry = nat._live(nat._outside, key, now)
    if entry is None:
        return
    old_addr = struct.pack("!I", src)
    new_addr = struct.pack("!I", entry.inside_local)
    port_at = 24 if proto == PROTO_ICMP else 20
    old_port = bytes(quote[port_at:port_at + 2])
    new_port = struct.pack("!H", entry.local_port or 0)
    quote[12:16] = new_addr
    quote[port_at:port_at + 2] = new_port
    quote[10:12] = b"\x00\x00"
    quote[10:12] = struct.pack("!H", checksum(bytes(quote[:IP_HEADER_LEN])))
    if proto == PROTO_ICMP:  # the echo checksum covers the identifier only
        old_sum = struct.unpack_from("!H", quote, 22)[0]
        quote[22:24] = struct.pack("!H", adjust(old_sum, old_port, new_port))
    elif proto == PROTO_UDP and struct.unpack_from("!H", quote, 26)[0] != 0:
        old_sum = struct.unpack_from("!H", quote, 26)[0]
        quote[26:28] = struct.pack("!H", adjust(old_sum, old_addr + old_port,
                                                 new_addr + new_port))
    icmp.data = bytes(quote)
    entry.last_used = now
    packet.dst = entry.inside_local
