"""``crypto map NAME SEQ ipsec-isakmp`` and its ``set``/``match`` submode lines."""

from __future__ import annotations

from ikesim.ike.policy import CryptoMapEntry
from ikesim.ios.config.cursor import INCOMPLETE, Cursor, ParseError, is_number, parse_ipv4
from ikesim.ios.config.state import Mode, ParserState
from ikesim.ios.config.tables import PFS_GROUPS


def crypto_map(st: ParserState, cur: Cursor) -> Mode:
    """``crypto map NAME SEQ [ipsec-isakmp]`` (after ``crypto map``): enter the entry's submode."""
    name = cur.word()
    word = cur.peek()
    if word is not None and not is_number(word):
        cur.kw((), ("local-address", "isakmp-profile", "client", "isakmp", "redundancy"))
    seq = cur.integer(1, 65535, "crypto map sequence number")
    if not cur.done():
        cur.kw(("ipsec-isakmp",), ("ipsec-manual", "dynamic", "gdoi"))
    cur.end()
    entries = st.config.crypto.maps.setdefault(name, [])
    for entry in entries:
        if entry.sequence == seq:
            return ("cmap", entry)
    entry = CryptoMapEntry(map_name=name, sequence=seq, line=st.lineno)
    entries.append(entry)
    entries.sort(key=lambda e: e.sequence)
    return ("cmap", entry)


def no_crypto_map(st: ParserState, cur: Cursor) -> None:
    """``no crypto map NAME [SEQ [ipsec-isakmp]]`` (after ``no crypto map``)."""
    crypto = st.config.crypto
    name = cur.word()
    if cur.done():
        crypto.maps.pop(name, None)
        return
    seq = cur.integer(1, 65535, "crypto map sequence number")
    cur.opt_kw(("ipsec-isakmp",))
    cur.end()
    entries = [e for e in crypto.maps.get(name, []) if e.sequence != seq]
    if entries:
        crypto.maps[name] = entries
    else:
        crypto.maps.pop(name, None)


def cmap_line(st: ParserState, cur: Cursor) -> None:
    entry = st.mode[1]
    assert isinstance(entry, CryptoMapEntry)
    negate = cur.opt_kw(("no",)) is not None
    cmd = cur.kw(("set", "match", "description"), ("reverse-route", "qos"))
    if cmd == "description":
        cur.rest()
        st.ignore(cur.raw.strip())
        return
    if cmd == "match":
        cur.kw(("address",))
        if negate:
            cur.i = len(cur.words)
            entry.match_acl = None
            return
        acl = cur.word()
        cur.end()
        entry.match_acl = acl    # may reference an undefined ACL, as on IOS
        return
    what = cur.kw(("peer", "transform-set", "pfs", "security-association"),
                  ("isakmp-profile", "nat", "ip", "reverse-route", "identity"))
    if what == "peer":
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
    elif what == "transform-set":
        if negate:
            cur.i = len(cur.words)
            entry.transform_sets = []
            return
        names = []
        while not cur.done():
            names.append(cur.word())
            if names[-1] not in st.config.crypto.transform_sets:
                raise ParseError(f'ERROR: transform set with tag "{names[-1]}" does not exist.',
                                 cur.i - 1)
            if len(names) > 6:
                raise cur.fail(back=1)
        if not names:
            raise cur.fail(INCOMPLETE)
        entry.transform_sets = names
    elif what == "pfs":
        if negate:
            cur.i = len(cur.words)
            entry.pfs_group = None
            return
        group = 1                      # bare `set pfs` is group1 (IOS default)
        if not cur.done():
            group = PFS_GROUPS[cur.kw(tuple(PFS_GROUPS),
                                      ("group15", "group16", "group19", "group20",
                                       "group24"),
                                      reason="% Invalid PFS group '{word}' "
                                             "(group1, group2, group5, group14)")]
        cur.end()
        entry.pfs_group = group
    else:
        cur.kw(("lifetime",), ("level", "idle-time", "replay", "dummy"))
        unit = cur.kw(("seconds", "kilobytes"), ("days",))
        if negate:
            cur.i = len(cur.words)
            value = None
        elif unit == "seconds":
            value = cur.integer(120, 86400, "IPsec SA lifetime in seconds")
        else:
            value = cur.integer(2560, 4294967295, "IPsec SA lifetime in kilobytes")
        cur.end()
        if unit == "seconds":
            entry.lifetime_seconds = value
        else:
            entry.lifetime_kilobytes = value

