"""``crypto keyring NAME`` and ``crypto isakmp profile NAME`` with their submodes.

Cisco IOS Security Command Reference: keyring lines are ``pre-shared-key address A [MASK] key
KEY`` and ``pre-shared-key hostname NAME key KEY`` (``local-address IF|A`` limits the keyring to
IKE sessions on that local address); profile lines are ``match identity address A [MASK] |
host NAME | host domain D | user-fqdn U``, ``keyring NAME``, ``self-identity address | fqdn |
user-fqdn U``, ``local-address``, ``keepalive S retry R``, ``initiate mode aggressive`` and ``ca
trust-point NAME``.
"""

from __future__ import annotations

import ipaddress

from ikesim.ike.policy import IsakmpProfile, Keyring, PresharedKey, ProfileIdentity
from ikesim.ios.config import catalogue
from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.cursor import Cursor, ParseError, mask_length, starts_with_digit
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.ifnames import canonical_interface_name

HOST_MASK = ipaddress.IPv4Address("255.255.255.255")
ANY = ipaddress.IPv4Address("0.0.0.0")


def key_text(cur: Cursor) -> str:
    """``[0|6] KEY``: a key in clear (type 0 may be written); type 6 is refused."""
    first = cur.word()
    if first in ("0", "6", "7") and not cur.done():
        if first != "0":
            raise ParseError(f"% Encrypted (type {first}) keys are not supported by ikesim; "
                             "give the key in clear", cur.i - 1)
        first = cur.word()
    return first


def local_address(cur: Cursor) -> str:
    """``local-address IF|A.B.C.D`` (canonical interface name or dotted address)."""
    if starts_with_digit(cur.peek()):
        return str(cur.ip())
    words = [cur.word()]
    if starts_with_digit(cur.peek()) and not any(c.isdigit() for c in words[0]):
        words.append(cur.word())                  # `local-address Gigabitethernet 1`
    try:
        return canonical_interface_name("".join(words))
    except ValueError:
        raise ParseError("% Invalid interface type and number", cur.i - 1) from None


def address_mask(cur: Cursor) -> tuple[ipaddress.IPv4Address, ipaddress.IPv4Address]:
    """``A [MASK]``: a host unless a mask follows. IOS reads an address of 0.0.0.0 without a
    mask as the wildcard 0.0.0.0 0.0.0.0 (Cisco IOS Security Command Reference, `crypto isakmp
    key`: "0.0.0.0 0.0.0.0 ... applies the key to any peer")."""
    addr = cur.ip()
    mask = HOST_MASK if addr != ANY else ANY
    if starts_with_digit(cur.peek()):
        mask = cur.ip()
        if mask_length(mask) is None:
            raise ParseError(f"% Bad mask {mask}", cur.i - 1)
    return addr, mask


def crypto_keyring(st: ParserState, cur: Cursor) -> Mode:
    name = cur.word()
    if cur.opt_kw(("vrf",)) is not None:
        catalogue_line(st, cur, catalogue.Unmodelled("vrf"))
    cur.end()
    ring = st.config.crypto.keyrings.get(name)
    if ring is None:
        ring = Keyring(name=name, line=st.lineno)
        st.config.crypto.keyrings[name] = ring
    return ("keyring", ring)


def keyring_line(st: ParserState, cur: Cursor) -> None:
    ring = st.mode[1]
    assert isinstance(ring, Keyring)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("pre-shared-key", "local-address", "description"), ("rsa-pubkey",))
    if cmd == "description":
        cur.skip_rest()
        st.ignore(cur.raw.strip(), "comments")
    elif cmd == "local-address":
        if negate:
            cur.skip_rest()
            ring.local_address = None
            return
        ring.local_address = local_address(cur)
        cur.end()
    else:
        key = preshared_key(st, cur)
        same = [k for k in ring.keys if (k.address, k.mask, k.hostname)
                == (key.address, key.mask, key.hostname)]
        for old in same:
            ring.keys.remove(old)
        if not negate:
            ring.keys.append(key)


