"""Crypto configuration as data: ISAKMP policies, pre-shared keys, transform sets, crypto maps.

Filled by the IOS configuration parser (``ikesim.ios.config``) and read by the IKE engine.
Names follow IOS keywords; the mapping to wire values lives in the engine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# IOS `encryption` keywords (with the AES key size folded in) and `hash` keywords.
ENCRYPTIONS = ("des", "3des", "aes128", "aes192", "aes256")
HASHES = ("md5", "sha", "sha256", "sha384", "sha512")
AUTHENTICATIONS = ("pre-share", "rsa-sig", "rsa-encr")
GROUPS = (1, 2, 5, 14)


@dataclass(slots=True)
class IsakmpPolicy:
    """``crypto isakmp policy N`` with the IOS defaults for lines that are absent."""

    priority: int
    encryption: str = "des"
    hash: str = "sha"
    authentication: str = "rsa-sig"
    group: int = 1
    lifetime: int = 86400
    line: int = 0


@dataclass(slots=True)
class PresharedKey:
    """``crypto isakmp key KEY address A [MASK]``."""

    key: str
    address: ipaddress.IPv4Address
    mask: ipaddress.IPv4Address = ipaddress.IPv4Address("255.255.255.255")
    line: int = 0

    def covers(self, peer: ipaddress.IPv4Address) -> bool:
        m = int(self.mask)
        return (int(peer) & m) == (int(self.address) & m)

    @property
    def prefix_length(self) -> int:
        return bin(int(self.mask)).count("1")


@dataclass(slots=True)
class TransformSet:
    """``crypto ipsec transform-set NAME t1 [t2 [t3]]`` (tunnel mode unless ``mode transport``)."""

    name: str
    transforms: list[str]
    mode: str = "tunnel"
    line: int = 0


@dataclass(slots=True)
class CryptoMapEntry:
    """``crypto map NAME SEQ ipsec-isakmp`` and its ``set``/``match`` lines."""

    map_name: str
    sequence: int
    peers: list[ipaddress.IPv4Address] = field(default_factory=list)
    transform_sets: list[str] = field(default_factory=list)
    match_acl: str | None = None
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: int | None = None
    line: int = 0


@dataclass(slots=True)
class CryptoConfig:
    """Everything under ``crypto`` in one device's configuration."""

    policies: dict[int, IsakmpPolicy] = field(default_factory=dict)
    keys: list[PresharedKey] = field(default_factory=list)
    transform_sets: dict[str, TransformSet] = field(default_factory=dict)
    maps: dict[str, list[CryptoMapEntry]] = field(default_factory=dict)
    keepalive: tuple[int, int] | None = None   # `crypto isakmp keepalive SECONDS [RETRY]`

    def policies_in_order(self) -> list[IsakmpPolicy]:
        """Policies by priority, lowest number (highest priority) first."""
        return [self.policies[p] for p in sorted(self.policies)]

    def key_for(self, peer: ipaddress.IPv4Address) -> PresharedKey | None:
        """The pre-shared key for ``peer``; the most specific mask wins (RFC 2409 §5.4 keys
        main-mode PSKs by address because the identity is still encrypted when it is needed)."""
        best: PresharedKey | None = None
        for k in self.keys:
            if k.covers(peer) and (best is None or k.prefix_length > best.prefix_length):
                best = k
        return best

    def map_entries(self, map_name: str) -> list[CryptoMapEntry]:
        return sorted(self.maps.get(map_name, []), key=lambda e: e.sequence)
