"""Phase-1 proposals: IOS policies to transforms (MM1) and the responder's policy check.

Wire values are RFC 2409 Appendix A; key length (class 14) is sent for AES only, right after the
encryption algorithm, as IOS does (trace 04: "encryption AES-CBC", "keylength of 256", "hash SHA"…).
The check walks offered transforms × local policies in priority order and reports what IOS
debugs print ("Checking ISAKMP transform 1 against priority 1 policy", mismatches, "atts are
(not) acceptable. Next payload is N") as (kind, fields) pairs the engine turns into events.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ikesim.ike.policy import IsakmpPolicy
from ikesim.ike.sa import Negotiated
from ikesim.isakmp import Attribute, Proposal, SaPayload, Transform

# RFC 2409 Appendix A attribute classes.
ATTR_ENCRYPTION = 1
ATTR_HASH = 2
ATTR_AUTH = 3
ATTR_GROUP = 4
ATTR_LIFE_TYPE = 11
ATTR_LIFE_DURATION = 12
ATTR_KEY_LENGTH = 14
LIFE_SECONDS = 1
LIFE_KILOBYTES = 2
PROTO_ISAKMP = 1
KEY_IKE = 1

ENCRYPTION_WIRE: dict[str, tuple[int, int | None]] = {
    "des": (1, None), "3des": (5, None),
    "aes128": (7, 128), "aes192": (7, 192), "aes256": (7, 256),
}
HASH_WIRE = {"md5": 1, "sha": 2, "sha256": 4, "sha384": 5, "sha512": 6}
AUTH_WIRE = {"pre-share": 1, "rsa-sig": 3, "rsa-encr": 4}

# IOS debug names for attribute values (events carry these, ios/ prints them).
ENCRYPTION_NAMES = {1: "DES-CBC", 5: "3DES-CBC", 7: "AES-CBC"}
HASH_NAMES = {1: "MD5", 2: "SHA", 4: "SHA256", 5: "SHA384", 6: "SHA512"}
AUTH_NAMES = {1: "pre-share", 3: "rsa-sig", 4: "rsa-encr"}
LIFE_TYPE_NAMES = {1: "seconds", 2: "kilobytes"}
ATTR_NAMES = {ATTR_ENCRYPTION: "encryption", ATTR_HASH: "hash", ATTR_AUTH: "auth",
              ATTR_GROUP: "group", ATTR_LIFE_TYPE: "life_type",
              ATTR_LIFE_DURATION: "life_duration", ATTR_KEY_LENGTH: "key_length"}
VALUE_NAMES = {ATTR_ENCRYPTION: ENCRYPTION_NAMES, ATTR_HASH: HASH_NAMES, ATTR_AUTH: AUTH_NAMES,
               ATTR_LIFE_TYPE: LIFE_TYPE_NAMES}


def life_duration_attribute(seconds: int) -> Attribute:
    """TV when it fits 16 bits, else a 4-octet TLV (IOS sends 86400 as 00 01 51 80)."""
    if seconds <= 0xFFFF:
        return Attribute(ATTR_LIFE_DURATION, seconds, tv=True)
    return Attribute(ATTR_LIFE_DURATION, seconds.to_bytes(4, "big"), tv=False)


def policy_transform(policy: IsakmpPolicy, number: int, order: str = "ios") -> Transform:
    """One MM1 transform for a local policy, attributes in IOS order (strongSwan 5.9.8 uses
    the same order, proposal_substructure.c set_from_proposal_v1_ike()) or, ``order``
    "pluto", in libreswan's: life type and duration first, then encryption, hash, auth,
    group, key length (ikev1_spdb_struct.c emits the life attributes before the table's)."""
    enc, key_len = ENCRYPTION_WIRE[policy.encryption]
    life = [Attribute(ATTR_LIFE_TYPE, LIFE_SECONDS, tv=True),
            life_duration_attribute(policy.lifetime)]
    if order == "pluto":
        attrs = [*life, Attribute(ATTR_ENCRYPTION, enc, tv=True),
                 Attribute(ATTR_HASH, HASH_WIRE[policy.hash], tv=True),
                 Attribute(ATTR_AUTH, AUTH_WIRE[policy.authentication], tv=True),
                 Attribute(ATTR_GROUP, policy.group, tv=True)]
        if key_len is not None:
            attrs.append(Attribute(ATTR_KEY_LENGTH, key_len, tv=True))
        return Transform(number, KEY_IKE, attrs)
    attrs = [Attribute(ATTR_ENCRYPTION, enc, tv=True)]
    if key_len is not None:
        attrs.append(Attribute(ATTR_KEY_LENGTH, key_len, tv=True))
    attrs += [
        Attribute(ATTR_HASH, HASH_WIRE[policy.hash], tv=True),
        Attribute(ATTR_GROUP, policy.group, tv=True),
        Attribute(ATTR_AUTH, AUTH_WIRE[policy.authentication], tv=True),
        *life,
    ]
    return Transform(number, KEY_IKE, attrs)


def initiator_sa(policies: list[IsakmpPolicy], *, order: str = "ios",
                 first: int = 1) -> SaPayload:
    """IOS (and strongSwan) offer ONE proposal with one transform per policy, in priority
    order; libreswan numbers the transforms from 0 (ikev1_spdb_struct.c: isat_transnum = tn)."""
    transforms = [policy_transform(p, first + i, order) for i, p in enumerate(policies)]
    return SaPayload([Proposal(1, PROTO_ISAKMP, b"", transforms)])


_OCTETS = (bytes, bytearray)


def display_attributes(transform: Transform) -> list[list[Any]]:
    """[name, value] pairs in wire order, values as IOS prints them."""
    return read_transform(transform)[1]


def read_transform(transform: Transform) -> tuple[Offer, list[list[Any]]]:
    """The transform as the policy check reads it (``Offer.of``) and as IOS prints it
    (``display_attributes``), in one pass over its attributes."""
    vals: dict[int, int] = {}
    life_type = LIFE_SECONDS
    life: int | None = None
    shown: list[list[Any]] = []
    for a in transform.attributes:
        t, raw = int(a.type), a.value
        v = raw if type(raw) is int else int(a.int_value)              # TV: the int itself
        if t == ATTR_LIFE_TYPE:
            life_type = v
        elif t == ATTR_LIFE_DURATION:
            if life_type == LIFE_SECONDS:
                life = v
        else:
            vals.setdefault(t, v)
        name = ATTR_NAMES.get(t)
        if isinstance(raw, _OCTETS) and (t == ATTR_LIFE_DURATION or name is None):
            shown.append([name or f"attr_{t}", bytes(raw)])
        else:
            names = VALUE_NAMES.get(t)
            shown.append([name or f"attr_{t}", names.get(v, v) if names is not None else v])
    return Offer(vals.get(ATTR_ENCRYPTION), vals.get(ATTR_KEY_LENGTH), vals.get(ATTR_HASH),
                 vals.get(ATTR_AUTH), vals.get(ATTR_GROUP), life), shown


@dataclass(frozen=True, slots=True)
class Offer:
    """An offered transform's attributes as plain ints (None when absent)."""

    encryption: int | None
    key_length: int | None
    hash: int | None
    auth: int | None
    group: int | None
    life_seconds: int | None

    @classmethod
    def of(cls, transform: Transform) -> Offer:
        return read_transform(transform)[0]


def first_mismatch(offer: Offer, policy: IsakmpPolicy,
                   lifetime_rule: str = "reject-longer") -> str | None:
    """The attribute IOS complains about first, or None if acceptable.

    Order: encryption, AES key length ("Proposed key length does not match policy", trace 12),
    hash, authentication, DH group, lifetime. With ``lifetime_rule`` "reject-longer" (12.2) a
    shorter or equal offered lifetime is fine and only a longer one fails; with
    "responder-lifetime" (12.4T on) any lifetime is accepted (``responder_lifetime``).
    """
    enc, key_len = ENCRYPTION_WIRE[policy.encryption]
    if offer.encryption != enc:
        return "encryption"
    if key_len is not None and offer.key_length != key_len:
        return "key_length"
    if offer.hash != HASH_WIRE[policy.hash]:
        return "hash"
    if offer.auth != AUTH_WIRE[policy.authentication]:
        return "auth"
    if offer.group != policy.group:
        return "group"
    if (lifetime_rule == "reject-longer" and offer.life_seconds is not None
            and offer.life_seconds > policy.lifetime):
        return "lifetime"
    return None


def responder_lifetime(offer: Offer, policy: IsakmpPolicy) -> int | None:
    """The lifetime a 12.4T+ responder notifies (RFC 2407 §4.6.3.1 RESPONDER-LIFETIME) when the
    offered one is longer than its policy's: its own (trace 07, "restart ike sa timer to 3600
    secs"); None when the offer is not longer."""
    if offer.life_seconds is not None and offer.life_seconds > policy.lifetime:
        return policy.lifetime
    return None


@dataclass(slots=True)
class MatchResult:
    log: list[tuple[str, dict[str, Any]]]
    proposal: Proposal | None = None
    transform: Transform | None = None
    negotiated: Negotiated | None = None
    responder_lifetime: int | None = None     # to notify (lifetime_rule "responder-lifetime")


def choose(sa: SaPayload, policies: list[IsakmpPolicy], *, have_psk: bool = True,
           lifetime_rule: str = "reject-longer") -> MatchResult:
    """Check every offered ISAKMP transform against every policy in priority order.

    Without a pre-shared key for the peer, a pre-share policy cannot be used: IOS rejects the
    matching transform with "Preshared authentication offered but does not match policy!"
    (RFC 2409 §5.4: the key must be known when MM3 arrives, so IOS checks it at MM1)."""
    result = MatchResult(log=[])
    for proposal in sa.proposals:
        if int(proposal.protocol) != PROTO_ISAKMP:
            continue
        n = len(proposal.transforms)
        for i, transform in enumerate(proposal.transforms):
            next_payload = 3 if i + 1 < n else 0
            offer, shown = read_transform(transform)
            for policy in policies:
                result.log.append(("check_transform", {
                    "transform": int(transform.number), "priority": policy.priority,
                    "attributes": shown}))
                bad = ("transform_id" if int(transform.transform_id) != KEY_IKE
                       else first_mismatch(offer, policy, lifetime_rule))
                if bad is None and not have_psk and policy.authentication == "pre-share":
                    bad = "preshared"
                if bad is None:
                    result.log.append(("atts_acceptable", {"next_payload": next_payload}))
                    life = offer.life_seconds if offer.life_seconds is not None \
                        else policy.lifetime
                    if lifetime_rule == "responder-lifetime":
                        result.responder_lifetime = responder_lifetime(offer, policy)
                        life = min(life, policy.lifetime)
                    result.proposal, result.transform = proposal, transform
                    result.negotiated = Negotiated(policy.encryption, policy.hash, policy.group,
                                                   policy.authentication, life, policy.priority)
                    return result
                result.log.append(("attr_mismatch", {
                    "attribute": bad, "transform": int(transform.number),
                    "priority": policy.priority}))
                result.log.append(("atts_not_acceptable", {"next_payload": next_payload}))
    return result
