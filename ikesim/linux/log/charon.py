"""charon's log (strongSwan 5.9.8, filelog with ike_name: ``NN[GRP] <conn|id> text``) over the
engine's events. Texts are strongSwan's (main_mode.c, quick_mode.c, task_manager_v1.c,
isakmp_vendor.c, proposal.c, child_cfg.c, phase1.c, kernel_netlink_ipsec.c, ike_sa.c,
delete_ike_sa_job.c); their order is the one of ../shared/fidelity/linux runs A and B.
Only lines logged in the context of an IKE SA are produced (what the daemon says about a
negotiation), plus the socket error a failed send logs.
"""

from __future__ import annotations

from collections.abc import Callable

from ikesim.linux import names
from ikesim.linux.config.model import CharonTimers
from ikesim.linux.log.charon_base import (
    ends,
    exchange,
    ike_proposals,
    line,
    local,
    sa_name,
)
from ikesim.linux.log.charon_child import CHILD_HANDLERS
from ikesim.linux.log.common import Ctx

Handler = Callable[[Ctx], list[str]]
_TASKS_I = ("ISAKMP_VENDOR", "ISAKMP_CERT_PRE", "MAIN_MODE", "ISAKMP_CERT_POST", "ISAKMP_NATD")
_MM_REQUEST_ROLE = {"I": "request", "R": "response"}
_ATTR_TYPES = {"encryption": "ENCRYPTION_ALGORITHM", "key_length": "ENCRYPTION_ALGORITHM",
               "hash": "INTEGRITY_ALGORITHM", "group": "KEY_EXCHANGE_METHOD"}


# --------------------------------------------------------------------------- handlers
def sa_created(x: Ctx) -> list[str]:
    st, role = x.state, x.text("role")
    st.roles[x.serial], st.created[x.serial] = role, x.now
    conn = x.view.conn_for(x.get("peer"))
    st.names[x.serial] = conn.name if conn is not None and role == "I" else ""
    pending, st.pending = st.pending, []
    return [line(x, g, t) for g, t in (p.split("|", 1) for p in pending)]


def rx(x: Ctx) -> list[str]:
    text = (f"received packet: from {x.ip('peer')}[{x.num('sport')}] to "
            f"{local(x)}[{x.num('dport')}] ({x.num('size')} bytes)")
    if x.flag("new_sa"):
        x.state.pending.append(f"NET|{text}")
        return []
    return [line(x, "NET", text)]


def parsed(x: Ctx) -> list[str]:
    out = _flush(x)
    message, mid = x.text("message"), x.num("message_id")
    request = (x.state.roles.get(x.serial) == "R") == message.startswith(("MM", "QM"))
    if message.startswith("INFO"):
        request = True
    kind = "request" if request else "response"
    out.append(line(x, "ENC", f"parsed {exchange(x)} {kind} {mid} "
                               f"{names.payload_list(x.get('payloads'))}"))
    if message == "MM1":
        me, peer = local(x), x.ip("peer")
        out += [line(x, "CFG", f"looking for an IKEv1 config for {me}...{peer}"),
                line(x, "CFG", f"  candidate: {me}...{peer}, prio 3100"),
                line(x, "CFG", f"found matching ike config: {me}...{peer} with prio 3100"),
                line(x, "IKE", f"local endpoint changed from 0.0.0.0[500] to {me}[500]"),
                line(x, "IKE", f"remote endpoint changed from 0.0.0.0 to {peer}[500]")]
    if message in ("MM1", "MM2"):
        out += _vendors_received(x)
    if message == "MM1":
        out += [line(x, "IKE", f"{x.ip('peer')} is initiating a Main Mode IKE_SA"),
                line(x, "IKE", f"IKE_SA {sa_name(x)} state change: CREATED => CONNECTING")]
    conn = x.view.conn_for(x.get("peer"))
    if message == "MM3" and conn is not None:
        out.append(line(x, "CFG", f"  candidate \"{conn.name}\", match: 1/1/3100 "
                                   "(me/other/ike)"))
    if message == "MM5" and conn is not None:
        # main_mode.c process_r() MM_AUTH: the peer config lookup by the received ID. The
        # lines wait for the outcome: a mismatch prints its own lookup (id_mismatch)
        ident = str(conn.remote_id) if conn.remote_id else x.ip("peer")
        x.state.peer_config[x.serial] = [
            line(x, "CFG", f"looking for pre-shared key peer configs matching "
                           f"{local(x)}...{x.ip('peer')}[{ident}]"),
            line(x, "CFG", f"  candidate \"{conn.name}\", match: 1/20/3100 (me/other/ike)"),
            line(x, "CFG", f"selected peer config \"{conn.name}\"")]
        x.state.names[x.serial] = conn.name
    return out


def _peer_config(x: Ctx) -> list[str]:
    return x.state.peer_config.pop(x.serial, [])


