"""``debug crypto isakmp`` text for IKE engine events, in two IOS dialects.

The IKE engine emits :class:`~ikesim.ike.events.IkeEvent` data; this module turns one event into
the lines an IOS router prints for it. Dialects:

* ``"12.2"`` — IOS 12.2/12.3, as in the seed transcript: every line is ``ISAKMP (0:N): text``
  with N the conn-id (the SA serial; 0 for a new responder SA's first packet).
* ``"15"`` — IOS 12.4T/15.x: ``ISAKMP:(N):text`` with N the 15.x conn-id (0 until the keys
  exist, then 1001, 1002 …), ports on packet lines and FSM ``Old State``/``New State`` lines.
  Messages that carried a leading space in 12.2 (" sending packet", " processing …",
  " retransmitting …") keep it after the 15.x prefix; the others are glued to it, as real
  15.x output shows (``ISAKMP:(0):found peer pre-shared key matching …``).

Each output line is ``(stamped, text)``: stamped lines get the uptime prefix from the caller,
unstamped ones are raw continuation/blank lines IOS emits through embedded newlines (the seed's
blank line after "peer does not do paranoid keepalives." and the "state (R) …" line after
"deleting SA reason").

Wording marked "uncertain" below is IOS's as best known but not confirmed by the seed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from ikesim.ike.events import IkeEvent
from ikesim.ike.quick import signed_mid
from ikesim.ios.aggressive_log import HANDLERS as AGGRESSIVE_HANDLERS

DIALECTS: tuple[str, ...] = ("12.2", "15")

Line = tuple[bool, str]

# Seed: "ISAKMP:      encryption 3DES-CBC" — six spaces after the colon for attribute lines.
_ATTR_PREFIX = "ISAKMP:      "

# IOS logs mismatches per attribute while walking the offered transform against a policy.
_MISMATCH_TEXT = {
    "encryption": "Encryption algorithm offered does not match policy!",
    "hash": "Hash algorithm offered does not match policy!",
    "group": "Diffie-Hellman group offered does not match policy!",
    "auth": "Authentication method offered does not match policy!",
    # No `crypto isakmp key` for the peer: a pre-share policy cannot be used.
    "preshared": "Preshared authentication offered but does not match policy!",
    # uncertain: IOS accepts a shorter offered lifetime; this wording is a best guess.
    "lifetime": "Life duration offered does not match policy!",
    # uncertain: seen as "Proposed key length does not match policy" in 12.4T/15.x output.
    "key_length": "Proposed key length does not match policy",
}

# 15.x FSM inputs for transitions the engine may report without an explicit ``input`` field.
_INPUT_FROM_PEER = "IKE_MESG_FROM_PEER, IKE_MM_EXCH"
_INPUT_INTERNAL = "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"
# uncertain: phase-1 deletion (e.g. death by retransmission) seen as IKE_PHASE1_DEL.
_DEST_INPUT = "IKE_MESG_INTERNAL, IKE_PHASE1_DEL"
_INPUT_COMPLETION = {
    "IKE_MESG_FROM_PEER": _INPUT_FROM_PEER,
    "IKE_MESG_FROM_IPSEC": "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
    "IKE_MESG_FROM_TIMER": "IKE_MESG_FROM_TIMER, IKE_TIMER_EXPIRED",
}
_DEFAULT_INPUTS = {
    ("IKE_READY", "IKE_I_MM1"): "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM",
    ("IKE_READY", "IKE_R_MM1"): _INPUT_FROM_PEER,
    ("IKE_I_MM1", "IKE_I_MM2"): _INPUT_FROM_PEER,
    ("IKE_I_MM3", "IKE_I_MM4"): _INPUT_FROM_PEER,
    ("IKE_I_MM5", "IKE_I_MM6"): _INPUT_FROM_PEER,
    ("IKE_R_MM2", "IKE_R_MM3"): _INPUT_FROM_PEER,
    ("IKE_R_MM4", "IKE_R_MM5"): _INPUT_FROM_PEER,
    ("IKE_I_MM6", "IKE_P1_COMPLETE"): "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE",
    ("IKE_R_MM5", "IKE_P1_COMPLETE"): _INPUT_INTERNAL,
}


def dotted(value: Any) -> str:
    """Event addresses are ints (or already-dotted strings); IOS prints dotted quads."""
    if isinstance(value, bool):
        raise ValueError(f"not an IPv4 address: {value!r}")
    try:
        return str(ipaddress.IPv4Address(value))
    except (ipaddress.AddressValueError, ValueError, TypeError) as exc:
        raise ValueError(f"not an IPv4 address: {value!r}") from exc


def _vpi(data: bytes) -> str:
    # Seed: 86400 s sent as 4 bytes prints "0x0 0x1 0x51 0x80" (IOS "%#X"-like, no zero pad).
    return " ".join(f"0x{b:X}" for b in data)


def _life_duration(value: Any) -> str:
    # A variable-length (VPI) value prints byte by byte; a basic (TV, RFC 2408 §3.3) one in decimal.
    if isinstance(value, bytes | bytearray):
        return f"life duration (VPI) of  {_vpi(bytes(value))}"
    if isinstance(value, list | tuple):
        return f"life duration (VPI) of  {_vpi(bytes(value))}"
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        if value <= 0xFFFF:
            return f"life duration (basic) of {value}"
        return f"life duration (VPI) of  {_vpi(value.to_bytes(4, 'big'))}"
    raise ValueError(f"bad life_duration value: {value!r}")


def attribute_line(name: str, value: Any) -> str:
    """One SA attribute line printed under "Checking ISAKMP transform …" (same in both dialects)."""
    match name:
        case "encryption":
            text = f"encryption {value}"
        case "hash":
            text = f"hash {value}"
        case "group":
            text = f"default group {value}"
        case "auth":
            text = f"auth {value}"
        case "life_type":
            text = f"life type in {value}"
        case "life_duration":
            text = _life_duration(value)
        case "key_length":
            text = f"keylength of {value}"
        case _:
            raise ValueError(f"unknown ISAKMP attribute name: {name!r}")
    return _ATTR_PREFIX + text


class _Fmt:
    """Per-call helper: field access with clear errors, and the dialect's line prefixes."""

    def __init__(self, dialect: str, event: IkeEvent, local: str | None) -> None:
        self.v15 = dialect == "15"
        self.ev = event
        self.local = local

    def f(self, name: str) -> Any:
        try:
            return self.ev.fields[name]
        except KeyError:
            raise ValueError(f"event {self.ev.kind!r} lacks field {name!r}") from None

    def ip(self, name: str = "peer") -> str:
        return dotted(self.f(name))

    def sa(self, text: str, *, space: bool = False) -> Line:
        """A per-SA line: 12.2 ``ISAKMP (0:N): text``; 15.x ``ISAKMP:(N):text``."""
        cid = self.ev.conn_id
        if self.v15:
            return (True, f"ISAKMP:({cid}):{' ' if space else ''}{text}")
        return (True, f"ISAKMP (0:{cid}): {text}")

    def sa_old(self, text: str) -> Line:
        """Lines 15.x still prints in the old ``ISAKMP (0:N): `` form (rx, error counter)."""
        return (True, f"ISAKMP (0:{self.ev.conn_id}): {text}")


