"""Dead peer detection (RFC 3706): R-U-THERE / R-U-THERE-ACK notifies in protected
informational exchanges, dispatched through ``transitions.INFORMATIONAL`` rows
("INFO_R_U_THERE", "INFO_R_U_THERE_ACK"), and the keepalive timer of each ISAKMP SA.

- Both peers must have sent the DPD vendor ID (RFC 3706 §5.1; IOS sends it in MM3/MM4, traces
  04, 05); a router answers R-U-THERE whether or not it sends keepalives itself.
- The notify: protocol ISAKMP, SPI = CKY-I | CKY-R (16 octets), data = a 32-bit sequence number
  (RFC 3706 §5.3-5.4). The first sequence number is random, each new R-U-THERE increments it;
  an ACK must echo the sequence of an R-U-THERE still unanswered (§5.5, else it is refused);
  an R-U-THERE whose sequence is not above the last one seen from the peer is a replay (§5.5).
- `crypto isakmp keepalive S [R] [periodic|on-demand]` (Cisco "IPsec Dead Peer Detection
  Periodic Message Option"; ios-facts §4): on-demand (the default) sends R-U-THERE when traffic
  goes to the peer and nothing came from it for S seconds; periodic every S seconds of silence
  from the peer. Unanswered, R-U-THERE is repeated every R seconds (default 2).
- guess: IOS gives up after 5 unanswered repeats (its phase-1 retransmission limit, ios-facts
  §4 "attempt N of 5"); the peer is then declared dead and the ISAKMP SA and the IPsec SAs with
  the peer are deleted. The exact IOS wording of these lines is not in the available captures.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ikesim.ike import ios_detail, lifecycle, protect
from ikesim.ike.context import Context, Reject
from ikesim.ike.dispatch import Action, Inbound
from ikesim.ike.messages import PROTO_ISAKMP, notify_name
from ikesim.ike.protect import EXCHANGE_INFO
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.transitions import Transition
from ikesim.isakmp import NotificationPayload, NotifyType, Payload

DPD_TIMER = "dpd"                      # timer kind: (DPD_TIMER, ISAKMP SA serial)
RETRIES = 5                            # guess: see the module docstring
REASON_DEAD = "peer not responding"    # guess: the delete reason IOS prints is not captured
REASON_DEAD_IPSEC = "DPD: peer dead"
INFO_DONE = "Informational (in) state 1"   # trace 07: the node of an informational ends so
MESSAGES = {NotifyType.R_U_THERE: "INFO_R_U_THERE", NotifyType.R_U_THERE_ACK: "INFO_R_U_THERE_ACK"}
SEQ_MOD = 1 << 32
NO_SA = 0                              # no ISAKMP SA has serial 0: every IPsec SA pair goes


@dataclass(slots=True)
class DeadPeerDetection:
    """DPD state of one ISAKMP SA."""

    seq: int                           # the next R-U-THERE's sequence number
    last_heard: float                  # last datagram from the peer (IKE or ESP)
    peer_seq: int | None = None        # last R-U-THERE sequence accepted from the peer
    unanswered: list[int] = field(default_factory=list)   # our R-U-THEREs without an ACK
    asked_at: float = 0.0              # when the first of them was sent
    repeats: int = 0


def message_name(payloads: list[Payload]) -> str | None:
    """The informational message a lone DPD notify makes (None: not a DPD message)."""
    notifies = [p for p in payloads if isinstance(p, NotificationPayload)]
    if len(notifies) != 1:
        return None
    return MESSAGES.get(int(notifies[0].notify_type))   # type: ignore[call-overload]


def supported(ctx: Context, sa: IsakmpSa) -> bool:
    """Both sent the DPD VID (RFC 3706 §5.1): this platform sends it, the peer did."""
    return bool(ctx.profile.vendor_ids) and "dpd" in sa.vendors


def established(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """Phase 1 is up: DPD state (an unpredictable first sequence number, RFC 3706 §5.5) and, with
    periodic keepalives, the first timer."""
    if not supported(ctx, sa):
        return
    # derived from the (random) cookies rather than drawn: the engine's random stream, and so
    # every later SPI and nonce of existing labs, stays as it was
    digest = hashlib.sha256(b"dpd" + sa.icookie + sa.rcookie).digest()
    seq = int.from_bytes(digest[:4], "big") & 0x7FFFFFFF or 1
    sa.dpd = DeadPeerDetection(seq=seq, last_heard=now)
    keepalive = ctx.crypto.keepalive
    if keepalive is not None and ctx.crypto.keepalive_mode == "periodic":
        ctx.arm(sa, DPD_TIMER, now + keepalive[0])


def heard(sa: IsakmpSa, now: float) -> None:
    """Something came from the peer: it is alive (RFC 3706 §5.3: any traffic will do)."""
    if isinstance(sa.dpd, DeadPeerDetection):
        sa.dpd.last_heard = now


def outbound(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """On-demand DPD: traffic leaves for the peer; ask R-U-THERE when the peer has been quiet
    for S seconds and no question is open."""
    state, keepalive = sa.dpd, ctx.crypto.keepalive
    if (not isinstance(state, DeadPeerDetection) or keepalive is None or sa.deleted
            or ctx.crypto.keepalive_mode != "on-demand" or state.unanswered):
        return
    if now - state.last_heard + 1e-9 >= keepalive[0]:
        _ask(ctx, now, sa, state)


def on_timer(ctx: Context, now: float, sa: IsakmpSa) -> None:
    state, keepalive = sa.dpd, ctx.crypto.keepalive
    if not isinstance(state, DeadPeerDetection) or sa.deleted:
        return
    if state.unanswered:
        if state.last_heard >= state.asked_at:
            state.unanswered.clear()   # the peer spoke meanwhile: alive
        elif state.repeats >= RETRIES:
            _dead(ctx, now, sa)
            return
        else:
            state.repeats += 1
            ctx.emit(sa, "dpd_retry", peer=sa.peer, attempt=state.repeats, limit=RETRIES)
            _ask(ctx, now, sa, state)
            return
    if keepalive is None:
        return
    seconds = keepalive[0]
    if ctx.crypto.keepalive_mode != "periodic":
        return
    if now - state.last_heard + 1e-9 >= seconds:
        _ask(ctx, now, sa, state)
    else:
        ctx.arm(sa, DPD_TIMER, state.last_heard + seconds)


def _ask(ctx: Context, now: float, sa: IsakmpSa, state: DeadPeerDetection) -> None:
    """Send R-U-THERE with the next sequence number and wait R seconds for the ACK."""
    seq = state.seq
    state.seq = (state.seq + 1) % SEQ_MOD or 1
    if not state.unanswered:
        state.repeats, state.asked_at = 0, now
    state.unanswered.append(seq)
    _send(ctx, sa, NotifyType.R_U_THERE, seq)
    keepalive = ctx.crypto.keepalive
    retry = keepalive[1] if keepalive is not None else 2
    ctx.arm(sa, DPD_TIMER, now + retry)


def _send(ctx: Context, sa: IsakmpSa, kind: NotifyType, seq: int) -> None:
    mid = ctx.message_id()
    notify = NotificationPayload(kind, PROTO_ISAKMP, sa.icookie + sa.rcookie,
                                 seq.to_bytes(4, "big"))
    ios_detail.node_new(ctx, sa, mid, keep=False)
    ctx.emit(sa, "dpd_tx", peer=sa.peer, notify_type=kind.name, sequence=seq, message_id=mid,
             sa_handle=sa.handle)
    ctx.send(sa, protect.protected_informational(sa, mid, [notify]), EXCHANGE_INFO, mid)
    ctx.detail(sa, "node_purge", message_id=mid)


def _dead(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """No answer to R-U-THERE and its repeats: the peer is dead; its SAs go (RFC 3706 §5.5)."""
    ctx.emit(sa, "dpd_dead", peer=sa.peer, repeats=RETRIES)
    peer = sa.peer
    lifecycle.delete(ctx, now, sa, REASON_DEAD, notify_peer=False)
    lifecycle.drop_ipsec(ctx, peer, keep_serial=NO_SA, reason=REASON_DEAD_IPSEC)


# ---------------------------------------------------------------------- row actions
def _notify(sa: IsakmpSa, msg: Inbound) -> tuple[NotificationPayload, int]:
    """The DPD notify of ``msg`` and its sequence number, checked (RFC 3706 §5.3-5.4)."""
    p = next(p for p in msg.payloads if isinstance(p, NotificationPayload))
    name = notify_name(int(p.notify_type))
    if int(p.protocol) != PROTO_ISAKMP or bytes(p.spi) not in (b"", sa.icookie + sa.rcookie):
        raise Reject("bad_message", peer=sa.peer,
                     reason=f"{name}: SPI is not this SA's cookies (RFC 3706 §5.3)")
    if len(p.data) != 4:
        raise Reject("bad_message", peer=sa.peer,
                     reason=f"{name}: notification data of {len(p.data)} octets, a sequence "
                     "number is 4")
    return p, int.from_bytes(p.data, "big")


def _received(ctx: Context, sa: IsakmpSa, msg: Inbound, p: NotificationPayload) -> None:
    """IOS's lines for a protected notify: node, HASH, the NOTIFY line (trace 07 order)."""
    ios_detail.node_new(ctx, sa, msg.header.message_id, keep=False)
    if ctx.profile.fsm_events:
        ctx.emit(sa, "process_payload", payload="HASH", message_id=msg.header.message_id)
    code = int(p.notify_type)
    ctx.emit(sa, "notify_rx", peer=sa.peer, notify_type=notify_name(code), notify_code=code,
             protocol=int(p.protocol), sa_handle=sa.handle, message_id=msg.header.message_id)


