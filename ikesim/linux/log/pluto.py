"""pluto's log (libreswan 4.10, ``"conn" #N: text``) over the engine's events. Texts are
libreswan's (ikev1_main.c, ikev1_quick.c, retransmit.c, state.c, kernel_xfrm.c, server.c);
their order is the one of ../shared/fidelity/linux runs D and E. ISAKMP and IPsec states share
one counter, as in pluto (#1 main mode, #2 its quick mode, #3 the next attempt).
"""

from __future__ import annotations

from collections.abc import Callable

from ikesim.crypto import HASH_DIGEST_SIZE
from ikesim.ike.phase1_tasks import REASON_NO_PROPOSAL
from ikesim.isakmp import NotifyType
from ikesim.linux import names
from ikesim.linux.log.common import Ctx, seconds_text

Handler = Callable[[Ctx], list[str]]
_SENT = {("I", 1): "sent Main Mode request", ("I", 2): "sent Main Mode I2",
         ("I", 3): "sent Main Mode I3", ("R", 1): "sent Main Mode R1",
         ("R", 2): "sent Main Mode R2"}
_STATE = {("I", 1): "STATE_MAIN_I1", ("I", 2): "STATE_MAIN_I2", ("I", 3): "STATE_MAIN_I3",
          ("R", 1): "STATE_MAIN_R1", ("R", 2): "STATE_MAIN_R2", ("R", 3): "STATE_MAIN_R3"}
_NO_ANSWER = {"STATE_MAIN_I1": "No response (or no acceptable response) to our first IKEv1 "
                               "message",
              "STATE_MAIN_I3": "Possible authentication failure: no acceptable response to "
                               "our first encrypted message",
              "STATE_QUICK_I1": "No acceptable response to our first Quick Mode message: "
                                "perhaps peer likes no proposal"}


def _conn(x: Ctx) -> str:
    conn = x.view.conn_for(x.get("peer"))
    return conn.name if conn is not None else "?"


def _sa(x: Ctx) -> int:
    st = x.state
    if x.serial not in st.sa_serial:
        st.serial += 1
        st.sa_serial[x.serial] = st.serial
    return st.sa_serial[x.serial]


def _qm(x: Ctx, *, new: bool = False) -> int:
    st = x.state
    if "message_id" not in x.fields and not new and x.serial in st.qm_last:
        return st.qm_last[x.serial]     # IPsec SA events name the ISAKMP SA only
    key = (x.serial, x.num("message_id"))
    if new or key not in st.qm_serial:
        st.serial += 1
        st.qm_serial[key] = st.serial
        st.qm_created[key] = x.now
    st.qm_last[x.serial] = st.qm_serial[key]
    return st.qm_serial[key]


def _line(x: Ctx, number: int | None, text: str, *, error: bool = False) -> str:
    where = f"\"{_conn(x)}\"" + (f" #{number}" if number is not None else "")
    return f"{'ERROR: ' if error else ''}{where}: {text}"


def _local(x: Ctx) -> str:
    conn = x.view.conn_for(x.get("peer"))
    return str(conn.local_addrs[0]) if conn is not None and conn.local_addrs else "0.0.0.0"


def sa_created(x: Ctx) -> list[str]:
    st, number = x.state, _sa(x)
    st.roles[x.serial], st.created[x.serial] = x.text("role"), x.now
    role = x.text("role")
    st.states[number] = "STATE_MAIN_I1" if role == "I" else "STATE_MAIN_R0"
    old = st.replacing.pop(x.get("peer"), None) if role == "I" else None
    if old is not None and old in st.sa_serial:
        # ikev1_main.c main_outI1(): "initiating IKEv1 Main Mode connection to replace #%lu"
        return [_line(x, number, "initiating IKEv1 Main Mode connection to replace "
                                 f"#{st.sa_serial[old]}")]
    return [_line(x, number, "initiating IKEv1 Main Mode connection" if role == "I"
                  else "responding to Main Mode")]