def _rx(x: _Fmt) -> list[Line]:
    peer = x.ip()
    where = "(N) NEW SA" if x.ev.fields.get("new_sa") else f"({x.f('role')}) {x.f('state')}"
    if x.v15:
        ports = f"dport {x.f('dport')} sport {x.f('sport')} Global"
        return [x.sa_old(f"received packet from {peer} {ports} {where}")]
    return [x.sa(f"received packet from {peer} {where}")]


def _tx(x: _Fmt) -> list[Line]:
    peer, where = x.ip(), f"({x.f('role')}) {x.f('state')}"
    if x.v15:
        ports = f"my_port {x.f('sport')} peer_port {x.f('dport')}"
        return [
            x.sa(f"sending packet to {peer} {ports} {where}", space=True),
            x.sa("Sending an IKE IPv4 Packet."),
        ]
    return [x.sa(f"sending packet to {peer} {where}")]


def _mid(x: _Fmt) -> int:
    """12.2 prints message IDs as signed 32-bit numbers, 15.x unsigned."""
    mid = int(x.f("message_id"))
    return mid if x.v15 else signed_mid(mid)


def _process_payload(x: _Fmt) -> list[Line]:
    payload = x.f("payload")
    if payload == "VENDOR":
        return [x.sa("processing vendor id payload", space=True)]
    return [x.sa(f"processing {payload} payload. message ID = {_mid(x)}", space=True)]


