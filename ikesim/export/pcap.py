"""The senders' log of a run: every ISAKMP datagram and ESP packet the routers sent, once each
(a classic pcap of it for the crypto oracle tests), the Wireshark ``ikev1_decryption_table``
lines that let Wireshark decrypt MM5/MM6 and quick mode, and ``esp_sa`` lines for the ESP
payloads. What actually crossed the links (``ikesim run --pcap``) is
:mod:`ikesim.export.wire`'s: a datagram in this log may have been discarded by its sender.

The pcap format (a 24-octet global header, a 16-octet header per record) and the Ethernet
header are a few lines of ``struct`` (the IPv4/UDP bytes come from ``ikesim.net.packet``).
Timestamps are the simulated times on a fixed epoch, so captures are reproducible.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ikesim.net.acl import PROTO_UDP
from ikesim.net.packet import IP_HEADER_LEN, UDP_HEADER_LEN, Packet, Udp, encode_packet

PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
EPOCH = 1303776000          # 2011-04-26 00:00:00 UTC, the seed write-up's date
ETHERTYPE_IPV4 = 0x0800


@dataclass(frozen=True, slots=True)
class CapturedDatagram:
    time: float
    src: int
    dst: int
    sport: int
    dport: int
    data: bytes
    protocol: int = 17      # 17 UDP (ISAKMP) or 50 ESP (``data`` is then the ESP payload)


def _mac(address: int) -> bytes:
    """A locally administered MAC derived from the IPv4 address (02:00 + the address)."""
    return b"\x02\x00" + address.to_bytes(4, "big")


def frame(d: CapturedDatagram, ident: int) -> bytes:
    """One Ethernet II frame: the datagram's real IPv4 bytes (UDP for ISAKMP, raw for ESP) as the
    network model encodes them, behind MAC addresses derived from the IP addresses."""
    payload: Udp | bytes = Udp(d.sport, d.dport, d.data) if d.protocol == PROTO_UDP else d.data
    size = IP_HEADER_LEN + (UDP_HEADER_LEN if d.protocol == PROTO_UDP else 0) + len(d.data)
    ip = encode_packet(Packet(d.src, d.dst, d.protocol, 255, payload, size, ident & 0xFFFF))
    return _mac(d.dst) + _mac(d.src) + struct.pack("!H", ETHERTYPE_IPV4) + ip


def pcap_bytes(datagrams: list[CapturedDatagram]) -> bytes:
    out = [struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET)]
    for i, d in enumerate(datagrams):
        data = frame(d, i + 1)
        micros = round(d.time * 1_000_000)
        sec, usec = divmod(micros, 1_000_000)
        out.append(struct.pack("<IIII", EPOCH + sec, usec, len(data), len(data)) + data)
    return b"".join(out)


@dataclass
class Capture:
    """Collects the ISAKMP datagrams and ESP packets the routers sent (each once, as sent:
    the senders' log, not a capture point) and the keys for Wireshark."""

    datagrams: list[CapturedDatagram] = field(default_factory=list)
    keys: dict[bytes, bytes] = field(default_factory=dict)   # initiator cookie -> cipher key
    services: list[Any] = field(default_factory=list)         # CryptoServices (ESP SA export)

    @classmethod
    def attach(cls, runtime: Any, capture_at: None = None) -> Capture:
        """Record what every router's ISAKMP service sent and the keys it derived.
        (Capture points are :class:`ikesim.export.wire.WireCapture`'s business; this log is
        the senders' view, which includes datagrams that never reached a link.)"""
        if capture_at is not None:
            raise TypeError("capture points: use ikesim.export.wire.WireCapture")
        capture = cls()
        for dev in runtime.devices.values():
            if dev.crypto is not None:
                dev.crypto.on_send.append(capture._on_send)
                dev.crypto.on_esp.append(capture._on_esp)
                dev.crypto.on_keys.append(capture._on_keys)
                capture.services.append(dev.crypto)
        return capture

    def _on_send(self, now: float, src: int, sport: int, dst: int, dport: int,
                 data: bytes) -> None:
        self.datagrams.append(CapturedDatagram(now, src, dst, sport, dport, data))

    def _on_esp(self, now: float, src: int, dst: int, esp: bytes) -> None:
        self.datagrams.append(CapturedDatagram(now, src, dst, 0, 0, esp, 50))

    def _on_keys(self, icookie: bytes, cipher_key: bytes) -> None:
        self.keys[icookie] = cipher_key

    def write_pcap(self, path: Path) -> None:
        path.write_bytes(pcap_bytes(self.datagrams))

    def key_table_lines(self) -> list[str]:
        """``ikev1_decryption_table`` UAT lines: ``<icookie hex>,<cipher key hex>``."""
        return [f"{ck.hex()},{key.hex()}" for ck, key in self.keys.items()]

    def write_keys(self, path: Path) -> None:
        path.write_text("".join(line + "\n" for line in self.key_table_lines()))

    def esp_sa_lines(self) -> list[str]:
        """Wireshark ``esp_sa`` UAT records (Wireshark 4.0 columns: protocol, source, destination,
        SPI, encryption, key, authentication, key), one per direction: every router's inbound
        SAs (its peer's outbound ones are the same SAs). A UDP-encapsulated SA's addresses are
        wildcards: a NAT rewrites the outer addresses between the two ends (RFC 3948 §1), so
        the addresses one end knows are not those every capture point sees."""
        lines: list[str] = []
        seen: set[tuple[int, int]] = set()
        for service in self.services:
            for pair in service.engine.ipsec_pairs():
                sa = pair.inbound
                if (sa.spi, sa.dst) in seen:
                    continue
                seen.add((sa.spi, sa.dst))
                t = sa.transform
                src, dst = (("*", "*") if pair.udp_encapsulated
                            else (_dotted(sa.src), _dotted(sa.dst)))
                fields = ["IPv4", src, dst, f"0x{sa.spi:08x}",
                          t.cipher.wireshark, f"0x{sa.enc_key.hex()}", t.auth.wireshark,
                          f"0x{sa.auth_key.hex()}"]
                lines.append(",".join(f'"{f}"' for f in fields))
        return lines

    def write_esp_keys(self, path: Path) -> None:
        """``--esp-keys FILE``: the ``esp_sa`` table (copy it into the Wireshark profile's
        ``esp_sa`` file, or pass each line as ``-o uat:esp_sa:LINE`` to tshark)."""
        path.write_text("".join(line + "\n" for line in self.esp_sa_lines()))


def _dotted(address: int) -> str:
    return ".".join(str(b) for b in address.to_bytes(4, "big"))
