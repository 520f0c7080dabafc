"""Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): notifications and deletes, plain
or protected by HASH(1), dispatched through ``transitions.INFORMATIONAL``.

Rows for DPD (RFC 3706 R-U-THERE / R-U-THERE-ACK, protected notifies in QM_IDLE) are added to
that table with their own actions here.

IPsec deletes (RFC 2408 §3.15 with the IPsec DOI: protocol 3 = ESP, SPI size 4): `clear crypto
sa` sends one protected DELETE per SPI of each pair it clears (IOS 15/XE debug, trace 05 in
../shared/fidelity: "ignoring request to send delete notify (no ISAKMP sa) src 61.128.1.1 dst
103.1.1.1 for SPI 0x3EA71AED", one request per SPI, the inbound one first); with no ISAKMP SA
to the peer nothing is sent. The receiver deletes the pair one of whose SPIs is named
(``ipsec_delete``); the ISAKMP SA stays.
"""

from __future__ import annotations

from dataclasses import replace

from ikesim.crypto import CryptoError
from ikesim.ike import dpd, ios_detail, ipsec_sas, lifecycle, protect
from ikesim.ike import quick_common as qc
from ikesim.ike.context import Context
from ikesim.ike.dispatch import Action, Inbound, dispatch, unexpected
from ikesim.ike.messages import (
    PROTO_ESP,
    PROTO_ISAKMP,
    notify_name,
    payload_name,
    plain_payloads,
)
from ikesim.ike.protect import EXCHANGE_INFO, ProtectionError
from ikesim.ike.sa import QM_IDLE, Datagram, IsakmpSa
from ikesim.ike.transitions import INFO, Transition, has_encrypted_row, lookup
from ikesim.ipsec.sa import IpsecSaPair
from ikesim.isakmp import (
    DeletePayload,
    Header,
    IsakmpDecodeError,
    Message,
    NotificationPayload,
    NotifyType,
    Payload,
    encode_message,
)
from ikesim.isakmp.attributes import decode_attributes

REASON_PEER_DELETE = "No reason"
REASON_QM_REFUSED = "Informational (in) state 1"   # IOS: the peer's notify ended the exchange
REASON_ERROR_NOTIFY = "error notify"
INFO_NOTIFY = "IKE_MESG_FROM_PEER, IKE_INFO_NOTIFY"
LIFE_TYPE, LIFE_DURATION, LIFE_SECONDS = 11, 12, 1  # RFC 2409 App. A (RESPONDER-LIFETIME data)


def notify_plain(ctx: Context, sa: IsakmpSa | None, header: Header, local: int, lport: int,
                 peer: int, pport: int, code: int) -> None:
    """Unprotected informational notification (RFC 2408 §3.14), e.g. NO_PROPOSAL_CHOSEN."""
    rcookie = sa.rcookie if sa is not None else header.rcookie
    mid = ctx.message_id()
    if ctx.profile.plain_notify_zero_msgid:
        mid = 0
    payloads: list[Payload] = [NotificationPayload(code, PROTO_ISAKMP)]
    ctx.built(payloads)
    data = encode_message(Message(Header(header.icookie, rcookie, 0, EXCHANGE_INFO, 0, mid),
                                  payloads))
    ctx.send_datagram(Datagram(local, lport, peer, pport, data), sa, EXCHANGE_INFO, mid)
    ctx.emit(sa, "notify_tx", peer=peer, notify_type=notify_name(code), notify_code=code)


def _message(payloads: list[Payload]) -> str:
    kinds = {type(p) for p in payloads}
    if DeletePayload in kinds and NotificationPayload not in kinds:
        if all(int(p.protocol) == PROTO_ESP for p in payloads if isinstance(p, DeletePayload)):
            return "INFO_DELETE_IPSEC"
        return "INFO_DELETE"
    if NotificationPayload in kinds and DeletePayload not in kinds:
        return dpd.message_name(payloads) or "INFO_NOTIFY"
    return "INFO"                  # neither or both: no row