def _check_transform(x: _Fmt) -> list[Line]:
    head = x.sa(f"Checking ISAKMP transform {x.f('transform')} against priority "
                f"{x.f('priority')} policy")
    attrs = [(True, attribute_line(str(n), v)) for n, v in x.f("attributes")]
    return [head, *attrs]


def _attr_mismatch(x: _Fmt) -> list[Line]:
    attribute = x.f("attribute")
    if attribute not in _MISMATCH_TEXT:
        raise ValueError(f"unknown mismatching attribute: {attribute!r}")
    return [x.sa(_MISMATCH_TEXT[attribute])]


def _policy_not_acceptable(x: _Fmt) -> list[Line]:
    local = x.ev.fields.get("local", x.local)
    text = "phase 1 SA policy not acceptable!"
    if local is not None:
        text += f" (local {dotted(local)} remote {x.ip()})"
    return [x.sa(text)]


def _error_counter(x: _Fmt) -> list[Line]:
    reason = x.f("reason")
    if x.v15:
        # 15.x counts attempts when the engine reports them ("attempt 1 of 5").
        attempt = x.ev.fields.get("attempt")
        if attempt is not None:
            limit = x.ev.fields.get("max_attempts", 5)
            return [x.sa_old(f"incrementing error counter on sa, attempt {attempt} of {limit}: "
                             f"{reason}")]
        return [x.sa_old(f"incrementing error counter on sa: {reason}")]
    return [x.sa(f"incrementing error counter on sa: {reason}")]


def _delete(x: _Fmt) -> list[Line]:
    reason, where, peer = x.f("reason"), f"({x.f('role')}) {x.f('state')}", x.ip()
    if x.v15:
        # 15.x capitalises the reason ("Death by retransmission P1") and prints one line.
        reason = reason[:1].upper() + reason[1:]
        return [x.sa(f'deleting SA reason "{reason}" state {where} (peer {peer})')]
    # 12.2 embeds a newline: the state part comes out unstamped on its own line (seed).
    return [x.sa(f'deleting SA reason "{reason}"'),
            (False, f"state {where} (peer {peer}) input queue 0")]


def _purge(x: _Fmt) -> list[Line]:
    handle = x.f("sa_handle")
    if not isinstance(handle, int) or isinstance(handle, bool) or not 0 <= handle <= 0xFFFFFFFF:
        raise ValueError(f"sa_handle must be a 32-bit int: {handle!r}")
    return [x.sa(f"purging SA., sa={handle:08X}, delme={handle:08X}")]


def _authenticated(x: _Fmt) -> list[Line]:
    done = x.sa(f"SA has been authenticated with {x.ip()}")
    if x.v15:
        return [x.sa("SA authentication status:"), (False, "\tauthenticated"), done]
    return [done]


def _fsm_input(old: str, new: str, given: str | None) -> str | None:
    """15.x prints "Input = <message class>, <event>"; complete a bare class the engine gives."""
    known = _DEFAULT_INPUTS.get((old, new))
    if given is None or given == "":
        if known is None and (old == new or new == "IKE_DEST_SA"):
            return _DEST_INPUT if new == "IKE_DEST_SA" else _INPUT_INTERNAL
        return known
    if "," in given:
        return given
    if known is not None and known.startswith(given + ","):
        return known
    if given == "IKE_MESG_INTERNAL":
        return _DEST_INPUT if new == "IKE_DEST_SA" else _INPUT_INTERNAL
    return _INPUT_COMPLETION.get(given, given)


def _state_change(x: _Fmt) -> list[Line]:
    if not x.v15:
        return []  # 12.2 has no FSM trace in debug crypto isakmp
    old, new = x.f("old"), x.f("new")
    inp = _fsm_input(old, new, x.ev.fields.get("input"))
    lines = [x.sa(f"Input = {inp}")] if inp else []
    # Two spaces before "New State", then IOS prints an empty line after each transition.
    return [*lines, x.sa(f"Old State = {old}  New State = {new}"), (False, "")]


