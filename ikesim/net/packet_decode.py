"""Decoding an IPv4 datagram (the ESP or GRE inner packet) back into the network model's Packet:
RFC 791 header, then UDP (RFC 768), TCP (RFC 793) or ICMP (RFC 792); anything else stays raw
bytes."""

from __future__ import annotations

import struct

from ikesim.net.acl import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from ikesim.net.packet import Icmp, Packet, Tcp, Udp, checksum


class DecodeError(ValueError):
    pass


def decode_packet(data: bytes) -> Packet:
    if len(data) < 20:
        raise DecodeError(f"IPv4 header needs 20 octets, got {len(data)}")
    vihl, _tos, total, ident, _frag, ttl, proto, _csum, src, dst = struct.unpack_from(
        "!BBHHHBBHII", data)
    ihl = (vihl & 0x0F) * 4
    if vihl >> 4 != 4 or ihl < 20 or total < ihl or total > len(data):
        raise DecodeError("not a well-formed IPv4 header")
    if checksum(data[:ihl]) != 0:
        raise DecodeError("IPv4 header checksum mismatch")
    body = data[ihl:total]
    payload: Udp | Icmp | Tcp | bytes
    if proto == PROTO_TCP and len(body) >= 20 and (body[12] >> 4) * 4 <= len(body):
        sport, dport, seq, ack, offset_flags, window = struct.unpack_from("!HHIIHH", body)
        payload = Tcp(sport, dport, seq, ack, offset_flags & 0x3F, window,
                      bytes(body[(offset_flags >> 12) * 4:]))
    elif proto == PROTO_UDP and len(body) >= 8:
        sport, dport, length, _ = struct.unpack_from("!HHHH", body)
        payload = Udp(sport, dport, bytes(body[8:length]))
    elif proto == PROTO_ICMP and len(body) >= 8:
        itype, code, _c, pid, seq = struct.unpack_from("!BBHHH", body)
        payload = Icmp(itype, code, pid, seq, bytes(body[8:]))
    else:
        payload = bytes(body)
    return Packet(src, dst, proto, ttl, payload, total, ident)