def receive(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes) -> None:
    encrypted = header.encrypted
    if encrypted:
        if not (sa.skeyid_a and has_encrypted_row(INFO, sa.state, sa.role)):
            unexpected(ctx, sa, "encrypted INFO", sa.state)
            return
        try:
            payloads = protect.open_informational(sa, header, data, keep_hash=True)
        except (ProtectionError, CryptoError) as exc:
            ctx.emit(sa, "bad_message", peer=sa.peer, reason=str(exc))
            return
    else:
        try:
            payloads = plain_payloads(header, data)
        except IsakmpDecodeError as exc:
            ctx.emit(sa, "malformed", peer=sa.peer, offset=exc.offset, reason=exc.reason)
            return
    message = _message(payloads)
    row = lookup(sa.state, sa.role, message, encrypted)
    if row is None:
        unexpected(ctx, sa, f"{'encrypted ' if encrypted else ''}{message}", sa.state)
        return
    dispatch(ctx, now, sa, row, Inbound(header, data, payloads), ACTIONS)


def _announce(ctx: Context, sa: IsakmpSa, msg: Inbound) -> None:
    if msg.header.encrypted:
        # IOS makes a node for each protected informational (trace 07: "set new node N to
        # QM_IDLE", then "processing HASH payload. message ID = N")
        ios_detail.node_new(ctx, sa, msg.header.message_id)
    for p in msg.payloads:
        name = payload_name(p)
        if name == "NOTIFY":
            continue                  # "processing NOTIFY <type> protocol N" says it (07)
        if name != "HASH" or (msg.header.encrypted and ctx.profile.fsm_events):
            ctx.emit(sa, "process_payload", payload=name, message_id=msg.header.message_id)


def _done(ctx: Context, sa: IsakmpSa, msg: Inbound) -> None:
    """The node of a protected informational ends (trace 07)."""
    ios_detail.node_delete(ctx, sa, msg.header.message_id, REASON_QM_REFUSED)


def _log_notify(ctx: Context, sa: IsakmpSa, p: NotificationPayload) -> None:
    code = int(p.notify_type)
    ctx.emit(sa, "notify_rx", peer=sa.peer, notify_type=notify_name(code), notify_code=code,
             protocol=int(p.protocol))


