"""``crypto isakmp ...``: ``policy N`` (and its submode), ``key``, ``keepalive``, ``identity``,
``nat keepalive``, ``aggressive-mode disable``, ``peer`` (and its submode), ``profile``."""

from __future__ import annotations

from ikesim.ike.policy import IsakmpPeer, IsakmpPolicy, PresharedKey
from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept, Unmodelled
from ikesim.ios.config.cursor import SEMANTIC, Cursor, ParseError, is_number, match_keyword
from ikesim.ios.config.keyring import ANY, address_mask, isakmp_profile
from ikesim.ios.config.state import Mode, ParserState

_SUBS = ("policy", "key", "keepalive", "identity", "enable", "nat", "profile", "aggressive-mode",
         "peer", "invalid-spi-recovery", "xauth", "fragmentation", "client")


def crypto_isakmp(st: ParserState, cur: Cursor) -> Mode | None:
    crypto = st.config.crypto
    sub = cur.kw(_SUBS, ("default", "ipv6"))
    if sub == "policy":
        priority = cur.integer(1, 10000, "ISAKMP policy priority")
        cur.end()
        policy = crypto.policies.get(priority)
        if policy is None:
            policy = IsakmpPolicy(priority=priority, line=st.lineno)
            crypto.policies[priority] = policy
        return ("isakmp", policy)
    if sub == "key":
        key = isakmp_key(st, cur)
        for k, old in enumerate(crypto.keys):
            if (old.address, old.mask, old.hostname) == (key.address, key.mask, key.hostname):
                crypto.keys[k] = key     # IOS keeps one key per address/mask (or hostname)
                return None
        crypto.keys.append(key)
        return None
    if sub == "keepalive":
        # Cisco IOS Security Command Reference, `crypto isakmp keepalive seconds
        # [retry-seconds] [periodic | on-demand]`: 10-3600 s, retry 2-60 s (default 2),
        # on-demand is the default mode.
        seconds = cur.integer(10, 3600, "keepalive interval")
        retry = 2
        if cur.peek_number():
            retry = cur.integer(2, 60, "keepalive retry interval")
        mode = cur.opt_kw(("periodic", "on-demand")) or "on-demand"
        cur.end()
        crypto.keepalive = (seconds, retry)
        crypto.keepalive_mode = mode
        return None
    if sub == "identity":
        crypto.identity = cur.kw(("address", "hostname", "dn"))
        cur.end()
        return None
    if sub == "nat":
        cur.kw(("keepalive",))
        crypto.nat_keepalive = cur.integer(5, 3600, "NAT keepalive interval")
        cur.end()
        return None
    if sub == "aggressive-mode":
        cur.kw(("disable",))
        cur.end()
        crypto.aggressive_mode = False
        return None
    if sub == "profile":
        return isakmp_profile(st, cur)
    if sub == "peer":
        return ("isakmp-peer", _peer(st, cur))
    if sub == "client":
        return catalogue_line(st, cur, Unmodelled("ezvpn", ("key", "pool", "acl", "dns",
                                                            "domain", "save-password",
                                                            "include-local-lan", "no")))
    # enable / invalid-spi-recovery / xauth timeout / fragmentation: accepted, not modelled.
    catalogue_line(st, cur, Accept("ISAKMP options not modelled"))
    return None


def no_crypto_isakmp(st: ParserState, cur: Cursor) -> None:
    crypto = st.config.crypto
    what = cur.kw(_SUBS)
    if what == "policy":
        priority = cur.integer(1, 10000, "ISAKMP policy priority")
        cur.end()
        crypto.policies.pop(priority, None)
    elif what == "keepalive":
        cur.skip_rest()
        crypto.keepalive = None
        crypto.keepalive_mode = "on-demand"
    elif what == "key":
        key = isakmp_key(st, cur)
        before = len(crypto.keys)
        crypto.keys = [k for k in crypto.keys if (k.key, k.address, k.mask, k.hostname)
                       != (key.key, key.address, key.mask, key.hostname)]
        if len(crypto.keys) == before:
            raise ParseError("% No such pre-shared key", SEMANTIC)
    elif what == "profile":
        crypto.isakmp_profiles.pop(cur.word(), None)
        cur.end()
    elif what == "aggressive-mode":
        cur.skip_rest()
        crypto.aggressive_mode = True
    elif what == "nat":
        cur.skip_rest()
        crypto.nat_keepalive = None
    elif what == "identity":
        cur.skip_rest()
        crypto.identity = "address"
    else:
        catalogue_line(st, cur, Accept("ISAKMP options not modelled"), negated=True)


def _peer(st: ParserState, cur: Cursor) -> IsakmpPeer:
    """``crypto isakmp peer address A | hostname H``: aggressive-mode client settings."""
    how = cur.kw(("address", "hostname"), ("ipv6",))
    peer = IsakmpPeer(line=st.lineno)
    if how == "address":
        peer.address = cur.ip()
    else:
        peer.hostname = cur.word().lower()
    if cur.opt_kw(("vrf",)) is not None:
        catalogue_line(st, cur, Unmodelled("vrf"))
    cur.end()
    for old in st.config.crypto.peers:
        if (old.address, old.hostname) == (peer.address, peer.hostname):
            return old
    st.config.crypto.peers.append(peer)
    return peer


def peer_line(st: ParserState, cur: Cursor) -> None:
    """``set aggressive-mode client-endpoint ID`` / ``set aggressive-mode password P``."""
    peer = st.mode[1]
    assert isinstance(peer, IsakmpPeer)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("set", "description"))
    if cmd == "description":
        catalogue_line(st, cur, Accept("comments"), negated=negate)
        return
    cur.kw(("aggressive-mode",))
    what = cur.kw(("client-endpoint", "password"))
    value = None if negate else cur.rest()
    cur.skip_rest()
    if what == "password":
        peer.aggressive_password = value
    else:
        peer.aggressive_client_endpoint = value


def isakmp_key(st: ParserState, cur: Cursor) -> PresharedKey:
    """``crypto isakmp key [0|6] KEY {address A [MASK] | hostname H} [no-xauth]`` (after
    ``key``). ``address 0.0.0.0`` alone is IOS's wildcard 0.0.0.0 0.0.0.0."""
    first = cur.word()
    if first in ("0", "6") and cur.peek() is not None \
            and match_keyword(cur.peek() or "", ("address", "hostname")) is None:
        if first == "6":
            raise ParseError("% Encrypted (type 6) keys are not supported by ikesim; give the "
                             "key in clear", cur.i - 1)
        first = cur.word()
    key = first
    how = cur.kw(("address", "hostname"), ("ipv6",))
    if how == "hostname":
        host = cur.word()
        cur.opt_kw(("no-xauth",))
        cur.end()
        return PresharedKey(key=key, address=ANY, mask=ANY, hostname=host.lower(),
                            line=st.lineno)
    addr, mask = address_mask(cur)
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

