"""IPv4 packets as small slotted objects, with an RFC 791/768/792/793 byte encoding.

The simulation moves :class:`Packet` objects; :func:`encode_packet` gives the wire bytes (for
captures, and for the "original datagram" quoted inside ICMP errors, RFC 792).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ikesim.net.acl import PROTO_ICMP, PROTO_TCP, PROTO_UDP
from ikesim.net.addr import int_to_ip

IP_HEADER_LEN = 20
UDP_HEADER_LEN = 8
TCP_HEADER_LEN = 20
ICMP_HEADER_LEN = 8

# ICMP types and codes (RFC 792) used by the lab.
ICMP_ECHO_REPLY = 0
ICMP_UNREACHABLE = 3
ICMP_ECHO = 8
ICMP_TIME_EXCEEDED = 11
UNREACH_NET = 0
UNREACH_HOST = 1
UNREACH_PROTOCOL = 2
UNREACH_PORT = 3

# IOS fills echo data with the repeating pattern 0xABCD.
ECHO_PATTERN = b"\xab\xcd"


@dataclass(slots=True)
class Udp:
    sport: int
    dport: int
    data: bytes


@dataclass(slots=True)
class Tcp:
    """A TCP segment (RFC 793 header without options)."""

    sport: int
    dport: int
    seq: int = 0
    ack: int = 0
    flags: int = 0x02  # SYN
    window: int = 4128  # guess: a typical IOS window
    data: bytes = b""


TCP_FIN, TCP_SYN, TCP_RST, TCP_ACK = 0x01, 0x02, 0x04, 0x10


@dataclass(slots=True)
class Icmp:
    type: int
    code: int
    ident: int = 0
    seq: int = 0
    data: bytes = b""


@dataclass(slots=True)
class Packet:
    """An IPv4 datagram. ``size`` is the IP total length in bytes."""

    src: int
    dst: int
    protocol: int
    ttl: int
    payload: Udp | Icmp | Tcp | bytes
    size: int
    ident: int = 0

    def summary(self) -> str:
        """One-line description used in drop events, e.g. ``UDP 10.10.10.2:500 > 11.11.11.2:500``."""
        src, dst, payload = int_to_ip(self.src), int_to_ip(self.dst), self.payload
        if isinstance(payload, Udp):
            return f"UDP {src}:{payload.sport} > {dst}:{payload.dport} len {len(payload.data)}"
        if isinstance(payload, Tcp):
            return f"TCP {src}:{payload.sport} > {dst}:{payload.dport} len {len(payload.data)}"
        if isinstance(payload, Icmp):
            names = {
                ICMP_ECHO: "echo request",
                ICMP_ECHO_REPLY: "echo reply",
                ICMP_UNREACHABLE: "unreachable",
                ICMP_TIME_EXCEEDED: "time exceeded",
            }
            name = names.get(payload.type, f"type {payload.type}")
            if payload.type in (ICMP_ECHO, ICMP_ECHO_REPLY):
                return f"ICMP {name} {src} > {dst} id {payload.ident} seq {payload.seq}"
            return f"ICMP {name} code {payload.code} {src} > {dst}"
        return f"IP proto {self.protocol} {src} > {dst} len {self.size}"


def udp_packet(
    src: int, dst: int, sport: int, dport: int, data: bytes, *, ttl: int = 255, ident: int = 0
) -> Packet:
    return Packet(
        src,
        dst,
        PROTO_UDP,
        ttl,
        Udp(sport, dport, data),
        IP_HEADER_LEN + UDP_HEADER_LEN + len(data),
        ident,
    )


def tcp_packet(
    src: int, dst: int, tcp: Tcp, *, ttl: int = 255, ident: int = 0
) -> Packet:
    return Packet(src, dst, PROTO_TCP, ttl, tcp, IP_HEADER_LEN + TCP_HEADER_LEN + len(tcp.data),
                  ident)


def icmp_packet(src: int, dst: int, icmp: Icmp, *, ttl: int = 255, ident: int = 0) -> Packet:
    return Packet(
        src, dst, PROTO_ICMP, ttl, icmp, IP_HEADER_LEN + ICMP_HEADER_LEN + len(icmp.data), ident
    )


def echo_data(size: int) -> bytes:
    """Echo data for an IOS ``size``-byte ping (size is the whole datagram, min 36 in IOS)."""
    n = max(0, size - IP_HEADER_LEN - ICMP_HEADER_LEN)
    return (ECHO_PATTERN * (n // 2 + 1))[:n]


def checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071)."""
    if len(data) % 2:
        data += b"\x00"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def encode_payload(packet: Packet) -> bytes:
    payload = packet.payload
    if isinstance(payload, Udp):
        length = UDP_HEADER_LEN + len(payload.data)
        pseudo = struct.pack("!IIBBH", packet.src, packet.dst, 0, PROTO_UDP, length)
        header = struct.pack("!HHHH", payload.sport, payload.dport, length, 0)
        csum = checksum(pseudo + header + payload.data) or 0xFFFF  # RFC 768: 0 sent as all ones
        return struct.pack("!HHHH", payload.sport, payload.dport, length, csum) + payload.data
    if isinstance(payload, Tcp):
        length = TCP_HEADER_LEN + len(payload.data)
        pseudo = struct.pack("!IIBBH", packet.src, packet.dst, 0, PROTO_TCP, length)
        fields = (payload.sport, payload.dport, payload.seq, payload.ack,
                  (TCP_HEADER_LEN // 4) << 12 | payload.flags, payload.window)
        header = struct.pack("!HHIIHHHH", *fields, 0, 0)
        csum = checksum(pseudo + header + payload.data)
        return struct.pack("!HHIIHHHH", *fields, csum, 0) + payload.data
    if isinstance(payload, Icmp):
        body = struct.pack("!BBHHH", payload.type, payload.code, 0, payload.ident, payload.seq)
        csum = checksum(body + payload.data)
        return (
            struct.pack("!BBHHH", payload.type, payload.code, csum, payload.ident, payload.seq)
            + payload.data
        )
    return bytes(payload)


def encode_header(packet: Packet, payload_len: int | None = None) -> bytes:
    total = packet.size if payload_len is None else IP_HEADER_LEN + payload_len
    header = struct.pack(
        "!BBHHHBBHII",
        0x45,
        0,
        total,
        packet.ident & 0xFFFF,
        0,
        packet.ttl,
        packet.protocol,
        0,
        packet.src,
        packet.dst,
    )
    csum = checksum(header)
    return header[:10] + struct.pack("!H", csum) + header[12:]


def encode_packet(packet: Packet) -> bytes:
    """The datagram as it would be on the wire (RFC 791 header + transport bytes)."""
    payload = encode_payload(packet)
    return encode_header(packet, len(payload)) + payload


def icmp_error_quote(packet: Packet) -> bytes:
    """What an ICMP error carries: the offending IP header plus 64 bits of its data (RFC 792)."""
    return encode_packet(packet)[: IP_HEADER_LEN + 8]


def quoted_echo(data: bytes) -> tuple[int, int, int] | None:
    """(original source, echo ident, echo seq) of an echo request quoted in an ICMP error."""
    if len(data) < IP_HEADER_LEN + 8 or data[9] != PROTO_ICMP or data[20] != ICMP_ECHO:
        return None
    src = struct.unpack_from("!I", data, 12)[0]
    ident, seq = struct.unpack_from("!HH", data, 24)
    return src, ident, seq
