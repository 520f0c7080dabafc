"""Access lists: ``access-list N ...`` (numbered), ``ip access-list standard|extended NAME``
and its entries (optionally sequence-numbered), and the ``no`` forms that remove entries."""

from __future__ import annotations

import re

from ikesim.ios.config.cursor import (
    INCOMPLETE,
    SEMANTIC,
    Cursor,
    ParseError,
    is_number,
    match_keyword,
    starts_with_digit,
)
from ikesim.ios.config.state import ParserState
from ikesim.ios.config.tables import (
    ACL_PROTOCOLS,
    ACL_TAIL_UNSUPPORTED,
    ICMP_TYPES,
    PORT_OPS,
    TCP_PORTS,
    UDP_PORTS,
    numbered_acl_kind,
)
from ikesim.net.acl import Acl, AclEntry, PortMatch


def get_acl(st: ParserState, name: str, kind: str) -> Acl:
    if is_number(name):
        numbered = numbered_acl_kind(int(name))
        if numbered != kind:
            raise ParseError(f"% Invalid access list number {name} for a {kind} access list",
                             SEMANTIC)
    elif not re.fullmatch(r"[A-Za-z][\w.-]*", name):
        raise ParseError(f"% Invalid access list name '{name}'", SEMANTIC)
    acl = st.config.acls.get(name)
    if acl is None:
        acl = Acl(name=name, kind=kind)
        st.config.acls[name] = acl
        st.acl_seqs[name] = []
    elif acl.kind != kind:
        raise ParseError("% Access-list type conflicts with prior definition", SEMANTIC)
    return acl


def numbered_acl(st: ParserState, cur: Cursor) -> None:
    word = cur.word()
    if not is_number(word):
        raise cur.fail(back=1)
    kind = numbered_acl_kind(int(word))
    if kind is None:
        raise ParseError(f"% Invalid access list number {word}", cur.i - 1)
    action = cur.kw(("permit", "deny", "remark"), ("dynamic", "rate-limit"))
    if action == "remark":
        cur.rest()
        return
    entry = acl_entry(st, cur, action, kind)
    acl = get_acl(st, word, kind)
    add_acl_entry(st, acl, entry, None)