def _finished(ctx: Context, sa: IsakmpSa, msg: Inbound) -> None:
    ios_detail.node_delete(ctx, sa, msg.header.message_id, INFO_DONE)
    ctx.internal(sa, sa.internal, "IKE_MESG_FROM_PEER, IKE_INFO_NOTIFY")


def answer(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """R-U-THERE: answer R-U-THERE-ACK with the same sequence number (RFC 3706 §5.4).
    guess: the order of IOS's lines (node ends, then "DPD/R_U_THERE received", then the ACK)
    is as remembered from IOS debugs, not from a capture available here."""
    p, seq = _notify(sa, msg)
    _received(ctx, sa, msg, p)
    state = sa.dpd
    last = state.peer_seq if isinstance(state, DeadPeerDetection) else None
    if last is not None and (seq == last or (seq - last) % SEQ_MOD >= SEQ_MOD // 2):
        raise Reject("dpd_bad_sequence", peer=sa.peer, notify_type="R_U_THERE", sequence=seq,
                     expected=(last + 1) % SEQ_MOD)
    if isinstance(state, DeadPeerDetection):
        state.peer_seq = seq
    _finished(ctx, sa, msg)
    ctx.emit(sa, "dpd_rx", peer=sa.peer, notify_type="R_U_THERE", sequence=seq)
    _send(ctx, sa, NotifyType.R_U_THERE_ACK, seq)


def unprotected(ctx: Context, now: float, sa: IsakmpSa, row: Transition,
                msg: Inbound) -> None:
    """A DPD notify without HASH(1): RFC 3706 §5.3 requires protection; it is not answered."""
    p = next(p for p in msg.payloads if isinstance(p, NotificationPayload))
    raise Reject("bad_message", peer=sa.peer,
                 reason=f"{notify_name(int(p.notify_type))} without HASH: not answered")


def acknowledged(ctx: Context, now: float, sa: IsakmpSa, row: Transition,
                 msg: Inbound) -> None:
    """R-U-THERE-ACK: the peer is alive if it echoes an open R-U-THERE (RFC 3706 §5.5)."""
    p, seq = _notify(sa, msg)
    _received(ctx, sa, msg, p)
    state = sa.dpd
    if not isinstance(state, DeadPeerDetection) or seq not in state.unanswered:
        expected = state.unanswered[-1] if isinstance(state, DeadPeerDetection) \
            and state.unanswered else None
        raise Reject("dpd_bad_sequence", peer=sa.peer, notify_type="R_U_THERE_ACK",
                     sequence=seq, expected=expected)
    state.unanswered.clear()
    state.repeats = 0
    state.last_heard = now
    ctx.emit(sa, "dpd_rx", peer=sa.peer, notify_type="R_U_THERE_ACK", sequence=seq)
    _finished(ctx, sa, msg)
    keepalive = ctx.crypto.keepalive
    if keepalive is not None and ctx.crypto.keepalive_mode == "periodic":
        ctx.arm(sa, DPD_TIMER, now + keepalive[0])
    else:
        ctx.cancel(sa, DPD_TIMER)


ACTIONS: dict[str, Action] = {"dpd_answer": answer, "dpd_acknowledged": acknowledged,
                              "dpd_unprotected": unprotected}