def log_notify(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    for p in msg.payloads:
        if isinstance(p, NotificationPayload):
            _log_notify(ctx, sa, p)
            if (ctx.profile.error_notify_deletes and int(p.notify_type) < 16384
                    and sa.state != QM_IDLE and not sa.deleted):
                # charon informational.c: an error notify "only critical during main mode"
                # ends the IKE_SA being set up
                lifecycle.delete(ctx, now, sa, REASON_ERROR_NOTIFY, notify_peer=False)


def protected_notify(ctx: Context, now: float, sa: IsakmpSa, row: Transition,
                     msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    for p in msg.payloads:
        if isinstance(p, NotificationPayload):
            _log_notify(ctx, sa, p)
            if ctx.profile.qm_refusal_ends_exchange:
                _quick_mode_refused(ctx, sa, p)
            _responder_lifetime(ctx, now, sa, p)
    _done(ctx, sa, msg)
    ctx.internal(sa, sa.internal, INFO_NOTIFY)


def _responder_lifetime(ctx: Context, now: float, sa: IsakmpSa,
                        notify: NotificationPayload) -> None:
    """RESPONDER-LIFETIME (RFC 2407 §4.6.3.1) for this ISAKMP SA: use the responder's
    (shorter) lifetime from now on (trace 07: "restart ike sa timer to 3600 secs")."""
    if (int(notify.notify_type) != NotifyType.RESPONDER_LIFETIME
            or int(notify.protocol) != PROTO_ISAKMP or sa.negotiated is None
            or not ctx.profile.responder_lifetime_honoured):
        return
    data = bytes(notify.data)
    try:
        attrs = decode_attributes(data, 0, len(data), 0)
    except IsakmpDecodeError:
        attrs = []
    life_type, seconds = LIFE_SECONDS, None
    for a in attrs:
        if int(a.type) == LIFE_TYPE:
            life_type = int(a.int_value)
        elif int(a.type) == LIFE_DURATION and life_type == LIFE_SECONDS:
            seconds = int(a.int_value)
    if not seconds or seconds >= sa.negotiated.lifetime:
        return                        # only a shorter lifetime is taken
    sa.negotiated = replace(sa.negotiated, lifetime=seconds)
    ctx.emit(sa, "responder_lifetime", lifetime=seconds)
    ctx.arm(sa, "lifetime", now + seconds)


def _quick_mode_refused(ctx: Context, sa: IsakmpSa, notify: NotificationPayload) -> None:
    """The responder refused our QM1 with a protected notification carrying our SPI: stop
    resending it (IOS deletes the node); the next interesting packet asks again."""
    if int(notify.protocol) != PROTO_ESP or len(notify.spi) != 4:
        return
    spi = int.from_bytes(notify.spi, "big")
    for x in ctx.phase2.of_sa(sa.serial):
        if x.role == "I" and x.my_spi == spi:
            if not ctx.profile.fsm_events:
                # 12.2 has no node lines for the informational: it reports the quick mode
                ctx.emit(sa, "qm_delete", message_id=x.message_id, peer=sa.peer,
                         reason=REASON_QM_REFUSED, error=False)
            qc.refused(ctx, sa, x)


def peer_delete(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    ours = any(sa.icookie + sa.rcookie in p.spis and int(p.protocol) == PROTO_ISAKMP
               for p in msg.payloads if isinstance(p, DeletePayload))
    if not ours:
        ctx.emit(sa, "bad_message", peer=sa.peer, reason="foreign delete ignored")
        return
    # traces 06, 07: a DELETE from the peer prints "peer does not do paranoid keepalives."
    ctx.emit(sa, "no_keepalives")
    ctx.detail(sa, "delete_scheduled", reason=REASON_PEER_DELETE, state=sa.state, role=sa.role,
               peer=sa.peer)
    _done(ctx, sa, msg)
    lifecycle.delete(ctx, now, sa, REASON_PEER_DELETE, notify_peer=ctx.profile.delete_echo,
                     cause="IKE_MESG_FROM_PEER, IKE_MM_EXCH")


def ipsec_delete(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """The peer deleted IPsec SAs: the pairs with that peer one of whose SPIs it names go
    (either direction's SPI identifies the pair); SPIs of nothing are ignored."""
    _announce(ctx, sa, msg)
    ctx.emit(sa, "no_keepalives")
    for p in msg.payloads:
        if not isinstance(p, DeletePayload):
            continue
        for raw in p.spis:
            if len(raw) != 4:
                continue
            spi = int.from_bytes(raw, "big")
            pair = ctx.phase2.by_inbound_spi(spi) or next(
                (q for q in ctx.phase2.pairs() if q.outbound.spi == spi and q.peer == sa.peer),
                None)
            if pair is not None and pair.peer == sa.peer and not pair.deleted:
                ipsec_sas.expire(ctx, pair, "peer delete")


def send_ipsec_delete(ctx: Context, pair: IpsecSaPair) -> None:
    """Tell the peer that ``pair`` is gone: a protected DELETE (protocol ESP) per SPI, under
    the newest established ISAKMP SA with the peer; without one, IOS only notes that it
    ignores the request."""
    sa = ctx.sadb.established(pair.peer)
    for spi in (pair.inbound.spi, pair.outbound.spi):
        if sa is None:
            ctx.emit(None, "delete_notify_ignored", local=pair.local, peer=pair.peer, spi=spi)
            continue
        mid = ctx.message_id()
        data = protect.protected_informational(
            sa, mid, [DeletePayload(PROTO_ESP, 4, [spi.to_bytes(4, "big")])])
        ctx.send(sa, data, EXCHANGE_INFO, mid)


ACTIONS: dict[str, Action] = {"log_notify": log_notify, "protected_notify": protected_notify,
                              "peer_delete": peer_delete, "ipsec_delete": ipsec_delete,
                              **dpd.ACTIONS}