def _syslog(text: str) -> Callable[[_Fmt], list[Line]]:
    return lambda x: [(True, text.format(peer=x.ip()))]


def _const(text: str, *, space: bool = False) -> Callable[[_Fmt], list[Line]]:
    return lambda x: [x.sa(text, space=space)]


def _nothing(x: _Fmt) -> list[Line]:
    return []


# ---------------------------------------------------------------- quick mode (phase 2)
# Sources: IOS 12.2/12.3 `debug crypto isakmp` captures of quick mode (Cisco TAC "IPsec
# troubleshooting" documents); 15.x wording from 12.4T/15.x field output. Uncertain details
# are marked.
_QM_ATTR = {
    "encaps": lambda v, v15: f"encaps is {v}" + (" (Tunnel)" if v15 and v == 1 else ""),
    "life_type": lambda v, v15: f"SA life type in {v}",
    "life_duration": lambda v, v15: "SA " + _life_duration(v),
    "authenticator": lambda v, v15: f"authenticator is {v}",
    "key_length": lambda v, v15: f"key length is {v}",
    "group": lambda v, v15: f"group is {v}",
}


def _ipsec_check(x: _Fmt) -> list[Line]:
    lines = [x.sa(f"Checking IPSec proposal {x.f('proposal')}"),
             (True, f"ISAKMP: transform {x.f('transform')}, {x.f('transform_name')}"),
             (True, "ISAKMP:   attributes in transform:")]
    for name, value in x.f("attributes"):
        text = _QM_ATTR[name](value, x.v15) if name in _QM_ATTR else f"{name} is {value}"
        lines.append((True, _ATTR_PREFIX + text))
    return lines


def _qm_begin(x: _Fmt) -> list[Line]:
    return [x.sa(f"beginning Quick Mode exchange, M-ID of {_mid(x)}", space=not x.v15)]


def _qm_state(x: _Fmt) -> list[Line]:
    if not x.v15:
        return []
    return [x.sa(f"Node {x.f('message_id')}, Input = {x.f('input')}"),
            x.sa(f"Old State = {x.f('old')}  New State = {x.f('new')}"), (False, "")]


def _dotted(v: int) -> str:
    return str(ipaddress.IPv4Address(v))


def _sa_created(x: _Fmt) -> list[Line]:
    inbound = x.f("direction") == "inbound"
    local, remote = _dotted(x.f("local_net")), _dotted(x.f("remote_net"))
    proxy = f"(proxy {remote} to {local})" if inbound else f"(proxy {local} to {remote})"
    head = f"        {x.f('direction')} SA from {x.ip('src')} to {x.ip('dst')}"
    spi = x.f("spi")
    # IOS 12.2 prints the inbound SPI in hex and the outbound one in decimal (as captured).
    shown = f"0x{spi:X}" if inbound or x.v15 else str(spi)
    conn = x.f("sa_conn_id")
    flags = "4" if inbound else "C"
    life = [(False, f"        lifetime of {x.f('lifetime_seconds')} seconds"),
            (False, f"        lifetime of {x.f('lifetime_kb')} kilobytes")]
    if x.v15:
        return [(False, f"{head} (f/i)  0/ 0"), (False, f"        {proxy}"),
                (False, f"        has spi {shown} and conn_id 0"), *life]
    return [(False, f"{head} {proxy}"),
            (False, f"        has spi {shown} and conn_id {conn} and flags {flags}"), *life]


def _qm_retransmit(x: _Fmt) -> list[Line]:
    return [x.sa(f"retransmitting phase 2 {x.f('state')}       {_mid(x)} ...", space=True),
            x.sa("incrementing error counter on node: retransmit phase 2"),
            x.sa(f"retransmitting phase 2 {_mid(x)} {x.f('state')}", space=True)]


