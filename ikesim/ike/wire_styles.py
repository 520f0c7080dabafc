"""How the Linux IKE daemons lay out the ESP transforms of a quick-mode offer (RFC 2407 §4.5
attributes; the profile's ``esp_attribute_order`` picks the style, ``quick.transform_attributes``
keeps the IOS one).

- "charon" (strongSwan 5.9.8 proposal_substructure.c set_from_proposal_v1()): key length,
  authentication algorithm, group (PFS), encapsulation mode, life type seconds and duration,
  then life type kilobytes and duration only when a byte limit is configured. Run A's QM1 of
  172 octets (3DES/SHA-1, no PFS, no byte limit) has exactly these four attributes.
- "pluto" (libreswan 4.10 ikev1_spdb_struct.c): group (PFS) first, encapsulation mode, life
  type and duration in seconds, then the algorithm table's attributes (authentication, key
  length).
"""

from __future__ import annotations

from typing import Any

from ikesim.isakmp import Attribute

LIFE_TYPE, LIFE_DURATION, GROUP, ENCAPS, AUTH, KEY_LENGTH = 1, 2, 3, 4, 5, 6
LIFE_SECONDS, LIFE_KILOBYTES = 1, 2
ENCAPS_TUNNEL, ENCAPS_TRANSPORT = 1, 2


def _duration(value: int) -> Attribute:
    """TV when it fits 16 bits, else a 4-octet TLV (both daemons:
    transform_attribute_create_value(), out_attr())."""
    if value <= 0xFFFF:
        return Attribute(LIFE_DURATION, value, tv=True)
    return Attribute(LIFE_DURATION, value.to_bytes(4, "big"), tv=False)


def daemon_esp_attributes(t: Any, policy: Any, order: str, mode: int) -> list[Attribute]:
    """The attributes of one ESP transform ``t`` (an ``EspTransform``) for ``policy`` (a
    ``Phase2Policy``) in the ``order`` style ("charon" or "pluto"); ``mode`` the encapsulation
    mode attribute's value (RFC 2407 §4.5, RFC 3947 §5.1 under NAT-T)."""
    encaps = Attribute(ENCAPS, mode, tv=True)
    life = [Attribute(LIFE_TYPE, LIFE_SECONDS, tv=True), _duration(policy.lifetime_seconds)]
    if policy.lifetime_kb:
        life += [Attribute(LIFE_TYPE, LIFE_KILOBYTES, tv=True), _duration(policy.lifetime_kb)]
    group = [Attribute(GROUP, policy.pfs_group, tv=True)] if policy.pfs_group else []
    key = ([Attribute(KEY_LENGTH, t.cipher.key_bits, tv=True)]
           if t.cipher.key_bits is not None else [])
    auth = [Attribute(AUTH, t.auth.auth_id, tv=True)]
    if order == "pluto":
        return [*group, encaps, *life, *auth, *key]
    return [*key, *auth, *group, encaps, *life]