def psk_found(x: Ctx) -> list[str]:
    """The first time a PSK is used on an SA (MM1 read by a responder, MM2 by an initiator),
    pluto warns when it is shorter than the PRF's FIPS minimum, even outside FIPS mode."""
    st = x.state
    if -x.serial in st.seq:
        return []
    st.seq[-x.serial] = 1
    conn = x.view.conn_for(x.get("peer"))
    length = x.view.psk_lengths.get(conn.name, 99) if conn is not None else 99
    # the PRF's FIPS minimum is half its key size (crypt_prf.c crypt_prf_fips_key_size_min(),
    # ike_alg_sha1.c / ike_alg_sha2.c names and sizes)
    hash_ = conn.proposals[0].hash if conn and conn.proposals else "sha"
    prf = names.pluto_integ(hash_)
    key_size = HASH_DIGEST_SIZE.get("sha1" if hash_ == "sha" else hash_, 20)
    if length >= key_size // 2:
        return []
    return [_line(x, _sa(x), f"WARNING: connection {conn.name if conn else '?'} PSK length of "
                             f"{length} bytes is too short for {prf} PRF in FIPS mode "
                             f"({key_size // 2} bytes required)")]


def policy_not_acceptable(x: Ctx) -> list[str]:
    """No offered transform is acceptable (ikev1_spdb_struct.c parse_isakmp_sa_body())."""
    return [_line(x, _sa(x), "no acceptable Oakley Transform")]


def notify_tx(x: Ctx) -> list[str]:
    """ikev1_main.c send_v1_notification(): "sending [encrypted ]notification NAME to
    ADDR:PORT", encrypted once the ISAKMP SA has its keys (IS_V1_ISAKMP_ENCRYPTED)."""
    state = x.state.states.get(_sa(x), "")
    clear = state in ("", "STATE_MAIN_R0", "STATE_MAIN_R1", "STATE_MAIN_I1", "STATE_MAIN_I2")
    # guess: port 500 always; pluto's labs here never float to 4500 (no NAT between them)
    return [_line(x, _sa(x), f"sending {'' if clear else 'encrypted '}notification "
                             f"{x.text('notify_type')} to {x.ip('peer')}:500")]


def _send_error(x: Ctx, number: int, where: str) -> list[str]:
    if x.get("sent", True) is not False:
        return []
    return [_line(x, number, f"send on {x.text('interface') or '?'} from {_local(x)}:"
                             f"{x.num('sport')} to {x.ip('peer')}:{x.num('dport')} using UDP "
                             f"failed in {where}: {x.text('error') or 'Network is unreachable'} "
                             f"(errno {x.num('errno', 101)})", error=True)]


def tx(x: Ctx) -> list[str]:
    st, exchange = x.state, x.num("exchange")
    role = st.roles.get(x.serial, x.text("role") or "I")
    if exchange == 32:
        number = _qm(x)
        if x.flag("retransmission"):
            return _send_error(x, number, "retransmit")
        payloads = x.get("payloads") if isinstance(x.get("payloads"), list) else []
        if st.roles.get(-number) == "I" and "SA" in payloads:
            st.states[number] = "STATE_QUICK_I1"
            return _send_error(x, number, "STATE_QUICK_I0") + \
                [_line(x, number, "sent Quick Mode request")]
        return _send_error(x, number, st.states.get(number, "STATE_QUICK_R0"))
    number = _sa(x)
    if exchange != 2:
        return _send_error(x, number, st.states.get(number, ""))
    if x.flag("retransmission"):
        if role != "R":
            return _send_error(x, number, "retransmit")
        return [_line(x, number, "retransmitting in response to duplicate packet; already "
                                 f"{st.states.get(number, 'STATE_MAIN_R1')}")] + \
            _send_error(x, number, "retransmit in response to duplicate")
    count = st.seq.get(x.serial, 0) + 1
    st.seq[x.serial], st.retransmits[x.serial] = count, 0
    before = st.states.get(number, "")
    st.states[number] = _STATE.get((role, count), before)
    sent = _SENT.get((role, count))
    return _send_error(x, number, before) + ([_line(x, number, sent)] if sent else [])


def phase1_complete(x: Ctx) -> list[str]:
    number, conn = _sa(x), x.view.conn_for(x.get("peer"))
    theirs = str(conn.remote_id) if conn is not None and conn.remote_id else x.ip("peer")
    algos = "?"
    if conn is not None and conn.proposals:
        p = conn.proposals[0]
        algos = names.pluto_ike(p.encryption, p.hash, p.group)
    x.state.states[number] = "STATE_MAIN_I4" if x.text("role") == "I" else "STATE_MAIN_R3"
    kind = "ID_IPV4_ADDR" if conn is None or conn.remote_id is None or \
        conn.remote_id.kind == 1 else "ID_FQDN" if conn.remote_id.kind == 2 else "ID_USER_FQDN"
    return [_line(x, number, f"Peer ID is {kind}: '{theirs}'"),
            _line(x, number, f"IKE SA established {{{algos}}}")]


