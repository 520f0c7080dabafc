"""Quick mode (RFC 2409 §5.5) on the receive side: find the exchange a message belongs to, its
row in ``transitions.QUICK_MODE``, open it under the exchange's IV chain, dispatch.

    Initiator                         Responder
    HDR*, HASH(1), SA, Ni [,KE] [,IDci, IDcr]  -->
                      <--  HDR*, HASH(2), SA, Nr [,KE] [,IDci, IDcr]
    HDR*, HASH(3)                              -->
"""

from __future__ import annotations

from ikesim.crypto import CIPHERS, phase2_iv
from ikesim.ike import quick_common as qc
from ikesim.ike.context import Context, Reject
from ikesim.ike.dispatch import Action, dispatch, report, unexpected
from ikesim.ike.quick import EXCHANGE_QUICK
from ikesim.ike.quick_initiator import send_qm3
from ikesim.ike.quick_responder import finish_qm, respond_qm2
from ikesim.ike.retransmit import ClosedFlight, Flight
from ikesim.ike.sa import QM_IDLE, IsakmpSa
from ikesim.ike.transitions import NEW, lookup
from ikesim.isakmp import Header

ACTIONS: dict[str, Action] = {"respond_qm2": respond_qm2, "send_qm3": send_qm3,
                              "finish_qm": finish_qm}


def flight_of(ctx: Context, sa: IsakmpSa, header: Header) -> Flight | None:
    """The flight a quick-mode datagram would repeat: its exchange, or a finished one."""
    mid = header.message_id
    return ctx.phase2.exchange(sa.serial, mid) or ctx.phase2.closed(sa.serial, mid)


def on_duplicate(ctx: Context, now: float, sa: IsakmpSa, header: Header,
                 flight: Flight) -> None:
    """The peer lost our answer: resend it (RFC 2409 §5.5 leaves this to the implementation;
    IOS answers a retransmitted QM1 with its QM2 again, and a repeated QM2 with QM3)."""
    mid = header.message_id
    ctx.emit(sa, "qm_duplicate", message_id=mid, peer=sa.peer)
    if isinstance(flight, ClosedFlight):
        if flight.last_sent is not None:     # QM3 was lost: the responder repeats QM2
            ctx.send(sa, flight.last_sent, EXCHANGE_QUICK, mid, True)
        return
    x = ctx.phase2.exchange(sa.serial, mid)
    if x is not None and x.last_sent is not None and x.role == "R":
        qc.send(ctx, now, x, x.last_sent, retransmission=True)


def receive(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes) -> None:
    mid = header.message_id
    x = ctx.phase2.exchange(sa.serial, mid)
    if x is None:
        state, role, message = NEW, "R", "QM1"
    else:
        state, role = x.state, x.role
        message = "QM2" if role == "I" else "QM3"
    encrypted = header.encrypted and mid != 0      # a quick mode always has an M-ID
    row = lookup(state, role, message, encrypted, sa.state)
    if row is None:
        where = state if sa.state == QM_IDLE else sa.state
        unexpected(ctx, sa, message if encrypted else f"unprotected {message}", where)
        return
    if x is not None:
        iv = x.iv
    else:
        iv = phase2_iv(sa.hash_name, sa.iv, mid, CIPHERS[sa.cipher_name].block_size)
    try:
        msg = qc.open_message(sa, header, data, iv)
    except Reject as rej:
        report(ctx, sa, rej)
        return
    msg.exchange = x
    dispatch(ctx, now, sa, row, msg, ACTIONS)

