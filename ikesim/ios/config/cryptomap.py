"""``crypto map NAME SEQ ipsec-isakmp [dynamic DMAP]``, ``crypto dynamic-map NAME SEQ``,
``crypto map NAME local-address IF``, and the entries' submode: ``set peer``, ``set
transform-set``, ``set pfs``, ``set security-association lifetime``, ``set isakmp-profile``,
``reverse-route``, ``match address``, ``description``."""

from __future__ import annotations

import bisect

from ikesim.ike.policy import CryptoMapEntry
from ikesim.ios.config.accepted import catalogue_line
from ikesim.ios.config.catalogue import Accept, Unmodelled
from ikesim.ios.config.cursor import Cursor, ParseError, is_number, parse_ipv4
from ikesim.ios.config.ipsec import set_common
from ikesim.ios.config.keyring import local_address
from ikesim.ios.config.state import Mode, ParserState


def crypto_map(st: ParserState, cur: Cursor, *, dynamic: bool = False) -> Mode | None:
    """``crypto map NAME SEQ [ipsec-isakmp] [dynamic DMAP]``, ``crypto map NAME local-address
    IF`` and ``crypto dynamic-map NAME SEQ`` (after ``crypto map`` / ``crypto dynamic-map``)."""
    crypto = st.config.crypto
    name = cur.word()
    word = cur.peek()
    if not dynamic and word is not None and not is_number(word):
        what = cur.kw(("local-address",), ("isakmp-profile", "redundancy", "gdoi", "client",
                                           "isakmp"))
        if what == "local-address":
            crypto.map_local_address[name] = local_address(cur)
            cur.end()
            return None
    seq = cur.integer(1, 65535, "crypto map sequence number")
    dynamic_map = None
    if not dynamic and not cur.done():
        kind = cur.kw(("ipsec-isakmp",), ("ipsec-manual", "gdoi"))
        if kind == "ipsec-isakmp" and cur.opt_kw(("dynamic",)) is not None:
            dynamic_map = cur.word()
            cur.opt_kw(("discover",))
    cur.end()
    # entries stay sorted by sequence; one typed after the last (the usual order) is appended
    # without a scan, so a map of N entries is read in O(N), not O(N^2) (issue 14)
    entries = (crypto.dynamic_maps if dynamic else crypto.maps).setdefault(name, [])
    if entries and entries[-1].sequence >= seq:
        for entry in entries:
            if entry.sequence == seq:
                entry.dynamic_map = dynamic_map
                return ("cmap", entry)
    entry = CryptoMapEntry(map_name=name, sequence=seq, line=st.lineno, dynamic_map=dynamic_map)
    bisect.insort(entries, entry, key=_sequence)
    return ("cmap", entry)


def _sequence(entry: CryptoMapEntry) -> int:
    return entry.sequence


def no_crypto_map(st: ParserState, cur: Cursor, *, dynamic: bool = False) -> None:
    """``no crypto map NAME [SEQ ...]`` / ``no crypto map NAME local-address`` /
    ``no crypto dynamic-map NAME [SEQ]``."""
    crypto = st.config.crypto
    maps = crypto.dynamic_maps if dynamic else crypto.maps
    name = cur.word()
    if cur.done():
        maps.pop(name, None)
        return
    if not dynamic and cur.opt_kw(("local-address",)) is not None:
        cur.skip_rest()
        crypto.map_local_address.pop(name, None)
        return
    seq = cur.integer(1, 65535, "crypto map sequence number")
    cur.skip_rest()
    entries = [e for e in maps.get(name, []) if e.sequence != seq]
    if entries:
        maps[name] = entries
    else:
        maps.pop(name, None)


def cmap_line(st: ParserState, cur: Cursor) -> None:
    """A line under a crypto map (or dynamic map) entry."""
    entry = st.mode[1]
    assert isinstance(entry, CryptoMapEntry)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("set", "match", "description", "reverse-route", "qos"))
    if cmd == "description":
        entry.description = None if negate else cur.rest()
        cur.skip_rest()
        return
    if cmd == "qos":
        catalogue_line(st, cur, Accept("QoS and inspection definitions"), negated=negate)
        return
    if cmd == "reverse-route":
        # Cisco IOS Security Command Reference, `reverse-route [static | remote-peer ...]`:
        # installs routes to the destinations of the entry's crypto ACL.
        while not cur.done():
            cur.kw(("static",), ("remote-peer", "tag", "gateway", "track"))
        entry.reverse_route = not negate
        return
    if cmd == "match":
        cur.kw(("address",))
        if negate:
            cur.skip_rest()
            entry.match_acl = None
            return
        acl = cur.word()
        cur.end()
        entry.match_acl = acl    # may reference an undefined ACL, as on IOS
        return
    what = cur.kw(("peer", "transform-set", "pfs", "security-association", "isakmp-profile",
                   "ikev2-profile"), ("nat", "ip", "identity", "reverse-route", "dynamic"))
    if what == "ikev2-profile":
        catalogue_line(st, cur, Unmodelled("ikev2"), negated=negate)
        return
    if what != "peer":
        set_common(st, cur, entry, what, negate)
        return
    word = cur.word()
    peer = parse_ipv4(word)
    if peer is None:
        raise ParseError(f"% Invalid peer address '{word}' (peer hostnames are not "
                         "supported)", cur.i - 1)
    cur.opt_kw(("default",))
    cur.end()
    if negate:
        if peer in entry.peers:
            entry.peers.remove(peer)
    elif peer not in entry.peers:
        entry.peers.append(peer)