def retransmit(x: Ctx) -> list[str]:
    st, number = x.state, _sa(x)
    count = st.retransmits.get(x.serial, 0) + 1
    st.retransmits[x.serial] = count
    wait = seconds_text(x.view.profile.retransmit_delay(count)) if x.view.profile else "?"
    state = st.states.get(number, "STATE_MAIN_I1")
    return [_line(x, number, f"{state}: retransmission; will wait {wait} seconds for response")]


def qm_retransmit(x: Ctx) -> list[str]:
    st, number = x.state, _qm(x)
    count = st.retransmits.get(-number, 0) + 1
    st.retransmits[-number] = count
    wait = seconds_text(x.view.profile.retransmit_delay(count)) if x.view.profile else "?"
    return [_line(x, number, f"{st.states.get(number, 'STATE_QUICK_I1')}: retransmission; "
                             f"will wait {wait} seconds for response")]


def _timeout(x: Ctx, number: int, state: str, count: int) -> str:
    timeout = x.view.profile.retransmit_timeout if x.view.profile else 60
    return _line(x, number, f"{state}: {seconds_text(timeout)} second timeout exceeded after "
                            f"{count} retransmits.  {_NO_ANSWER.get(state, '')}".rstrip())


def delete(x: Ctx) -> list[str]:
    st, number = x.state, _sa(x)
    reason = x.text("reason")
    state = st.states.get(number, "STATE_MAIN_I1")
    aged = seconds_text(x.now - st.created.get(x.serial, x.now))
    out = []
    if reason.startswith("death by retransmission"):
        out.append(_timeout(x, number, state, st.retransmits.get(x.serial, 0)))
    elif reason == "half open timeout":
        out.append(_line(x, number, "deleting incomplete state after "
                                    f"{seconds_text(x.get('timeout') or 60)} seconds"))
    elif reason == REASON_NO_PROPOSAL:
        # STF_FAIL_v1N: "we act as if this message never happened" (ikev1.c
        # complete_v1_state_transition()): the notification is the only line
        return []
    if x.get("by_peer") is True:                                # the peer's DELETE
        out.append(_line(x, number, f"received Delete SA payload: self-deleting ISAKMP State "
                                    f"#{number}"))
    notify = "sending" if reason == "No reason" and state.endswith(("I4", "R3")) else "NOT sending"
    return out + [_line(x, number, f"deleting state ({state}) aged {aged}s and {notify} "
                                   "notification")]


def qm_begin(x: Ctx) -> list[str]:
    number = _qm(x, new=True)
    x.state.roles[-number] = "I"
    conn = x.view.conn_for(x.get("peer"))
    child = conn.children[0] if conn is not None and conn.children else None
    proposal, pfs, flags = "?", "no-pfs", "IKEv1+PSK+ENCRYPT+TUNNEL+UP+IKE_FRAG_ALLOW+ESN_NO"
    if child is not None and child.esp:
        e = child.esp[0]
        proposal = names.pluto_esp(e.transform.cipher.keyword, e.transform.auth.keyword)
        pfs = names.pluto_group(e.pfs_group)
        if e.pfs_group:
            flags = flags.replace("ENCRYPT+", "ENCRYPT+PFS+")
    return [_line(x, number, f"initiating Quick Mode {flags}+ESN_YES {{using isakmp#{_sa(x)} "
                             f"msgid:{x.num('message_id'):08x} proposal={proposal} "
                             f"pfsgroup={pfs}}}")]


def qm_request(x: Ctx) -> list[str]:
    ours, theirs = x.net("local"), x.net("remote")
    x.state.qm_proxy[(x.serial, x.num("message_id"))] = (ours, theirs)
    number = _qm(x, new=True)
    x.state.states[number], x.state.roles[-number] = "STATE_QUICK_R0", "R"
    return [_line(x, _sa(x), f"the peer proposed: {ours} -<all>-> {theirs}"),
            _line(x, number, "responding to Quick Mode proposal {msgid:"
                             f"{x.num('message_id'):08x}}}"),
            _line(x, number, f"    us: {ours}==={_local(x)}  them: {x.ip('peer')}==={theirs}")]