def _vendors_received(x: Ctx) -> list[str]:
    out = []
    for name, raw in names.vendor_names(x.get("payloads")):
        desc = names.CHARON_VENDOR.get(name)
        out.append(line(x, "IKE", f"received {desc} vendor ID") if desc else
                   line(x, "ENC", f"received unknown vendor ID: {names.colon_hex(raw)}"))
    return out


def _flush(x: Ctx) -> list[str]:
    st = x.state
    out = [line(x, g, t, context=False) for g, t in (p.split("|", 1) for p in st.pending)]
    st.pending = []
    held, st.held = st.held, []
    return out + held


def check_transform(x: Ctx) -> list[str]:
    enc, hash_, group = names.offered_keywords(x.get("attributes"))
    offered = names.charon_ike(enc, hash_, group)
    seen = x.state.received.setdefault(x.serial, [])
    if offered not in seen:
        seen.append(offered)
    return [line(x, "CFG", "selecting proposal:")]


def attr_mismatch(x: Ctx) -> list[str]:
    kind = _ATTR_TYPES.get(x.text("attribute"))
    return [line(x, "CFG", f"  no acceptable {kind} found")] if kind else []


def atts_acceptable(x: Ctx) -> list[str]:
    seen = x.state.received.pop(x.serial, [])
    return [line(x, "CFG", "  proposal matches"),
            line(x, "CFG", f"received proposals: {', '.join(seen)}"),
            line(x, "CFG", f"configured proposals: {ike_proposals(x)}"),
            line(x, "CFG", f"selected proposal: {seen[-1] if seen else '?'}")]


def policy_not_acceptable(x: Ctx) -> list[str]:
    seen = x.state.received.pop(x.serial, [])
    return [line(x, "CFG", f"received proposals: {', '.join(seen)}"),
            line(x, "CFG", f"configured proposals: {ike_proposals(x)}"),
            line(x, "IKE", "no proposal found")]


def tx(x: Ctx) -> list[str]:
    st, out = x.state, _flush(x)
    sent = (f"sending packet: from {local(x) if x.get('local') is None else x.ip('local')}"
            f"[{x.num('sport')}] to {x.ip('peer')}[{x.num('dport')}] ({x.num('size')} bytes)")
    if x.flag("retransmission"):
        if x.text("role") == "I" or x.num("exchange") != 2:
            count = st.retransmits.get(x.serial, 0) + 1
            st.retransmits[x.serial] = count
            out.append(line(x, "IKE", f"sending retransmit {count} of request message ID "
                                       f"{x.num('message_id')}, seq {st.seq.get(x.serial, 1)}"))
        else:
            out.append(line(x, "IKE", f"received retransmit of request with ID "
                                       f"{x.num('message_id')}, retransmitting response"))
        return out + [line(x, "NET", sent)]
    payloads, xchg = x.get("payloads"), x.num("exchange")
    vids = [names.CHARON_VENDOR.get(n) for n, _ in names.vendor_names(payloads)]
    role = st.roles.get(x.serial, "I")
    first = xchg == 2 and role == "I" and st.seq.get(x.serial, 0) == 0
    if xchg == 2:
        st.retransmits[x.serial] = 0
        st.seq[x.serial] = st.seq.get(x.serial, 0) + 1
    if first:
        out += [line(x, "IKE", f"queueing {t} task") for t in (*_TASKS_I, "QUICK_MODE")]
        out += [line(x, "IKE", "activating new tasks")]
        out += [line(x, "IKE", f"  activating {t} task") for t in _TASKS_I]
        out += [line(x, "IKE", f"sending {v} vendor ID") for v in vids if v]
        out += [line(x, "IKE", f"initiating Main Mode IKE_SA {sa_name(x)} to "
                                f"{x.ip('peer')}"),
                line(x, "IKE", f"IKE_SA {sa_name(x)} state change: CREATED => CONNECTING"),
                line(x, "CFG", f"configured proposals: {ike_proposals(x)}")]
    elif xchg == 2 and role == "I":
        out += [line(x, "IKE", "reinitiating already active tasks"),
                line(x, "IKE", "  ISAKMP_VENDOR task"), line(x, "IKE", "  MAIN_MODE task")]
    elif xchg == 2:
        out += [line(x, "IKE", f"sending {v} vendor ID") for v in vids if v]
    if xchg == 5 and "DELETE" in (payloads or []):
        st.deleting.add(x.serial)
        name = sa_name(x)
        out += [line(x, "IKE", "queueing ISAKMP_DELETE task"),
                line(x, "IKE", "activating new tasks"),
                line(x, "IKE", "  activating ISAKMP_DELETE task"),
                line(x, "IKE", f"deleting IKE_SA {name} between {ends(x)}"),
                line(x, "IKE", f"sending DELETE for IKE_SA {name}"),
                line(x, "IKE", f"IKE_SA {name} state change: ESTABLISHED => DELETING")]
    kind = _MM_REQUEST_ROLE.get(role, "request") if xchg == 2 else (
        "response" if role == "R" and xchg == 32 else "request")
    out += [line(x, "ENC", f"generating {exchange(x)} {kind} {x.num('message_id')} "
                            f"{names.payload_list(payloads)}"),
            line(x, "NET", sent)]
    if xchg == 2 and role == "R" and x.text("state") == "MM_KEY_EXCH" and \
            "ID" in (payloads or []):
        st.held, out = out, []          # MM6 comes after "established" (run A rt2)
    return out


