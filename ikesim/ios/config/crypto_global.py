"""Global ``crypto ...`` lines and their ``no`` forms, dispatched to the feature modules."""

from __future__ import annotations

from ikesim.ios.config.cryptomap import crypto_map, no_crypto_map
from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError
from ikesim.ios.config.ipsec import transform_set
from ikesim.ios.config.isakmp import crypto_isakmp, isakmp_key
from ikesim.ios.config.state import Mode, ParserState


def global_crypto(st: ParserState, cur: Cursor) -> Mode | None:
    sub = cur.kw(("isakmp", "ipsec", "map"),
                 ("ca", "key", "pki", "dynamic-map", "engine", "gdoi", "logging", "call",
                  "identity", "keyring", "ikev2"))
    if sub == "isakmp":
        return crypto_isakmp(st, cur)
    if sub == "ipsec":
        cur.kw(("transform-set",), ("security-association", "df-bit", "fragmentation",
                                    "nat-transparency", "profile", "client"))
        return ("tset", transform_set(st, cur))
    return crypto_map(st, cur)


def global_no_crypto(st: ParserState, cur: Cursor) -> None:
    crypto = st.config.crypto
    sub = cur.kw(("isakmp", "ipsec", "map"))
    if sub == "isakmp":
        what = cur.kw(("policy", "key", "keepalive"))
        if what == "policy":
            priority = cur.integer(1, 10000, "ISAKMP policy priority")
            cur.end()
            crypto.policies.pop(priority, None)
        elif what == "keepalive":
            cur.skip_rest()
            crypto.keepalive = None
        else:
            key = isakmp_key(st, cur)
            before = len(crypto.keys)
            crypto.keys = [k for k in crypto.keys
                           if (k.key, k.address, k.mask) != (key.key, key.address, key.mask)]
            if len(crypto.keys) == before:
                raise ParseError("% No such pre-shared key", SEMANTIC)
    elif sub == "ipsec":
        cur.kw(("transform-set",))
        name = cur.word()
        cur.end()
        crypto.transform_sets.pop(name, None)
    else:
        no_crypto_map(st, cur)