def add_acl_entry(st: ParserState, acl: Acl, entry: AclEntry, seq: int | None) -> None:
    seqs = st.acl_seqs.setdefault(acl.name, [])
    if seq is None:
        seq = (max(seqs) // 10 + 1) * 10 if seqs else 10
    if seq in seqs:
        raise ParseError(f"% Duplicate sequence number {seq}", SEMANTIC)
    pos = sum(1 for s in seqs if s < seq)
    seqs.insert(pos, seq)
    acl.entries.insert(pos, entry)


def acl_line(st: ParserState, cur: Cursor) -> None:
    acl = st.mode[1]
    assert isinstance(acl, Acl)
    seq: int | None = None
    if cur.peek_number():
        seq = cur.integer(1, 2147483647, "sequence number")
    action = cur.kw(("permit", "deny", "remark", "no"), ("dynamic", "evaluate"))
    if action == "remark":             # a comment (IOS-XE numbers it: ` 10 remark ...`)
        cur.skip_rest()
        return
    if action == "no" and seq is None:
        acl_no(st, cur, acl)
        return
    if action in ("remark", "no"):
        raise cur.fail(back=1)
    entry = acl_entry(st, cur, action, acl.kind)
    add_acl_entry(st, acl, entry, seq)


def acl_no(st: ParserState, cur: Cursor, acl: Acl) -> None:
    seqs = st.acl_seqs[acl.name]
    if cur.peek_number():
        seq = cur.integer(1, 2147483647, "sequence number")
        cur.end()
        if seq not in seqs:
            raise ParseError(f"% Sequence number {seq} not found", SEMANTIC)
        idx = seqs.index(seq)
    else:
        action = cur.kw(("permit", "deny"))
        wanted = acl_entry(st, cur, action, acl.kind)
        keys = [_entry_key(e) for e in acl.entries]
        if _entry_key(wanted) not in keys:
            raise ParseError("% Entry not found in access list", SEMANTIC)
        idx = keys.index(_entry_key(wanted))
    del seqs[idx]
    del acl.entries[idx]


def acl_entry(st: ParserState, cur: Cursor, action: str, kind: str) -> AclEntry:
    text = cur.raw.strip()
    if kind == "standard":
        src, src_wc = acl_address(st, cur, wildcard_optional=True)
        cur.opt_kw(("log",))
        cur.end()
        return AclEntry(action=action, protocol=None, src=src, src_wildcard=src_wc,
                        line=st.lineno, text=text)
    protocol = acl_protocol(st, cur)
    ported = protocol in (6, 17)
    ports = TCP_PORTS if protocol == 6 else UDP_PORTS
    src, src_wc = acl_address(st, cur)
    src_port = port_match(st, cur, ports) if ported else None
    dst, dst_wc = acl_address(st, cur)
    dst_port = port_match(st, cur, ports) if ported else None
    icmp_type: int | None = None
    if protocol == 1 and not cur.done() and match_keyword(cur.words[cur.i],
                                                          ("log", "log-input")) is None:
        word = cur.words[cur.i]
        if is_number(word):
            icmp_type = cur.integer(0, 255, "ICMP message type")
            if cur.peek_number():
                raise cur.fail("% ICMP message codes are not supported by ikesim")
        else:
            icmp_type = ICMP_TYPES[cur.kw(tuple(ICMP_TYPES), ("port-unreachable",
                                                               "host-unreachable",
                                                               "net-unreachable",
                                                               "packet-too-big",
                                                               "ttl-exceeded"))]
    while not cur.done():
        cur.kw(("log", "log-input"), ACL_TAIL_UNSUPPORTED)
    return AclEntry(action=action, protocol=protocol, src=src, src_wildcard=src_wc,
                    dst=dst, dst_wildcard=dst_wc, src_port=src_port, dst_port=dst_port,
                    icmp_type=icmp_type, line=st.lineno, text=text)


def acl_protocol(st: ParserState, cur: Cursor) -> int | None:
    word = cur.peek()
    if word is None:
        raise cur.fail(INCOMPLETE)
    if is_number(word):
        number = cur.integer(0, 255, "protocol number")
        return None if number == 0 else number   # IOS shows protocol 0 as `ip`
    name = cur.kw(("ip", *ACL_PROTOCOLS), ("ipv6", "object-group"))
    return None if name == "ip" else ACL_PROTOCOLS[name]


def acl_address(st: ParserState, cur: Cursor, *, wildcard_optional: bool = False) -> tuple[int, int]:
    word = cur.peek()
    if word is None:
        raise cur.fail(INCOMPLETE)
    if not starts_with_digit(word):
        which = cur.kw(("any", "host"), ("object-group",))
        if which == "any":
            return 0, 0xFFFFFFFF
        return int(cur.ip()), 0
    addr = int(cur.ip())
    if wildcard_optional and (cur.peek() is None or not starts_with_digit(cur.peek())):
        return addr, 0
    wildcard = int(cur.ip())
    return addr & ~wildcard & 0xFFFFFFFF, wildcard   # IOS stores the masked address


def port_match(st: ParserState, cur: Cursor, names: dict[str, int]) -> PortMatch | None:
    op = cur.opt_kw(PORT_OPS)
    if op is None:
        return None
    low = port(st, cur, names)
    if op != "range":
        return PortMatch(op, low)
    high = port(st, cur, names)
    if high < low:
        raise ParseError(f"% Invalid port range {low} {high}", cur.i - 1)
    return PortMatch(op, low, high)


def port(st: ParserState, cur: Cursor, names: dict[str, int]) -> int:
    word = cur.peek()
    if word is not None and is_number(word):
        return cur.integer(0, 65535, "port")
    return names[cur.kw(tuple(names), reason="% Unknown port name '{word}'")]

def _entry_key(entry: AclEntry) -> tuple[object, ...]:
    return (entry.action, entry.protocol, entry.src, entry.src_wildcard, entry.dst,
            entry.dst_wildcard, entry.src_port, entry.dst_port, entry.icmp_type)