def phase1_complete(x: Ctx) -> list[str]:
    st = x.state
    held, st.held = st.held, []
    found = _peer_config(x)
    conn = x.view.conn_for(x.get("peer"))
    rekey, reauth, maximum = (conn.timers if conn is not None else CharonTimers()).schedule(
        x.serial)
    out = found + [
        line(x, "IKE", f"IKE_SA {sa_name(x)} established between {ends(x)}"),
        line(x, "IKE", f"IKE_SA {sa_name(x)} state change: CONNECTING => ESTABLISHED")]
    if rekey:
        out.append(line(x, "IKE", f"scheduling rekeying in {rekey}s"))
    if reauth:
        out.append(line(x, "IKE", f"scheduling reauthentication in {reauth}s"))
    if maximum:
        out.append(line(x, "IKE", f"maximum IKE_SA lifetime {maximum}s"))
    return out + held


def delete(x: Ctx) -> list[str]:
    reason, out = x.text("reason"), _peer_config(x) + _flush(x)
    if reason.startswith("death by retransmission"):
        out += [line(x, "IKE", f"giving up after {x.state.retransmits.get(x.serial, 0)} "
                                "retransmits"),
                line(x, "IKE", "establishing IKE_SA failed, peer not responding")]
    old = "ESTABLISHED" if x.text("state") == "QM_IDLE" else "CONNECTING"
    if x.serial in x.state.deleting:
        old = "DELETING"
    if x.get("by_peer") is True and old == "ESTABLISHED":
        # isakmp_delete.c process_r(): the peer's DELETE for this IKE_SA
        out += [line(x, "IKE", f"received DELETE for IKE_SA {sa_name(x)}"),
                line(x, "IKE", f"deleting IKE_SA {sa_name(x)} between {ends(x)}"),
                line(x, "IKE", f"IKE_SA {sa_name(x)} state change: ESTABLISHED => DELETING")]
        old = "DELETING"
    out.append(line(x, "IKE", f"IKE_SA {sa_name(x)} state change: {old} => DESTROYING"))
    for spi in x.state.larval.pop(x.serial, []):
        out += [line(x, "KNL", f"deleting SAD entry with SPI {spi:08x}"),
                line(x, "KNL", f"deleted SAD entry with SPI {spi:08x}")]
    return out


def half_open_timeout(x: Ctx) -> list[str]:
    return [line(x, "JOB", f"deleting half open IKE_SA with {x.ip('peer')} after timeout")]


def notify_rx(x: Ctx) -> list[str]:
    code = x.num("notify_code")
    if code == 24578:          # INITIAL_CONTACT: main_mode.c handles it without a line
        return []
    name = names.NOTIFY_LONG.get(code, x.text("notify_type"))
    return [line(x, "IKE", f"received {name} error notify" if code < 16384 else
                  f"received {name} notify")]


def id_mismatch(x: Ctx) -> list[str]:
    if x.text("role") == "I":
        return [line(x, "IKE", f"IDir '{x.text('received')}' does not match to "
                                f"'{x.text('expected')}'")]
    x.state.peer_config.pop(x.serial, None)
    x.state.names[x.serial] = ""        # no peer config: the IKE_SA stays unnamed
    # backend_manager.c create_peer_cfg_enumerator(): a config whose remote identity does not
    # match is skipped without a "candidate" line
    return [line(x, "CFG", f"looking for pre-shared key peer configs matching {local(x)}..."
                           f"{x.ip('peer')}[{x.text('received')}]"),
            line(x, "IKE", "no peer config found")]


def no_psk(x: Ctx) -> list[str]:
    return [line(x, "IKE", f"no shared key found for {local(x)} - {x.ip('peer')}")]


def bad_message(x: Ctx) -> list[str]:
    reason = x.text("reason")
    if "HASH" in reason or "hash" in reason:
        return _peer_config(x) + [line(x, "IKE", "calculated HASH does not match HASH payload")]
    return _peer_config(x) + [line(x, "IKE", f"message verification failed ({reason})")]


HANDLERS: dict[str, Handler] = {
    "sa_created": sa_created, "rx": rx, "parsed": parsed, "check_transform": check_transform,
    "attr_mismatch": attr_mismatch, "atts_acceptable": atts_acceptable,
    "policy_not_acceptable": policy_not_acceptable, "tx": tx,
    "phase1_complete": phase1_complete, "delete": delete,
    "half_open_timeout": half_open_timeout, "notify_rx": notify_rx,
    "id_mismatch": id_mismatch, "no_psk": no_psk, "bad_message": bad_message,
    **CHILD_HANDLERS,
}
