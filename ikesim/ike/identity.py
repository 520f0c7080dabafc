"""Phase-1 identities (RFC 2407 §4.6.2) and what IOS does with them: the identity a router sends,
the ISAKMP profile a peer's identity matches, and the pre-shared key found for it.

Main mode sends the identity encrypted in MM5, after the key was needed (RFC 2409 §5.4), so its
keys are found by address. Aggressive mode sends the identity in the clear in its first message:
IOS then matches ISAKMP profiles (``match identity``) and looks the key up by hostname first,
by address second (trace 14 in ../shared/fidelity: ":: peer matches j2c-1 profile", "no
pre-shared key based on hostname srx110c2821!", "local preshared key found"). Cisco TAC document
117259 ("IOS IKEv1/IKEv2 Selection Rules for Keyrings and Profiles", IOS 15.3T): a matched
profile restricts the search to its keyrings; without one every keyring and the global keys
(the default keyring) are searched.

Everything here is a pure function of configuration and bytes.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from ikesim.ike.policy import CryptoConfig, IsakmpPeer, IsakmpProfile, PresharedKey
from ikesim.isakmp import IdPayload, IdType

IKE_PROTOCOL, IKE_PORT = 17, 500     # IOS sends its phase-1 identity as UDP/500

ID_NAMES = {int(t): f"ID_{t.name}" for t in IdType}
ID_NAMES[IdType.DER_ASN1_DN] = "ID_DER_ASN1_DN"


def id_name(id_type: int) -> str:
    """"ID_FQDN", "ID_IPV4_ADDR" … (IOS's "using id type" names)."""
    return ID_NAMES.get(int(id_type), f"ID_TYPE_{int(id_type)}")


def address_id(address: int) -> IdPayload:
    return IdPayload(IdType.IPV4_ADDR, IKE_PROTOCOL, IKE_PORT, address.to_bytes(4, "big"))


def name_id(name: str, id_type: int = IdType.FQDN) -> IdPayload:
    return IdPayload(id_type, IKE_PROTOCOL, IKE_PORT, name.encode("ascii", "replace"))


@dataclass(frozen=True, slots=True)
class PeerIdentity:
    """A received identity as IOS reads it: its type and the text it compares."""

    id_type: int
    text: str                 # dotted address, FQDN, user FQDN, or hex for other types
    address: int | None = None

    @classmethod
    def of(cls, p: IdPayload) -> PeerIdentity:
        data, t = bytes(p.data), int(p.id_type)
        if t == IdType.IPV4_ADDR and len(data) == 4:
            value = int.from_bytes(data, "big")
            return cls(t, str(ipaddress.IPv4Address(value)), value)
        if t in (IdType.FQDN, IdType.USER_FQDN, IdType.KEY_ID):
            return cls(t, data.decode("ascii", "replace"))
        return cls(t, data.hex())

    @property
    def is_name(self) -> bool:
        return self.id_type in (IdType.FQDN, IdType.USER_FQDN)


def matching_profile(crypto: CryptoConfig, ident: PeerIdentity) -> IsakmpProfile | None:
    """The first ISAKMP profile with a ``match identity`` rule for ``ident``
    (``CryptoConfig.matching_profile``; IOS prints "peer matches NAME profile" or "peer matches
    *none* of the profiles")."""
    return crypto.matching_profile(
        ident.address, ident.text if ident.id_type == IdType.FQDN else None,
        ident.text if ident.id_type == IdType.USER_FQDN else None)


def _address(value: int | None) -> ipaddress.IPv4Address | None:
    return ipaddress.IPv4Address(value) if value is not None else None


def key_by_hostname(crypto: CryptoConfig, name: str, profile: IsakmpProfile | None = None,
                    local: int | None = None) -> PresharedKey | None:
    """The key configured for an FQDN / user-FQDN identity (`crypto isakmp key K hostname H`,
    keyring `pre-shared-key hostname H key K`), among the keys the session may use
    (``CryptoConfig.key_for_hostname``: the profile's keyrings, keyring local-address)."""
    return crypto.key_for_hostname(name, local=_address(local), profile=profile)


def key_by_address(crypto: CryptoConfig, peer: int, profile: IsakmpProfile | None = None,
                   local: int | None = None) -> PresharedKey | None:
    """The most specific address key covering ``peer`` (``CryptoConfig.key_for``)."""
    return crypto.key_for(ipaddress.IPv4Address(peer), local=_address(local), profile=profile)


@dataclass(frozen=True, slots=True)
class KeyLookup:
    """How the key for an aggressive-mode peer was found (each step is a debug line)."""

    key: PresharedKey | None
    hostname_missing: str | None = None   # "no pre-shared key based on hostname X!"


def key_for_identity(crypto: CryptoConfig, peer: int, ident: PeerIdentity,
                     profile: IsakmpProfile | None, local: int | None = None) -> KeyLookup:
    """Aggressive-mode responder: a name identity is looked up by hostname first; if no key
    has that name the address keys are tried (trace 14)."""
    if ident.is_name:
        key = key_by_hostname(crypto, ident.text, profile, local)
        if key is not None:
            return KeyLookup(key)
        return KeyLookup(key_by_address(crypto, peer, profile, local),
                         hostname_missing=ident.text)
    return KeyLookup(key_by_address(crypto, peer, profile, local))


# ------------------------------------------------------------------ the identity a router sends
def local_identity(crypto: CryptoConfig, local: int, *, self_identity: str | None = None,
                   client_endpoint: str | None = None) -> IdPayload:
    """The phase-1 identity a router sends: `set aggressive-mode client-endpoint` (Cisco
    document 20641: ``fqdn NAME | user-fqdn NAME | ipv4-address A``), else the ISAKMP
    profile's ``self-identity``, else `crypto isakmp identity address|hostname` (Cisco IOS
    Security Command Reference: the default identity is the address; ``hostname`` sends the
    router's fully qualified name)."""
    if client_endpoint:
        words = client_endpoint.split()
        if len(words) >= 2:
            how, value = words[0].lower(), words[1]
            if how == "fqdn":
                return name_id(value)
            if how == "user-fqdn":
                return name_id(value, IdType.USER_FQDN)
            if how == "ipv4-address":
                try:
                    return address_id(int(ipaddress.IPv4Address(value)))
                except ValueError:
                    pass
    if self_identity:
        words = self_identity.split()
        if words[0] == "fqdn" and crypto.local_fqdn:
            return name_id(crypto.local_fqdn)
        if words[0] == "user-fqdn" and len(words) > 1:
            return name_id(words[1], IdType.USER_FQDN)
        if words[0] == "address" and len(words) > 1:
            try:
                return address_id(int(ipaddress.IPv4Address(words[1])))
            except ValueError:
                pass
        return address_id(local)
    if crypto.identity == "hostname" and crypto.local_fqdn:
        return name_id(crypto.local_fqdn)
    return address_id(local)


# ------------------------------------------------------------------ starting aggressive mode
@dataclass(frozen=True, slots=True)
class AggressivePlan:
    """Why and how this router starts aggressive mode towards a peer."""

    key: bytes | None              # None: signatures (the profile names a trustpoint)
    identity: IdPayload
    source: str                     # "peer" (crypto isakmp peer) | "profile NAME"
    profile: str | None = None


def _peer_entry(crypto: CryptoConfig, peer: int) -> IsakmpPeer | None:
    addr = ipaddress.IPv4Address(peer)
    for entry in crypto.peers:
        if entry.address == addr and (entry.aggressive_password or
                                      entry.aggressive_client_endpoint):
            return entry
    return None


def aggressive_plan(crypto: CryptoConfig, local: int, peer: int,
                    profile_name: str | None = None) -> AggressivePlan | None:
    """How IOS initiates towards ``peer``: aggressive mode when `crypto isakmp peer address
    A` has `set aggressive-mode password|client-endpoint` (Cisco document 20641, IOS
    12.2(8)T: the password is the pre-shared key), or when the crypto map entry's ISAKMP
    profile says `initiate mode aggressive` (key from its keyrings). None: main mode."""
    entry = _peer_entry(crypto, peer)
    if entry is not None:
        key = entry.aggressive_password
        if key is None:
            found = key_by_address(crypto, peer, local=local)
            if found is None:
                return None
            key = found.key
        ident = local_identity(crypto, local, client_endpoint=entry.aggressive_client_endpoint)
        return AggressivePlan(key.encode(), ident, "peer")
    profile = crypto.isakmp_profiles.get(profile_name or "")
    if profile is not None and profile.initiate_aggressive:
        found = key_by_address(crypto, peer, profile, local)
        if found is None and not profile.trustpoints:
            return None
        ident = local_identity(crypto, local, self_identity=profile.self_identity)
        return AggressivePlan(found.key.encode() if found is not None else None, ident,
                              f"profile {profile.name}", profile.name)
    return None
