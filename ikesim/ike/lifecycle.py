"""Birth, establishment, deletion and purge of ISAKMP SAs, with call admission control.

Shared by every exchange (a main mode that fails, a peer's DELETE, `clear crypto isakmp`, the
lifetime timer); quick modes under a deleted SA die with it, IPsec SAs already made live on
(IOS).
"""

from __future__ import annotations

from ikesim.ike import ios_detail, ipsec_sas, protect
from ikesim.ike.context import Context
from ikesim.ike.messages import PROTO_ISAKMP
from ikesim.ike.protect import EXCHANGE_INFO
from ikesim.ike.sa import QM_IDLE, IsakmpSa
from ikesim.isakmp import Attribute, DeletePayload, HashPayload, NotificationPayload, NotifyType
from ikesim.isakmp.attributes import encode_attributes

LIFE_TYPE, LIFE_DURATION, LIFE_SECONDS = 11, 12, 1     # RFC 2409 App. A (phase-1 classes)


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
                  peer_port=pport, icookie=icookie, created_at=now, handle=handle,
                  pad_full_block=ctx.profile.pad_full_block)
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
    # traces 04, 05: after the quick modes it starts, IOS reports phase 1 complete once more
    ctx.internal(sa, "IKE_P1_COMPLETE", "IKE_MESG_INTERNAL, IKE_PHASE1_COMPLETE")
    if sa.notify_lifetime:
        _responder_lifetime(ctx, sa)


def _responder_lifetime(ctx: Context, sa: IsakmpSa) -> None:
    """Tell the initiator the (shorter) lifetime we keep: a protected RESPONDER-LIFETIME notify
    (RFC 2407 §4.6.3.1, SPI = the two cookies, data = SA life type/duration attributes), as the
    15.x responder of trace 07 did right after MM6."""
    life = sa.notify_lifetime
    duration = (Attribute(LIFE_DURATION, life, tv=True) if life <= 0xFFFF else
                Attribute(LIFE_DURATION, life.to_bytes(4, "big"), tv=False))
    data = encode_attributes([Attribute(LIFE_TYPE, LIFE_SECONDS, tv=True), duration])
    mid = ctx.message_id()
    ios_detail.node_new(ctx, sa, mid, keep=False)
    notify = NotificationPayload(NotifyType.RESPONDER_LIFETIME, PROTO_ISAKMP,
                                 sa.icookie + sa.rcookie, data)
    ctx.built([HashPayload(b""), notify])
    ctx.send(sa, protect.protected_informational(sa, mid, [notify]), EXCHANGE_INFO, mid)
    # guess: the responder's own lines for it (no capture shows the responder side).
    ctx.emit(sa, "notify_tx", peer=sa.peer, notify_type="RESPONDER_LIFETIME",
             notify_code=int(NotifyType.RESPONDER_LIFETIME), protocol=PROTO_ISAKMP)
    ctx.detail(sa, "node_purge", message_id=mid)


def delete(ctx: Context, now: float, sa: IsakmpSa, reason: str, *, notify_peer: bool,
           cause: str | None = None) -> None:
    """Delete ``sa`` (``notify_peer``: send a protected DELETE when established). ``cause``:
    the FSM input that deleted it when it came from the peer (trace 07 prints "IKE_DEST_SA ->
    IKE_DEST_SA" for it once the nodes are gone)."""
    ctx.cancel(sa, "retransmit")
    ctx.cancel(sa, "lifetime")
    if notify_peer and sa.state == QM_IDLE and sa.skeyid_a:
        # RFC 2408 §3.15 Delete for the ISAKMP SA: SPI = CKY-I | CKY-R, protected; IOS makes a
        # node for it and purges it once sent (trace 07).
        mid = ctx.message_id()
        ios_detail.node_new(ctx, sa, mid, keep=False)
        delete_payload = DeletePayload(PROTO_ISAKMP, 16, [sa.icookie + sa.rcookie])
        ctx.built([HashPayload(b""), delete_payload])
        data = protect.protected_informational(sa, mid, [delete_payload])
        ctx.send(sa, data, EXCHANGE_INFO, mid)
        ctx.detail(sa, "node_purge", message_id=mid)
    # trace 07: the FSM line comes first, then "deleting SA reason …", the peer and the nodes
    ctx.internal(sa, "IKE_DEST_SA", "IKE_MESG_INTERNAL, IKE_PHASE1_DEL")
    ctx.emit(sa, "delete", reason=reason, state=sa.state, role=sa.role, peer=sa.peer,
             by_peer=cause is not None)
    ios_detail.sa_gone(ctx, sa)
    if cause is not None:
        ctx.internal(sa, "IKE_DEST_SA", cause)
    sa.deleted, sa.deleted_at, sa.awaiting_reply = True, now, False
    ctx.sadb.mark_deleted(sa)
    ctx.arm(sa, "purge", now + ctx.profile.purge_delay)
    for x in ctx.phase2.of_sa(sa.serial):
        ctx.cancel(sa, x.timer)
        ctx.phase2.forget(x)
    if not ctx.sadb.has_live(sa.peer):
        ctx.phase2.pending.pop(sa.peer, None)
    for hook in ctx.on_deleted:
        hook(now, sa)


def purge(ctx: Context, sa: IsakmpSa) -> None:
    ctx.emit(sa, "purge", sa_handle=sa.handle)
    ctx.sadb.remove(sa)
    ctx.phase2.purge_sa(sa.serial)


def drop_ipsec(ctx: Context, peer: int, *, keep_serial: int, reason: str) -> None:
    """IPsec SA pairs with ``peer`` made under another ISAKMP SA than ``keep_serial`` go
    (INITIAL-CONTACT, RFC 2407 §4.6.3.3)."""
    for pair in [p for p in ctx.phase2.pairs() if p.peer == peer
                 and p.isakmp_serial != keep_serial]:
        ipsec_sas.expire(ctx, pair, reason)
