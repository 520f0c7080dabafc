"""Aggressive mode with a pre-shared key gives away what an offline attack needs: ike-scan's
``psk-crack`` input, one line per exchange, from a capture.

RFC 2409 §5.4: AM2 carries HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
with SKEYID = prf(PSK, Ni_b | Nr_b). Every input but the key travels in the clear in AM1 and
AM2, so a guess of the key can be checked against HASH_R without talking to anyone. psk-crack
(ike-scan 1.9, ``psk-crack.c``) reads those values as colon-separated hex, in this order::

    g_xr:g_xi:cky_r:cky_i:sai_b:idir_b:ni_b:nr_b:hash_r

(``ike-scan --pskcrack`` writes the same line). SAi_b and IDir_b are payload bodies without
their generic headers. psk-crack knows MD5 and SHA-1 only (it picks by the hash's length).

Input is ISAKMP datagrams: from a run (:class:`ikesim.export.pcap.Capture`) or read from a
pcap / pcapng capture file (UDP port 500 or 4500 in IPv4 over Ethernet).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pcapng

from ikesim.errors import InputError
from ikesim.isakmp import (
    HEADER_LEN,
    HashPayload,
    IdPayload,
    IsakmpDecodeError,
    KePayload,
    NoncePayload,
    SaPayload,
    decode_header,
    decode_payloads,
    payload_body,
)

EXCHANGE_AGGRESSIVE = 4
ZERO_COOKIE = bytes(8)
NON_ESP_MARKER = bytes(4)      # RFC 3948 §2.2: ISAKMP on UDP 4500 starts with four zero octets
IKE_PORTS = (500, 4500)
PCAP_MAGICS = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">"}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass(frozen=True, slots=True)
class PskCrackEntry:
    """The parameters of one aggressive-mode exchange, as psk-crack wants them."""

    g_xr: bytes
    g_xi: bytes
    cky_r: bytes
    cky_i: bytes
    sai_b: bytes
    idir_b: bytes
    ni_b: bytes
    nr_b: bytes
    hash_r: bytes

    def line(self) -> str:
        return ":".join(v.hex() for v in (self.g_xr, self.g_xi, self.cky_r, self.cky_i,
                                          self.sai_b, self.idir_b, self.ni_b, self.nr_b,
                                          self.hash_r))


def _plain_aggressive(data: bytes) -> tuple[object, list] | None:
    try:
        header = decode_header(data)
        if int(header.exchange) != EXCHANGE_AGGRESSIVE or header.encrypted:
            return None
        return header, decode_payloads(header.next_payload, data[HEADER_LEN:])
    except IsakmpDecodeError:
        return None


def _one(payloads: list, cls: type) -> object | None:
    found = [p for p in payloads if isinstance(p, cls)]
    return found[0] if len(found) == 1 else None


def entries(datagrams: Iterable[bytes]) -> list[PskCrackEntry]:
    """One entry per aggressive-mode exchange whose AM1 and AM2 are both in ``datagrams``
    (in capture order; repeats of a message, e.g. retransmissions or the same frame seen on
    several links, count once)."""
    am1: dict[bytes, tuple[bytes, bytes, bytes]] = {}      # cky_i -> (sai_b, g_xi, ni_b)
    out: dict[bytes, PskCrackEntry] = {}
    for data in datagrams:
        parsed = _plain_aggressive(data)
        if parsed is None:
            continue
        header, payloads = parsed
        sa, ke, nonce = (_one(payloads, c) for c in (SaPayload, KePayload, NoncePayload))
        if sa is None or ke is None or nonce is None:
            continue
        icookie, rcookie = header.icookie, header.rcookie  # type: ignore[attr-defined]
        if rcookie == ZERO_COOKIE:
            am1.setdefault(icookie, (payload_body(sa), ke.data, nonce.data))   # type: ignore
            continue
        ident, hashp = _one(payloads, IdPayload), _one(payloads, HashPayload)
        if icookie not in am1 or ident is None or hashp is None or icookie in out:
            continue
        sai_b, g_xi, ni_b = am1[icookie]
        out[icookie] = PskCrackEntry(ke.data, g_xi, rcookie, icookie, sai_b,  # type: ignore
                                     payload_body(ident), ni_b, nonce.data,  # type: ignore
                                     hashp.data)  # type: ignore[attr-defined]
    return list(out.values())


def lines(datagrams: Iterable[bytes]) -> list[str]:
    return [e.line() for e in entries(datagrams)]


# ---------------------------------------------------------------------- capture files
def _ike_payload(frame: bytes) -> bytes | None:
    """The ISAKMP message in an Ethernet II / IPv4 / UDP 500|4500 frame, else None."""
    if len(frame) < 14 + 20 + 8 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[0] >> 4 != 4 or ip[9] != 17 or len(ip) < ihl + 8:
        return None
    total = int.from_bytes(ip[2:4], "big")
    udp = ip[ihl:total] if ihl < total <= len(ip) else ip[ihl:]
    sport, dport = struct.unpack("!HH", udp[:4])
    payload = udp[8:]
    if dport == 4500 or sport == 4500:
        if not payload.startswith(NON_ESP_MARKER):
            return None                   # ESP in UDP, not ISAKMP
        payload = payload[4:]
    elif dport not in IKE_PORTS and sport not in IKE_PORTS:
        return None
    return payload


def _pcap_frames(data: bytes) -> Iterator[bytes]:
    order = PCAP_MAGICS[data[:4]]
    link_type = struct.unpack(order + "I", data[20:24])[0]
    if link_type != 1:
        raise InputError(f"capture link type {link_type} is not Ethernet")
    pos = 24
    while pos + 16 <= len(data):
        incl = struct.unpack(order + "I", data[pos + 8:pos + 12])[0]
        yield data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


def _pcapng_frames(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        for block in pcapng.FileScanner(f):
            packet = getattr(block, "packet_data", None)
            interface = getattr(block, "interface", None)
            if packet is None or interface is None or interface.link_type != 1:
                continue
            yield bytes(packet)


def capture_datagrams(path: Path) -> list[bytes]:
    """The ISAKMP messages of a pcap or pcapng capture file, in file order."""
    try:
        head = path.read_bytes()[:4]
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror or exc}") from exc
    if head in PCAP_MAGICS:
        frames: Iterable[bytes] = _pcap_frames(path.read_bytes())
    elif head == PCAPNG_MAGIC:
        frames = _pcapng_frames(path)
    else:
        raise InputError(f"{path}: not a pcap or pcapng capture")
    try:
        return [p for p in (_ike_payload(f) for f in frames) if p is not None]
    except (struct.error, ValueError, pcapng.exceptions.PcapngException) as exc:
        raise InputError(f"{path}: damaged capture ({exc})") from exc


def from_capture(path: Path) -> list[str]:
    """psk-crack lines for every aggressive-mode exchange in the capture file."""
    return lines(capture_datagrams(path))