def _quick_mode_handlers() -> dict[str, Callable[[_Fmt], list[Line]]]:
    return {
        "qm_begin": _qm_begin,
        "qm_state_change": _qm_state,
        "ipsec_proposal_check": _ipsec_check,
        "ipsec_atts_acceptable": _const("atts are acceptable."),
        "ipsec_atts_not_acceptable": _const("atts are not acceptable."),
        "proxy_mismatch": _const("IPSec policy invalidated proposal"),
        "qm_sa_not_acceptable": lambda x: [
            x.sa("SA not acceptable!"),
            (True, f"%CRYPTO-6-IKMP_MODE_FAILURE: Processing of Quick mode failed with peer "
                   f"at {x.ip()}")],
        "ipsec_sas_creating": _const("Creating IPSec SAs"),
        "ipsec_sa_created": _sa_created,
        "qm_complete": _nothing,
        "ipsec_sa_request": _nothing,     # debug crypto ipsec only (format_ipsec_event)
        "ipsec_sa_expired": _nothing,     # debug crypto ipsec only (format_ipsec_event)
        "qm_retransmit": _qm_retransmit,
        # uncertain: wording of the duplicate-QM1 line.
        "qm_duplicate": _const("phase 2 packet is a duplicate of a previous packet.",
                               space=True),
        "qm_delete": lambda x: [x.sa(f'deleting node {_mid(x)} error TRUE reason '
                                     f'"{x.f("reason")}"')],
    }


def _proxy_text(f: dict[str, Any], side: str) -> str:
    mask = f[f"{side}_mask"]
    kind = 1 if mask == 0xFFFFFFFF else 4
    return (f"{_dotted(f[f'{side}_net'])}/{_dotted(mask)}/{f.get('protocol', 0)}/0 "
            f"(type={kind})")


def format_ipsec_event(dialect: str, event: IkeEvent) -> list[Line]:
    """`debug crypto ipsec` lines for an engine event (``[]`` for most kinds)."""
    f = event.fields
    kind = event.kind
    if kind == "ipsec_sa_request":
        return [(True, "IPSEC(sa_request): ,"),
                (False, f"  (key eng. msg.) OUTBOUND local= {dotted(f['local'])}, "
                        f"remote= {dotted(f['peer'])},"),
                (False, f"    local_proxy= {_proxy_text(f, 'local')},"),
                (False, f"    remote_proxy= {_proxy_text(f, 'remote')},"),
                (False, f"    protocol= ESP, transform= {f['transform']} ,"),
                (False, f"    lifedur= {f['lifetime_seconds']}s and {f['lifetime_kb']}kb,"),
                (False, "    spi= 0x0(0), conn_id= 0, keysize= 0, flags= 0x400C")]
    if kind == "proxy_mismatch":
        return [(True, "IPSEC(validate_transform_proposal): proxy identities not supported")]
    if kind == "ipsec_atts_not_acceptable":
        if f.get("reason") == "pfs":
            # uncertain: IOS reports a PFS group mismatch through the generic validation path.
            offered = f.get("offered_group")
            wanted = ", ".join(f"group{g}" for g in f.get("local_groups", []) if g)
            return [(True, "IPSEC(validate_proposal_request): "
                           + (f"PFS group{offered} offered" if offered else "no PFS offered")
                           + f", policy requires {wanted or 'no PFS'}")]
        return [(True, f"IPSEC(validate_proposal): transform proposal (prot 3, trans "
                       f"{f.get('transform_id', 0)}, hmac_alg {f.get('auth_id', 0)}) not "
                       "supported")]
    if kind == "ipsec_sa_expired":
        lines: list[Line] = []
        for dst, spi in ((f["local"], f["inbound_spi"]), (f["peer"], f["outbound_spi"])):
            lines += [(True, "IPSEC(delete_sa): deleting SA,"),
                      (False, f"  (sa) sa_dest= {dotted(dst)}, sa_prot= 50,"),
                      (False, f"    sa_spi= 0x{int(spi):X}({int(spi)}),"),
                      (False, f"    sa_trans= {f['transform']} , reason= {f['reason']}")]
        return lines
    if kind == "ipsec_sa_created":
        spi = int(f["spi"])
        return [(True, "IPSEC(create_sa): sa created,"),
                (False, f"  (sa) sa_dest= {dotted(f['dst'])}, sa_prot= 50,"),
                (False, f"    sa_spi= 0x{spi:X}({spi}),"),
                (False, f"    sa_trans= {f['transform']} , sa_conn_id= {f['sa_conn_id']}")]
    return []


_BAD_MESSAGE = "%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from {peer} failed its sanity check or is malformed"

