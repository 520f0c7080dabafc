"""Main-mode events → ``debug crypto isakmp`` lines (all dialects; see ``dialects.py``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ikesim.ios.log import texts
from ikesim.ios.log.bookkeeping import BOOKKEEPING, auth_status
from ikesim.ios.log.render import Ctx, Line, as_octets, dotted_or_zero, safe_text, vpi

Handler = Callable[[Ctx], list[Line]]


def _profile_scan(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []
    # The configured ISAKMP profiles follow the dots (trace 05, both IOS-XE routers: "Scanning
    # profiles for xauth ... VPN"); with none the line ends there (04, 07).
    # guess: several ISAKMP profiles after the dots print one blank apart, in configuration order.
    value = x.get("profiles")
    names = [safe_text(n) for n in value[:16]] if isinstance(value, list | tuple) else []
    text = "Scanning profiles for xauth ..." + "".join(f" {n}" for n in names if n)
    return [(True, "ISAKMP : " + text) if x.d.name != "xe" else x.sa(text)]

def life_duration(value: Any) -> str:
    """A variable-length (VPI) value prints byte by byte; a basic (TV, RFC 2408 §3.3) one in
    decimal. Total: a value of no known shape prints as an empty basic value."""
    octets = as_octets(value)
    if octets is not None:
        return f"life duration (VPI) of  {vpi(octets)}"
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 1 << 64:
        if value <= 0xFFFF:
            return f"life duration (basic) of {value}"
        width = max(4, (value.bit_length() + 7) // 8)
        return f"life duration (VPI) of  {vpi(value.to_bytes(width, 'big'))}"
    return "life duration (basic) of 0"


def is_vpi(value: Any) -> bool:
    return life_duration(value).startswith("life duration (VPI)")


_ATTRIBUTE_TEXT: dict[str, Callable[[Any], str]] = {
    "encryption": lambda v: f"encryption {safe_text(v)}",
    "hash": lambda v: f"hash {safe_text(v)}",
    "group": lambda v: f"default group {safe_text(v)}",
    "auth": lambda v: f"auth {safe_text(v)}",
    "life_type": lambda v: f"life type in {safe_text(v)}",
    "life_duration": life_duration,
    "key_length": lambda v: f"keylength of {safe_text(v)}",
}


def attribute_text(name: str, value: Any) -> str:
    """One SA attribute as printed under "Checking ISAKMP transform …"."""
    shown = _ATTRIBUTE_TEXT.get(name)
    if shown is not None:
        return shown(value)
    # guess: an attribute class IOS does not know (e.g. RFC 2409 class 13, "attr_13"); no
    # capture shows one. Printed with its class number so the offer stays readable.
    number = name[5:] if name.startswith("attr_") else name
    return f"attribute {number} value {safe_text(value)}"


def _attributes(x: Ctx, name: str = "attributes") -> list[Line]:
    out = []
    for attr, value in x.pairs(name):
        if attr == "life_duration" and is_vpi(value):
            out.append((True, x.d.prefix(x.d.vpi_attr, x.cid) + life_duration(value)
                        + x.d.vpi_tail))
        else:
            out.append((True, x.d.prefix(x.d.attr, x.cid) + attribute_text(attr, value)))
    return out


def _where(x: Ctx) -> str:
    return "(N) NEW SA" if x.flag("new_sa") else f"({x.role()}) {x.state()}"


def _rx(x: Ctx) -> list[Line]:
    text = f"received packet from {x.ip()}"
    if x.d.ports:
        text += f" dport {x.num('dport', 16)} sport {x.num('sport', 16)} Global"
    return [(True, x.d.prefix(x.d.rx, x.cid) + f"{text} {_where(x)}")]


def _tx(x: Ctx) -> list[Line]:
    text = f"sending packet to {x.ip()}"
    if x.d.ports:
        text += f" my_port {x.num('sport', 16)} peer_port {x.num('dport', 16)}"
    lead = " " if x.d.spaced else ""
    lines = [(True, x.d.prefix(x.d.tx, x.cid) + f"{lead}{text} ({x.role()}) {x.state()}")]
    if x.d.ipv4_line:
        lines.append(x.sa("Sending an IKE IPv4 Packet."))
    return lines


def _process_payload(x: Ctx) -> list[Line]:
    payload = x.text("payload")
    if payload == "VENDOR":
        return [x.sa("processing vendor id payload", space=True)]
    return [x.sa(f"processing {payload} payload. message ID = {x.mid()}", space=True)]


def _check_transform(x: Ctx) -> list[Line]:
    head = x.sa(f"Checking ISAKMP transform {x.num('transform', 8)} against priority "
                f"{x.num('priority', 16)} policy")
    return [head, *_attributes(x)]


def _attr_mismatch(x: Ctx) -> list[Line]:
    text = texts.MISMATCH_TEXT.get(x.text("attribute"))
    return [x.err(text)] if text else []


def _policy_not_acceptable(x: Ctx) -> list[Line]:
    # trace 12 (IOS-XE): "no offers accepted!" then "phase 1 SA policy not acceptable! (local L
    # remote R)", both through ISAKMP-ERROR.
    local = x.get("local", x.local)
    text = "phase 1 SA policy not acceptable!"
    if local is not None:
        text += f" (local {dotted_or_zero(local)} remote {x.ip()})"
    return [x.err("no offers accepted!"), x.err(text)]


def _error_counter(x: Ctx) -> list[Line]:
    reason = x.text("reason")
    if x.d.fsm and x.get("attempt") is not None:
        # 15.x counts attempts when the engine reports them ("attempt 1 of 5").
        return [x.old(f"incrementing error counter on sa, attempt {x.num('attempt')} of "
                      f"{x.num('max_attempts', default=5)}: {reason}")]
    if x.d.fsm:
        return [x.old(f"incrementing error counter on sa: {reason}")]
    return [x.sa(f"incrementing error counter on sa: {reason}")]


def _delete(x: Ctx) -> list[Line]:
    reason, where, peer = x.text("reason"), f"({x.role()}) {x.state()}", x.ip()
    if x.d.fsm:
        # 15.x capitalises the reason ("Death by retransmission P1") and prints one line.
        reason = reason[:1].upper() + reason[1:]
        return [x.sa(f'deleting SA reason "{reason}" state {where} (peer {peer})')]
    # 12.2 embeds a newline: the state part comes out unstamped on its own line (seed).
    return [x.sa(f'deleting SA reason "{reason}"'),
            x.raw(f"state {where} (peer {peer}) input queue 0")]


def _purge(x: Ctx) -> list[Line]:
    handle = x.num("sa_handle")
    return [x.sa(f"purging SA., sa={handle:08X}, delme={handle:08X}")]


def _authenticated(x: Ctx) -> list[Line]:
    return [*auth_status(x), x.sa(f"SA has been authenticated with {x.ip()}")]




def _fsm_input(old: str, new: str, given: str) -> str | None:
    """15.x prints "Input = <message class>, <event>"; complete a bare class the engine gives."""
    known = texts.DEFAULT_INPUTS.get((old, new))
    if not given:
        if known is None and (old == new or new == "IKE_DEST_SA"):
            return texts.INPUT_DEST if new == "IKE_DEST_SA" else texts.INPUT_INTERNAL
        return known
    if "," in given:
        return given
    if known is not None and known.startswith(given + ","):
        return known
    if given == "IKE_MESG_INTERNAL":
        return texts.INPUT_DEST if new == "IKE_DEST_SA" else texts.INPUT_INTERNAL
    return texts.INPUT_COMPLETION.get(given, given)


def _state_change(x: Ctx) -> list[Line]:
    if not x.d.fsm:
        return []  # 12.2 has no FSM trace in debug crypto isakmp
    old, new = x.text("old"), x.text("new")
    inp = _fsm_input(old, new, x.text("input"))
    lines = [x.sa(f"Input = {inp}")] if inp else []
    # Two blanks before "New State"; main-mode transitions end with a blank and an empty line.
    return [*lines, x.sa(f"Old State = {old}  New State = {new}{x.d.fsm_tail}"), x.raw("")]










def _notify(verb: str) -> Handler:
    def handler(x: Ctx) -> list[Line]:
        code = x.num("notify_code", 16)
        name = texts.NOTIFY_NAMES.get(code) or x.text("notify_type", f"NOTIFY_{code}")
        lines = [x.sa(f"{verb} NOTIFY {name} protocol {x.num('protocol', 8, default=1)}",
                      space=True)]
        if verb == "processing" and code == 24578 and x.d.name == "xe":
            # trace 05: the INITIAL-CONTACT notify names the SA it arrived on.
            lines.append(x.raw(f"\tspi 0, message ID = {x.mid()}, sa = "
                               f"0x{x.num('sa_handle'):X}"))
        elif verb == "processing" and code in (36136, 36137) and x.d.fsm:
            # DPD notifies name theirs too (Cisco DPD guide's debug example: "sa = 63D22F48")
            sa = f"0x{x.num('sa_handle'):X}" if x.d.name == "xe" else f"{x.num('sa_handle'):X}"
            lines.append(x.raw(f"\tspi 0, message ID = {x.mid()}, sa = {sa}"))
        return lines
    return handler




















def _syslog(text: str) -> Handler:
    return lambda x: [(True, text.format(peer=x.ip()))]


def _const(text: str, *, space: bool = False, fsm_only: bool = False) -> Handler:
    def handler(x: Ctx) -> list[Line]:
        return [] if fsm_only and not x.d.fsm else [x.sa(text, space=space)]
    return handler


def _nothing(x: Ctx) -> list[Line]:
    return []


HANDLERS: dict[str, Handler] = {
    **BOOKKEEPING,
    "aggressive_skipped": _const("Can not start Aggressive mode, trying Main mode.",
                                 fsm_only=True),
    "main_mode_begin": _const("beginning Main Mode exchange", space=True),
    "no_psk": lambda x: [x.err(f"No pre-shared key with {x.ip()}!")],
    "rx": _rx,
    "local_port": lambda x: [x.bare(f"local port {x.num('local_port', 16)}, remote port "
                                    f"{x.num('remote_port', 16)}")],
    "process_payload": _process_payload,
    "psk_found": lambda x: [x.sa(f"found peer pre-shared key matching {x.ip()}")],
    "psk_local": _const("local preshared key found", space=True, fsm_only=True),
    "profile_scan": _profile_scan,
    "check_transform": _check_transform,
    "attr_mismatch": _attr_mismatch,
    "atts_acceptable": lambda x: [
        x.sa(f"atts are acceptable. Next payload is {x.num('next_payload', 8)}")],
    "atts_not_acceptable": lambda x: [
        x.err(f"atts are not acceptable. Next payload is {x.num('next_payload', 8)}")],
    "policy_not_acceptable": _policy_not_acceptable,
    "auth_method": lambda x: (
        [x.sa("SA is doing "), x.sa(f"{x.text('method')} authentication using id type "
                                    f"{x.text('id_type')}")] if x.d.split_sa_doing else
        [x.sa(f"SA is doing {x.text('method')} authentication using id type "
              f"{x.text('id_type')}")]),
    "initial_contact_sent": _const("Send initial contact", fsm_only=True),
    "skeyid_generated": lambda x: [] if x.d.fsm else [x.sa("SKEYID state generated")],
    "tx": _tx,
    "duplicate": _const("phase 1 packet is a duplicate of a previous packet.", space=True),
    "retransmit_due_to_dup": _const("retransmitting due to retransmit phase 1", space=True),
    "retransmit_tick": lambda x: [x.sa(f"retransmitting phase 1 {x.state()}...", space=True)],
    "error_counter": _error_counter,
    "retransmit": lambda x: [x.sa(f"retransmitting phase 1 {x.state()}", space=True)],
    "no_keepalives": lambda x: [x.sa("peer does not do paranoid keepalives."), x.raw("")],
    "bad_message": _syslog(texts.BAD_MESSAGE),
    # A codec failure on receive is reported by IOS with the same sanity-check message.
    "malformed": _syslog(texts.BAD_MESSAGE),
    "authenticated": _authenticated,
    # guess: IOS message catalogue "Authentication method [dec] failed with host [IP]".
    "auth_failed": lambda x: [(True, "%CRYPTO-6-IKMP_AUTH_FAIL: Authentication method "
                                     f"{x.num('method_id', default=1)} failed with host "
                                     f"{x.ip()}")],
    "state_change": _state_change,
    "phase1_complete": _nothing,  # the state change / QM_IDLE show it; no extra line
    # guess: wording of the sending side by symmetry with "processing NOTIFY … protocol N".
    "notify_tx": _notify("sending"),
    "notify_rx": _notify("processing"),
    "delete": _delete,
    # trace 07: the peer's DELETE is acknowledged with the same line before the SA goes
    "delete_scheduled": lambda x: _delete(x) if x.d.fsm else [],
    "purge": _purge,
    "node_purge": lambda x: [x.sa(f"purging node {x.mid()}")] if x.d.fsm else [],
    "lifetime_expired": _nothing,  # shown by the following delete's reason
    "unknown_sa": _syslog(texts.NO_SA),
}
