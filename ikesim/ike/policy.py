"""Crypto configuration as data: ISAKMP policies, pre-shared keys, transform sets, crypto maps.

Filled by the IOS configuration parser (``ikesim.ios.config``) and read by the IKE engine.
Names follow IOS keywords; the mapping to wire values lives in the engine.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

# An IPv4 address as the engine holds it (an int) or as configuration parses it.
Address = int | ipaddress.IPv4Address

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
    """``crypto isakmp key KEY address A [MASK]`` / ``... hostname NAME``, also inside a
    ``crypto keyring`` (``pre-shared-key address A [MASK] key KEY`` / ``hostname NAME key K``).
    A hostname key has ``hostname`` set; its address is 0.0.0.0/0.0.0.0 and never matches by
    address."""

    key: str
    address: ipaddress.IPv4Address
    mask: ipaddress.IPv4Address = ipaddress.IPv4Address("255.255.255.255")
    line: int = 0
    hostname: str | None = None

    def covers(self, peer: Address) -> bool:
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
    dynamic_map: str | None = None       # `crypto map M N ipsec-isakmp dynamic D`
    isakmp_profile: str | None = None    # `set isakmp-profile P`
    reverse_route: bool = False          # `reverse-route [static]`
    description: str | None = None       # `description TEXT`


@dataclass(slots=True)
class Keyring:
    """``crypto keyring NAME`` (``local-address IFACE|A``; pre-shared keys by address/hostname)."""

    name: str
    keys: list[PresharedKey] = field(default_factory=list)
    local_address: str | None = None     # canonical interface name or dotted address
    line: int = 0


@dataclass(slots=True)
class ProfileIdentity:
    """``match identity address A [MASK] | host NAME | host domain D | user-fqdn U``."""

    kind: str                            # "address" | "host" | "host-domain" | "user-fqdn"
    value: str
    mask: ipaddress.IPv4Address | None = None


@dataclass(slots=True)
class IsakmpProfile:
    """``crypto isakmp profile NAME``."""

    name: str
    keyrings: list[str] = field(default_factory=list)
    identities: list[ProfileIdentity] = field(default_factory=list)
    self_identity: str | None = None     # "address" | "fqdn" | "user-fqdn X" | "hostname"
    local_address: str | None = None
    keepalive: tuple[int, int] | None = None
    initiate_aggressive: bool = False    # `initiate mode aggressive`
    trustpoints: list[str] = field(default_factory=list)   # `ca trust-point NAME`
    line: int = 0


@dataclass(slots=True)
class IpsecProfile:
    """``crypto ipsec profile NAME`` (route-based VPNs: `tunnel protection ipsec profile`)."""

    name: str
    transform_sets: list[str] = field(default_factory=list)
    pfs_group: int | None = None
    lifetime_seconds: int | None = None
    lifetime_kilobytes: int | None = None
    isakmp_profile: str | None = None
    line: int = 0


@dataclass(slots=True)
class IsakmpPeer:
    """``crypto isakmp peer address A | hostname H`` (aggressive-mode client settings)."""

    address: ipaddress.IPv4Address | None = None
    hostname: str | None = None
    aggressive_client_endpoint: str | None = None   # `set aggressive-mode client-endpoint ...`
    aggressive_password: str | None = None          # `set aggressive-mode password ...`
    line: int = 0


@dataclass(slots=True)
class Trustpoint:
    """``crypto pki trustpoint NAME`` as far as a lab needs it (the lab's PKI issues the
    certificates; ``enrollment`` lines are a shortcut, see ikesim's PKI docs)."""

    name: str
    enrollment: str | None = None
    subject_name: str | None = None
    revocation_check: str | None = None
    auto_enroll: bool = False            # `auto-enroll [PERCENT]`: renewed before it expires
    used: bool = False                   # referenced by a profile/policy (else only a warning)
    line: int = 0


@dataclass(frozen=True, slots=True)
class ConnectionIdentities:
    """The phase-1 identities of the connection to one peer (Linux gateways: swanctl ``local
    { id }`` / ``remote { id }``, libreswan ``leftid=``/``rightid=``): ours as sent in MM5/MM6
    and, when set, the one the peer must send (RFC 2407 §4.6.2.1 types: 1 ID_IPV4_ADDR, 2
    ID_FQDN, 3 ID_USER_FQDN; ``data`` as on the wire)."""

    local_type: int
    local_data: bytes
    remote_type: int | None = None
    remote_data: bytes = b""


@dataclass(slots=True)
class CryptoConfig:
    """Everything under ``crypto`` in one device's configuration."""

    policies: dict[int, IsakmpPolicy] = field(default_factory=dict)
    keys: list[PresharedKey] = field(default_factory=list)
    transform_sets: dict[str, TransformSet] = field(default_factory=dict)
    maps: dict[str, list[CryptoMapEntry]] = field(default_factory=dict)
    keepalive: tuple[int, int] | None = None   # `crypto isakmp keepalive SECONDS [RETRY]`
    keepalive_mode: str = "on-demand"          # ... `periodic` | `on-demand` (IOS default)
    keyrings: dict[str, Keyring] = field(default_factory=dict)
    isakmp_profiles: dict[str, IsakmpProfile] = field(default_factory=dict)
    dynamic_maps: dict[str, list[CryptoMapEntry]] = field(default_factory=dict)
    ipsec_profiles: dict[str, IpsecProfile] = field(default_factory=dict)
    peers: list[IsakmpPeer] = field(default_factory=list)
    trustpoints: dict[str, Trustpoint] = field(default_factory=dict)
    identity: str = "address"                  # `crypto isakmp identity address|hostname|dn`
    aggressive_mode: bool = True               # `crypto isakmp aggressive-mode disable`
    nat_keepalive: int | None = None           # `crypto isakmp nat keepalive N`
    nat_transparency: bool = True              # `no crypto ipsec nat-transparency
                                               #  udp-encapsulation` turns NAT-T off
    ipsec_lifetime_seconds: int = 3600         # `crypto ipsec security-association lifetime`
    ipsec_lifetime_kilobytes: int = 4608000
    replay_window: int = 64                    # `... replay window-size N`
    df_bit: str = "copy"                       # `crypto ipsec df-bit clear|set|copy`
    map_local_address: dict[str, str] = field(default_factory=dict)  # map -> interface
    in_negotiation_limit: int | None = None    # `crypto call admission limit ike
                                               #  in-negotiation-sa N`
    # The kernel accepts the IPsec SAs quick mode makes (always on a router; a Linux host
    # without an ESP transform refuses them with ENOSYS, ../shared/fidelity/linux runs A, D).
    kernel_ipsec: bool = True
    # Identities per peer address (0: any peer); a peer not listed gets ID_IPV4_ADDR of the
    # local address and any identity is accepted (IOS `crypto isakmp identity address`).
    identities: dict[int, ConnectionIdentities] = field(default_factory=dict)
    local_fqdn: str = ""                       # hostname[.domain]: `crypto isakmp identity
                                               #  hostname` / `self-identity fqdn` send it
    # The device's interface addresses (canonical name -> address), filled by the parser so
    # that a keyring's `local-address IFACE` can be compared with the local address of an IKE
    # session.
    interface_addresses: dict[str, ipaddress.IPv4Address] = field(default_factory=dict)

    def policies_in_order(self) -> list[IsakmpPolicy]:
        """Policies by priority, lowest number (highest priority) first."""
        return [self.policies[p] for p in sorted(self.policies)]

    # ---- pre-shared key lookup -------------------------------------------------------------
    # Cisco TAC, "IOS IKEv1/IKEv2 Selection Rules for Keyrings and Profiles" (document 117259,
    # IOS 15.3T): keys configured with `crypto isakmp key` form the default (global) keyring.
    # An initiator whose crypto map entry names an ISAKMP profile uses that profile's keyrings;
    # without one, and on a responder (which must pick the key at MM3, before the peer's
    # identity is known), every keyring is searched and the most specific match for the peer's
    # address wins. A keyring with `local-address` is used only for IKE sessions on that local
    # address. RFC 2409 §5.4: main mode keys pre-shared keys by address because the identity is
    # still encrypted when the key is needed; aggressive mode sends the identity in the clear,
    # so a key may be found by hostname (`pre-shared-key hostname`, `crypto isakmp key K
    # hostname H`).

    def _candidate_keys(self, local: Address | None,
                        profile: IsakmpProfile | None) -> list[PresharedKey]:
        if profile is not None and profile.keyrings:
            rings = [self.keyrings[n] for n in profile.keyrings if n in self.keyrings]
            keys: list[PresharedKey] = []
        else:
            rings = list(self.keyrings.values())
            keys = list(self.keys)               # the default keyring
        for ring in rings:
            if self._keyring_applies(ring, local):
                keys += ring.keys
        return keys

    def _keyring_applies(self, ring: Keyring, local: Address | None) -> bool:
        if ring.local_address is None or local is None:
            return True
        restricted = self.interface_addresses.get(ring.local_address)
        if restricted is None:                 # a dotted address (or an unknown interface)
            try:
                restricted = ipaddress.IPv4Address(ring.local_address)
            except ValueError:
                return False
        return int(restricted) == int(local)

    def key_for(self, peer: Address, *, local: Address | None = None,
                profile: IsakmpProfile | None = None) -> PresharedKey | None:
        """The pre-shared key for ``peer`` by address (see the lookup rules above): among the
        applicable keys the longest mask wins, so a host key beats a subnet key which beats the
        wildcard 0.0.0.0 0.0.0.0. ``local``: the local address of the IKE session (keyring
        local-address); ``profile``: the ISAKMP profile in use, if any."""
        best: PresharedKey | None = None
        for k in self._candidate_keys(local, profile):
            # guess: among equally specific keys the first configured wins (the TAC document
            # shows the choice but not the rule).
            if k.hostname is None and k.covers(peer) and (
                    best is None or k.prefix_length > best.prefix_length):
                best = k
        return best

    def key_for_hostname(self, name: str, *, local: Address | None = None,
                         profile: IsakmpProfile | None = None) -> PresharedKey | None:
        """The pre-shared key configured for an FQDN identity (aggressive mode), or None."""
        wanted = name.lower().rstrip(".")
        for k in self._candidate_keys(local, profile):
            if k.hostname is not None and k.hostname.rstrip(".") == wanted:
                return k
        return None

    def matching_profile(self, address: int | None = None, fqdn: str | None = None,
                         user_fqdn: str | None = None) -> IsakmpProfile | None:
        """The first ISAKMP profile (configuration order) with a `match identity` rule for
        the peer's phase-1 identity: an ID_IPV4_ADDR ``address`` (`match identity address A
        [MASK]`), an ID_FQDN ``fqdn`` (`host NAME`, `host domain D`) or an ID_USER_FQDN
        ``user_fqdn`` (`user-fqdn U`). IOS prints "peer matches NAME profile" / "peer matches
        *none* of the profiles" (traces 04, 05 and 14 in ../shared/fidelity, after the ID
        payload dump)."""
        name = fqdn.lower().rstrip(".") if fqdn else None
        user = user_fqdn.lower().rstrip(".") if user_fqdn else None
        for profile in self.isakmp_profiles.values():
            for rule in profile.identities:
                if rule.kind == "address" and address is not None:
                    try:
                        want = int(ipaddress.IPv4Address(rule.value))
                    except ValueError:
                        continue
                    mask = int(rule.mask) if rule.mask is not None else 0xFFFFFFFF
                    if address & mask == want & mask:
                        return profile
                elif rule.kind == "host" and name is not None:
                    if name == rule.value.lower().rstrip("."):
                        return profile
                elif rule.kind == "host-domain" and name is not None:
                    domain = rule.value.lower().strip(".")
                    if name == domain or name.endswith("." + domain):
                        return profile
                elif rule.kind == "user-fqdn" and user is not None:
                    if user == rule.value.lower().rstrip("."):
                        return profile
        return None

    def map_entries(self, map_name: str) -> list[CryptoMapEntry]:
        return sorted(self.maps.get(map_name, []), key=lambda e: e.sequence)
