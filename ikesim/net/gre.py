"""GRE header (RFC 2784) with the key and sequence number extensions (RFC 2890).

::

    0                   1                   2                   3
    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
   |C| |K|S| Reserved0       | Ver |         Protocol Type         |
   |      Checksum (optional)      |       Reserved1 (Optional)    |
   |                         Key (optional)                        |
   |                 Sequence Number (Optional)                    |

The checksum (RFC 2784 §2.5) is the Internet checksum of the GRE header and payload. A receiver
discards a packet whose version is not 0 or that sets reserved bits (RFC 2784 §2.3, §2.3.1).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from ikesim.net.packet import checksum

PROTO_GRE = 47
ETHERTYPE_IPV4 = 0x0800
GRE_BASE_LEN = 4
_C, _K, _S = 0x8000, 0x2000, 0x1000
_RESERVED0 = 0x4FF8  # bits 1 and 4–12 (bits 2 and 3 are K and S, RFC 2890 §2)


class GreError(ValueError):
    """A GRE header this receiver must discard (RFC 2784 §2.3)."""


@dataclass(frozen=True, slots=True)
class GreHeader:
    protocol: int = ETHERTYPE_IPV4
    key: int | None = None
    sequence: int | None = None
    checksum: bool = False

    @property
    def length(self) -> int:
        return GRE_BASE_LEN + 4 * (self.checksum + (self.key is not None)
                                   + (self.sequence is not None))


def encode_gre(header: GreHeader, payload: bytes) -> bytes:
    flags = (_C if header.checksum else 0) | (_K if header.key is not None else 0) | (
        _S if header.sequence is not None else 0)
    parts = [struct.pack("!HH", flags, header.protocol)]
    if header.checksum:
        parts.append(b"\x00\x00\x00\x00")
    if header.key is not None:
        parts.append(struct.pack("!I", header.key))
    if header.sequence is not None:
        parts.append(struct.pack("!I", header.sequence))
    data = b"".join(parts) + payload
    if header.checksum:
        csum = checksum(data)
        data = data[:4] + struct.pack("!H", csum) + data[6:]
    return data


def decode_gre(data: bytes) -> tuple[GreHeader, bytes]:
    """(header, payload); GreError for what RFC 2784 says to discard."""
    if len(data) < GRE_BASE_LEN:
        raise GreError(f"GRE header needs 4 octets, got {len(data)}")
    flags, protocol = struct.unpack_from("!HH", data)
    if flags & 0x0007:
        raise GreError(f"GRE version {flags & 7} (only 0 is defined)")
    if flags & _RESERVED0:
        raise GreError("GRE reserved bits set")
    offset = GRE_BASE_LEN
    has_checksum = bool(flags & _C)
    needed = offset + 4 * (has_checksum + bool(flags & _K) + bool(flags & _S))
    if len(data) < needed:
        raise GreError(f"GRE header needs {needed} octets, got {len(data)}")
    if has_checksum:
        if checksum(data) != 0:
            raise GreError("GRE checksum mismatch")
        offset += 4
    key = sequence = None
    if flags & _K:
        key = struct.unpack_from("!I", data, offset)[0]
        offset += 4
    if flags & _S:
        sequence = struct.unpack_from("!I", data, offset)[0]
        offset += 4
    return GreHeader(protocol, key, sequence, has_checksum), bytes(data[offset:])
