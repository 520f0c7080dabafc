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

from ikesim.crypto import CryptoError
from ikesim.ike import ipsec_sas, lifecycle, protect
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
from ikesim.ike.sa import Datagram, IsakmpSa
from ikesim.ike.transitions import INFO, Transition, has_encrypted_row, lookup
from ikesim.ipsec.sa import IpsecSaPair
from ikesim.isakmp import (
    DeletePayload,
    Header,
    IsakmpDecodeError,
    Message,
    NotificationPayload,
    Payload,
    encode_message,
)

REASON_PEER_DELETE = "No reason"
REASON_QM_REFUSED = "Informational (in) state 1"   # IOS: the peer's notify ended the exchange


def notify_plain(ctx: Context, sa: IsakmpSa | None, header: Header, local: int, lport: int,
                 peer: int, pport: int, code: int) -> None:
    """Unprotected informational notification (RFC 2408 §3.14), e.g. NO_PROPOSAL_CHOSEN."""
    rcookie = sa.rcookie if sa is not None else header.rcookie
    mid = ctx.message_id()
    data = encode_message(Message(Header(header.icookie, rcookie, 0, EXCHANGE_INFO, 0, mid),
                                  [NotificationPayload(code, PROTO_ISAKMP)]))
    ctx.send_datagram(Datagram(local, lport, peer, pport, data))
    ctx.emit(sa, "notify_tx", peer=peer, notify_type=notify_name(code), notify_code=code)


def _message(payloads: list[Payload]) -> str:
    kinds = {type(p) for p in payloads}
    if DeletePayload in kinds and NotificationPayload not in kinds:
        if all(int(p.protocol) == PROTO_ESP for p in payloads if isinstance(p, DeletePayload)):
            return "INFO_DELETE_IPSEC"
        return "INFO_DELETE"
    if NotificationPayload in kinds and DeletePayload not in kinds:
        return "INFO_NOTIFY"
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
    for p in msg.payloads:
        if payload_name(p) != "HASH":
            ctx.emit(sa, "process_payload", payload=payload_name(p),
                     message_id=msg.header.message_id)


def _log_notify(ctx: Context, sa: IsakmpSa, p: NotificationPayload) -> None:
    code = int(p.notify_type)
    ctx.emit(sa, "notify_rx", peer=sa.peer, notify_type=notify_name(code), notify_code=code,
             protocol=int(p.protocol))


def log_notify(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    for p in msg.payloads:
        if isinstance(p, NotificationPayload):
            _log_notify(ctx, sa, p)


def protected_notify(ctx: Context, now: float, sa: IsakmpSa, row: Transition,
                     msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    for p in msg.payloads:
        if isinstance(p, NotificationPayload):
            _log_notify(ctx, sa, p)
            _quick_mode_refused(ctx, sa, p)


def _quick_mode_refused(ctx: Context, sa: IsakmpSa, notify: NotificationPayload) -> None:
    """The responder refused our QM1 with a protected notification carrying our SPI: stop
    resending it (IOS deletes the node); the next interesting packet asks again."""
    if int(notify.protocol) != PROTO_ESP or len(notify.spi) != 4:
        return
    spi = int.from_bytes(notify.spi, "big")
    for x in ctx.phase2.of_sa(sa.serial):
        if x.role == "I" and x.my_spi == spi:
            ctx.emit(sa, "qm_delete", message_id=x.message_id, peer=sa.peer,
                     reason=REASON_QM_REFUSED)
            ctx.cancel(sa, x.timer)
            ctx.phase2.forget(x)


def peer_delete(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    _announce(ctx, sa, msg)
    ours = any(sa.icookie + sa.rcookie in p.spis and int(p.protocol) == PROTO_ISAKMP
               for p in msg.payloads if isinstance(p, DeletePayload))
    if not ours:
        ctx.emit(sa, "bad_message", peer=sa.peer, reason="foreign delete ignored")
        return
    lifecycle.delete(ctx, now, sa, REASON_PEER_DELETE, notify_peer=False)


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
                              "peer_delete": peer_delete, "ipsec_delete": ipsec_delete}
