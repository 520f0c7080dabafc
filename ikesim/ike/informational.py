"""Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): notifications and deletes, plain
or protected by HASH(1), dispatched through ``transitions.INFORMATIONAL``.

Rows for DPD (RFC 3706 R-U-THERE / R-U-THERE-ACK, protected notifies in QM_IDLE) are added to
that table with their own actions here.
"""

from __future__ import annotations

from ikesim.crypto import CryptoError
from ikesim.ike import lifecycle, protect
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


ACTIONS: dict[str, Action] = {"log_notify": log_notify, "protected_notify": protected_notify,
                              "peer_delete": peer_delete}