_HANDLERS: dict[str, Callable[[_Fmt], list[Line]]] = {
    "sa_created": _nothing,
    "main_mode_begin": _const("beginning Main Mode exchange", space=True),
    # uncertain: wording per 12.x/15.x field reports; the seed has no such line.
    "no_psk": lambda x: [x.sa(f"No pre-shared key with {x.ip()}!")],
    "rx": _rx,
    "local_port": lambda x: [
        (True, f"ISAKMP: local port {x.f('local_port')}, remote port {x.f('remote_port')}")],
    "process_payload": _process_payload,
    "psk_found": lambda x: [x.sa(f"found peer pre-shared key matching {x.ip()}")],
    "check_transform": _check_transform,
    "attr_mismatch": _attr_mismatch,
    "atts_acceptable": lambda x: [
        x.sa(f"atts are acceptable. Next payload is {x.f('next_payload')}")],
    "atts_not_acceptable": lambda x: [
        x.sa(f"atts are not acceptable. Next payload is {x.f('next_payload')}")],
    "policy_not_acceptable": _policy_not_acceptable,
    "auth_method": lambda x: [x.sa(f"SA is doing {x.f('method')} authentication using id type "
                                   f"{x.f('id_type')}")],
    "skeyid_generated": _const("SKEYID state generated"),
    "tx": _tx,
    "duplicate": _const("phase 1 packet is a duplicate of a previous packet.", space=True),
    "retransmit_due_to_dup": _const("retransmitting due to retransmit phase 1", space=True),
    "retransmit_tick": lambda x: [x.sa(f"retransmitting phase 1 {x.f('state')}...", space=True)],
    "error_counter": _error_counter,
    "retransmit": lambda x: [x.sa(f"retransmitting phase 1 {x.f('state')}", space=True)],
    "no_keepalives": lambda x: [x.sa("peer does not do paranoid keepalives."), (False, "")],
    "bad_message": _syslog(_BAD_MESSAGE),
    # A codec failure on receive is reported by IOS with the same sanity-check message.
    "malformed": _syslog(_BAD_MESSAGE),
    "authenticated": _authenticated,
    # uncertain: IOS message catalogue "Authentication method [dec] failed with host [IP]".
    "auth_failed": lambda x: [(True, "%CRYPTO-6-IKMP_AUTH_FAIL: Authentication method "
                                     f"{x.ev.fields.get('method_id', 1)} failed with host "
                                     f"{x.ip()}")],
    "state_change": _state_change,
    "phase1_complete": _nothing,  # the state change / QM_IDLE show it; no extra line
    "notify_tx": lambda x: [x.sa(f"sending NOTIFY {x.f('notify_type')} protocol "
                                 f"{x.ev.fields.get('protocol', 1)}", space=True)],
    "notify_rx": lambda x: [
        x.sa(f"processing NOTIFY {x.f('notify_type')} protocol "
             f"{x.ev.fields.get('protocol', 1)}", space=True)],
    "delete": _delete,
    "purge": _purge,
    "lifetime_expired": _nothing,  # shown by the following delete's reason
    "unknown_sa": _syslog("%CRYPTO-4-IKMP_NO_SA: IKE message from {peer} has no SA and is not "
                          "an initialization offer"),
}

_HANDLERS.update(_quick_mode_handlers())
_HANDLERS.update(AGGRESSIVE_HANDLERS)     # aggressive mode, identities, certificates

EVENT_KINDS: frozenset[str] = frozenset(_HANDLERS)


def format_event(dialect: str, event: IkeEvent, *, local: str | None = None) -> list[Line]:
    """Lines IOS prints for ``event`` in ``dialect`` ("12.2" or "15") as ``(stamped, text)``.

    ``local`` is the device's own address where a line needs it (policy not acceptable).
    Kinds with no IOS counterpart in the dialect give ``[]``; unknown kinds, unknown dialects
    and events missing a needed field raise ``ValueError``.
    """
    if dialect not in DIALECTS:
        raise ValueError(f"unknown IOS dialect {dialect!r}; expected one of {DIALECTS}")
    handler = _HANDLERS.get(event.kind)
    if handler is None:
        raise ValueError(f"unknown IKE event kind {event.kind!r}")
    return handler(_Fmt(dialect, event, local))