def preshared_key(st: ParserState, cur: Cursor) -> PresharedKey:
    """``address A [MASK] key K`` | ``hostname H key K`` (after ``pre-shared-key``)."""
    kind = cur.kw(("address", "hostname"), ("ipv6",))
    if kind == "hostname":
        host = cur.word()
        cur.kw(("key",))
        key = key_text(cur)
        cur.end()
        return PresharedKey(key=key, address=ANY, mask=ANY, hostname=host.lower(),
                            line=st.lineno)
    addr, mask = address_mask(cur)
    cur.kw(("key",), ("encryption",))
    key = key_text(cur)
    cur.end()
    return PresharedKey(key=key, address=addr, mask=mask, line=st.lineno)


def isakmp_profile(st: ParserState, cur: Cursor) -> Mode:
    name = cur.word()
    cur.end()
    profile = st.config.crypto.isakmp_profiles.get(name)
    if profile is None:
        profile = IsakmpProfile(name=name, line=st.lineno)
        st.config.crypto.isakmp_profiles[name] = profile
    return ("isakmp-profile", profile)


_PROFILE_WORDS = ("match", "keyring", "self-identity", "local-address", "keepalive", "initiate",
                  "ca")


def profile_line(st: ParserState, cur: Cursor) -> None:
    profile = st.mode[1]
    assert isinstance(profile, IsakmpProfile)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(_PROFILE_WORDS + tuple(catalogue.ISAKMP_PROFILE))
    if cmd in catalogue.ISAKMP_PROFILE:
        catalogue_line(st, cur, catalogue.ISAKMP_PROFILE[cmd], negated=negate, parent=st.mode,
                       matched=cmd)
        return
    if cmd == "match":
        cur.kw(("identity",), ("certificate",))
        ident = _identity(cur)
        if negate:
            profile.identities = [i for i in profile.identities if i != ident]
        elif ident not in profile.identities:
            profile.identities.append(ident)
    elif cmd == "keyring":
        name = cur.word()
        cur.end()
        if negate:
            profile.keyrings = [k for k in profile.keyrings if k != name]
        elif name not in profile.keyrings:
            profile.keyrings.append(name)
    elif cmd == "self-identity":
        if negate:
            cur.skip_rest()
            profile.self_identity = None
            return
        how = cur.kw(("address", "fqdn", "user-fqdn"))
        if how == "user-fqdn":
            how += " " + cur.word()
        elif how == "address" and not cur.done():     # `self-identity 2.3.4.6` (IOS-XE)
            how += " " + str(cur.ip())
        cur.end()
        profile.self_identity = how
    elif cmd == "local-address":
        profile.local_address = None if negate else local_address(cur)
        cur.skip_rest() if negate else cur.end()
    elif cmd == "keepalive":
        if negate:
            cur.skip_rest()
            profile.keepalive = None
            return
        seconds = cur.integer(10, 3600, "keepalive interval")
        cur.kw(("retry",))
        retry = cur.integer(2, 60, "keepalive retry interval")
        cur.end()
        profile.keepalive = (seconds, retry)
    elif cmd == "initiate":
        cur.kw(("mode",))
        cur.kw(("aggressive",))
        cur.end()
        profile.initiate_aggressive = not negate
    else:
        cur.kw(("trust-point",))
        name = cur.word()
        cur.opt_kw(("mandatory",))
        cur.end()
        if negate:
            profile.trustpoints = [t for t in profile.trustpoints if t != name]
        elif name not in profile.trustpoints:
            profile.trustpoints.append(name)


def _identity(cur: Cursor) -> ProfileIdentity:
    kind = cur.kw(("address", "host", "user-fqdn"), ("group", "ipv6-address"))
    if kind == "address":
        addr = cur.ip()
        mask = HOST_MASK
        if starts_with_digit(cur.peek()):
            mask = cur.ip()
            if mask_length(mask) is None:
                raise ParseError(f"% Bad mask {mask}", cur.i - 1)
        if cur.opt_kw(("vrf",)) is not None:
            raise ParseError("% 'vrf' is not supported by ikesim", cur.i - 1)
        cur.end()
        return ProfileIdentity(kind="address", value=str(addr), mask=mask)
    if kind == "host" and cur.opt_kw(("domain",)) is not None:
        domain = cur.word()
        cur.end()
        return ProfileIdentity(kind="host-domain", value=domain.lower())
    value = cur.word()
    cur.end()
    return ProfileIdentity(kind=kind, value=value.lower())


__all__ = ["address_mask", "crypto_keyring", "isakmp_profile", "key_text", "keyring_line",
           "local_address", "preshared_key", "profile_line"]
