"""Birth, establishment, deletion and purge of ISAKMP SAs, with call admission control.

Shared by every exchange (a main mode that fails, a peer's DELETE, `clear crypto isakmp`, the
lifetime timer); quick modes under a deleted SA die with it, IPsec SAs already made live on
(IOS).
"""

from __future__ import annotations

from ikesim.ike import protect
from ikesim.ike.context import Context
from ikesim.ike.messages import PROTO_ISAKMP
from ikesim.ike.protect import EXCHANGE_INFO
from ikesim.ike.sa import QM_IDLE, IsakmpSa
from ikesim.isakmp import DeletePayload


def admit(ctx: Context, peer: int) -> str | None:
    """Why a new responder SA for ``peer`` is refused, or None to accept it.

    Cisco's Call Admission Control for IKE (12.3(8)T feature guide; `in-negotiation-sa` since
    12.4(6)T): "CAC is applied only to new SAs"; when the limit is reached "the router drops new
    IKE SA requests" — silently, counted in `show crypto call admission statistics`."""
    a = ctx.admission
    reason = None
    if a.in_negotiation_limit is not None and ctx.sadb.half_open_total >= a.in_negotiation_limit:
        reason = "in-negotiation-sa limit"
    elif ctx.sadb.half_open(peer) >= a.per_peer:
        reason = "half-open limit per peer"
    elif ctx.sadb.half_open_total >= a.total:
        reason = "half-open limit"
    elif len(ctx.sadb) >= a.records:
        reason = "SA table full"       # deleted SAs wait purge_delay before they go
    if reason is not None:
        a.rejected[reason] += 1
    return reason


def new_sa(ctx: Context, now: float, role: str, local: int, peer: int, lport: int, pport: int,
           icookie: bytes) -> IsakmpSa:
    serial = ctx.sadb.next_serial()
    # An IOS-like, deterministic "sa=623CF540" pointer derived from the initiator cookie.
    handle = 0x60000000 | (int.from_bytes(icookie[:4], "big") & 0x03FFFFFC)
    sa = IsakmpSa(serial=serial, role=role, local=local, peer=peer, local_port=lport,
                  peer_port=pport, icookie=icookie, created_at=now, handle=handle)
    ctx.sadb.add(sa)
    return sa


def established(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """``sa`` reached QM_IDLE: lifetime timer, event, waiting quick modes."""
    ctx.sadb.mark_established(sa)
    sa.awaiting_reply, sa.established_at = False, now
    ctx.cancel(sa, "retransmit")
    assert sa.negotiated is not None
    ctx.arm(sa, "lifetime", now + sa.negotiated.lifetime)
    ctx.emit(sa, "phase1_complete", peer=sa.peer, role=sa.role)
    for hook in ctx.on_established:
        hook(now, sa)


def delete(ctx: Context, now: float, sa: IsakmpSa, reason: str, *, notify_peer: bool) -> None:
    ctx.cancel(sa, "retransmit")
    ctx.cancel(sa, "lifetime")
    if notify_peer and sa.state == QM_IDLE and sa.skeyid_a:
        # RFC 2408 §3.15 Delete for the ISAKMP SA: SPI = CKY-I | CKY-R, protected.
        mid = ctx.message_id()
        data = protect.protected_informational(
            sa, mid, [DeletePayload(PROTO_ISAKMP, 16, [sa.icookie + sa.rcookie])])
        ctx.send(sa, data, EXCHANGE_INFO, mid)
    ctx.emit(sa, "delete", reason=reason, state=sa.state, role=sa.role, peer=sa.peer)
    ctx.internal(sa, "IKE_DEST_SA", "IKE_MESG_INTERNAL, IKE_PHASE1_DEL")
    sa.deleted, sa.deleted_at, sa.awaiting_reply = True, now, False
    ctx.sadb.mark_deleted(sa)
    ctx.arm(sa, "purge", now + ctx.profile.purge_delay)
    for x in ctx.phase2.of_sa(sa.serial):
        ctx.cancel(sa, x.timer)
        ctx.phase2.forget(x)
    if not ctx.sadb.has_live(sa.peer):
        ctx.phase2.pending.pop(sa.peer, None)


def purge(ctx: Context, sa: IsakmpSa) -> None:
    ctx.emit(sa, "purge", sa_handle=sa.handle)
    ctx.sadb.remove(sa)
    ctx.phase2.purge_sa(sa.serial)
