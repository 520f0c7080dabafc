"""``crypto isakmp policy N`` (and its submode), ``crypto isakmp key``, ``crypto isakmp
keepalive``, ``crypto isakmp identity``."""

from __future__ import annotations

import ipaddress

from ikesim.ike.policy import IsakmpPolicy, PresharedKey
from ikesim.ios.config.cursor import (
    Cursor,
    ParseError,
    is_number,
    mask_length,
    starts_with_digit,
)
from ikesim.ios.config.state import Mode, ParserState


def crypto_isakmp(st: ParserState, cur: Cursor) -> Mode | None:
    sub = cur.kw(("policy", "key", "keepalive", "identity", "enable"),
                 ("nat", "profile", "client", "aggressive-mode", "invalid-spi-recovery",
                  "xauth", "fragmentation", "peer"))
    if sub == "policy":
        priority = cur.integer(1, 10000, "ISAKMP policy priority")
        cur.end()
        policy = st.config.crypto.policies.get(priority)
        if policy is None:
            policy = IsakmpPolicy(priority=priority, line=st.lineno)
            st.config.crypto.policies[priority] = policy
        return ("isakmp", policy)
    if sub == "key":
        key = isakmp_key(st, cur)
        keys = st.config.crypto.keys
        for k, old in enumerate(keys):
            if (old.address, old.mask) == (key.address, key.mask):
                keys[k] = key     # IOS keeps one key per address/mask
                return None
        keys.append(key)
        return None
    if sub == "keepalive":
        seconds = cur.integer(10, 3600, "keepalive interval")
        retry = 2
        if cur.peek_number():
            retry = cur.integer(2, 60, "keepalive retry interval")
        cur.opt_kw(("periodic", "on-demand"))
        cur.end()
        st.config.crypto.keepalive = (seconds, retry)
        return None
    if sub == "identity":
        cur.kw(("address",), ("hostname", "dn"))
    cur.end()
    st.ignore(cur.raw.strip())
    return None


def isakmp_key(st: ParserState, cur: Cursor) -> PresharedKey:
    """``crypto isakmp key [0|6] KEY address A [MASK] [no-xauth]`` (after ``key``)."""
    first = cur.word()
    if first in ("0", "6") and cur.peek() is not None and cur.peek() != "address":
        if first == "6":
            raise ParseError("% Encrypted (type 6) keys are not supported by ikesim; give the "
                             "key in clear", cur.i - 1)
        first = cur.word()
    key = first
    cur.kw(("address",), ("hostname", "ipv6"))
    addr = cur.ip()
    mask = ipaddress.IPv4Address("255.255.255.255")
    if starts_with_digit(cur.peek()):
        mask = cur.ip()
        if mask_length(mask) is None:
            raise ParseError(f"% Bad mask {mask}", cur.i - 1)
    cur.opt_kw(("no-xauth",))
    cur.end()
    return PresharedKey(key=key, address=addr, mask=mask, line=st.lineno)

def isakmp_line(st: ParserState, cur: Cursor) -> None:
    policy = st.mode[1]
    assert isinstance(policy, IsakmpPolicy)
    negate = cur.opt_kw(("no", "default")) is not None
    attr = cur.kw(("encryption", "hash", "authentication", "group", "lifetime"),
                  reason="% Unknown ISAKMP policy attribute '{word}'")
    if negate:
        cur.i = len(cur.words)
        setattr(policy, attr, getattr(IsakmpPolicy(priority=0), attr))  # IOS default
        return
    if attr == "encryption":
        cipher = cur.kw(("des", "3des", "aes"),
                        reason="% Invalid encryption '{word}' (des, 3des, aes)")
        if cipher == "aes":
            bits = "128"
            if not cur.done():
                bits = cur.word()
                if bits not in ("128", "192", "256"):
                    raise ParseError(f"% Invalid AES key size {bits} (128, 192, 256)", cur.i - 1)
            cipher = f"aes{bits}"
        cur.end()
        policy.encryption = cipher
    elif attr == "hash":
        digest = cur.kw(("md5", "sha", "sha256", "sha384", "sha512"),
                        reason="% Invalid hash '{word}' (md5, sha, sha256, sha384, sha512)")
        cur.end()
        policy.hash = digest
    elif attr == "authentication":
        auth = cur.kw(("pre-share", "rsa-sig", "rsa-encr"),
                      reason="% Invalid authentication '{word}' (pre-share, rsa-sig, "
                             "rsa-encr)")
        cur.end()
        policy.authentication = auth
    elif attr == "group":
        word = cur.word()
        if not is_number(word) or int(word) not in (1, 2, 5, 14):
            raise ParseError(f"% Unsupported Diffie-Hellman group '{word}' (1, 2, 5, 14)",
                             cur.i - 1)
        cur.end()
        policy.group = int(word)
    else:
        policy.lifetime = cur.integer(60, 86400, "ISAKMP SA lifetime")
        cur.end()