def ipsec_install_failed(x: Ctx) -> list[str]:
    number = _qm(x)
    state = x.state.states.get(number, "STATE_QUICK_R0")
    return [_line(x, number, f"netlink response for Add SA esp.{x.num('outbound_spi'):x}@"
                             f"{x.ip('peer')}: Function not implemented (errno 38)", error=True),
            _line(x, number, "setup_half_ipsec_sa() hit fail:"),
            _line(x, number, f"state transition function for {state} had internal error")]


def qm_delete(x: Ctx) -> list[str]:
    st = x.state
    key = (x.serial, x.num("message_id"))
    number = st.qm_serial.get(key)
    if number is None:
        return []
    state = st.states.get(number, "STATE_QUICK_I1")
    aged = seconds_text(x.now - st.qm_created.get(key, x.now))
    out = []
    reason = x.text("reason")
    if reason.startswith("death by retransmission"):
        out.append(_timeout(x, number, state, st.retransmits.get(-number, 0)))
    elif x.get("inbound_spi") is not None:
        out.append(_line(x, number, f"received hard EXPIRE for inbound SPI "
                                    f"{x.num('inbound_spi'):x} bytes 0 packets 0 rekey=yes; "
                                    "deleting old SA"))
    return out + [_line(x, number, f"deleting state ({state}) aged {aged}s and NOT sending "
                                   "notification")]


def ipsec_sa_created(x: Ctx) -> list[str]:
    if x.text("direction") != "outbound":
        x.state.spis[(x.serial, -1)] = x.num("spi")
        return []
    number = _qm(x)
    spi_in = x.state.spis.pop((x.serial, -1), 0)
    parts = x.text("transform").split(" esp-")
    cipher = parts[0]
    if cipher.startswith("esp-") and cipher.endswith("-aes"):
        cipher = f"esp-aes {cipher[4:-4]}"
    xfrm = names.pluto_esp(cipher, "esp-" + parts[1] if len(parts) > 1 else "")
    x.state.states[number] = "STATE_QUICK_I2" if x.state.roles.get(-number) == "I" else \
        "STATE_QUICK_R2"
    return [_line(x, number, f"IPsec SA established tunnel mode {{ESP=>0x{x.num('spi'):08x} "
                             f"<0x{spi_in:08x} xfrm={xfrm} NATOA=none NATD=none DPD=passive}}")]


def notify_rx(x: Ctx) -> list[str]:
    """ikev1.c process_packet_tail() ignores the notifies it does not handle ("ignoring
    informational payload …", length 12 + the SPI: INITIAL-CONTACT carries the two cookies,
    charon main_mode.c); informational() ignores RESPONDER-LIFETIME with its own line: the
    SA keeps pluto's own lifetime (ikev1.c EVENT_SA_REPLACE: min(ikelifetime, negotiated))."""
    code, number = x.num("notify_code"), _sa(x)
    lifetime = code == NotifyType.RESPONDER_LIFETIME
    state = x.state.states.get(number, "")
    # after phase 1 every notify comes in a protected informational exchange, which
    # informational() handles after the payload loop
    protected = state in ("STATE_MAIN_I4", "STATE_MAIN_R3")
    ignored = [_line(x, number, "received and ignored notification payload: "
                                f"{'IPSEC_RESPONDER_LIFETIME' if lifetime else x.text('notify_type')}")]
    if lifetime:
        return ignored
    length = 12 + (16 if code == NotifyType.INITIAL_CONTACT else
                   4 if x.num("protocol") == 3 else 0)
    seen = [_line(x, number, f"ignoring informational payload {x.text('notify_type')}, "
                             f"msgid=00000000, length={length}")]
    if not state.startswith("STATE_MAIN"):
        return []
    return seen + (ignored if protected else [])


def id_mismatch(x: Ctx) -> list[str]:
    return [_line(x, _sa(x), f"Peer ID '{x.text('received')}' mismatched on first found "
                             "connection and no better connection found")]


HANDLERS: dict[str, Handler] = {
    "sa_created": sa_created, "psk_found": psk_found, "tx": tx,
    "phase1_complete": phase1_complete, "retransmit": retransmit,
    "qm_retransmit": qm_retransmit, "delete": delete, "qm_begin": qm_begin,
    "qm_request": qm_request, "ipsec_install_failed": ipsec_install_failed,
    "qm_delete": qm_delete, "ipsec_sa_created": ipsec_sa_created, "notify_rx": notify_rx,
    "id_mismatch": id_mismatch, "policy_not_acceptable": policy_not_acceptable,
    "notify_tx": notify_tx,
}
