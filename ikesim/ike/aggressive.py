"""Aggressive mode (RFC 2409 §5.4), dispatched through ``transitions.AGGRESSIVE_MODE``.

Three messages instead of six: the initiator's identity and DH value travel in the clear in AM1,
the responder answers with its own and its proof (HASH_R or SIG_R) in AM2, and the initiator's
proof comes back in AM3 (sent encrypted). Every row's action runs the aggressive-mode tasks
(``aggressive_tasks``) and the authentication task of the negotiated method; retransmission and
duplicates use the shared flight logic, as main mode does.

IOS starts aggressive mode only when configured to (``identity.aggressive_plan``: `crypto
isakmp peer address` with `set aggressive-mode …`, or an ISAKMP profile with `initiate mode
aggressive`); `crypto isakmp aggressive-mode disable` blocks it both ways (Cisco IOS Security
Command Reference, crypto isakmp aggressive-mode disable: "all aggressive mode requests to the
device and all aggressive mode requests made by the device are blocked").
"""

from __future__ import annotations

from ikesim.ike import aggressive_tasks as tasks
from ikesim.ike import ios_detail, lifecycle, main_mode, protect
from ikesim.ike import retransmit as flight
from ikesim.ike.auth_rsa import RsaSigTask
from ikesim.ike.context import Context
from ikesim.ike.dispatch import Action, Inbound, dispatch
from ikesim.ike.identity import AggressivePlan, aggressive_plan
from ikesim.ike.informational import notify_plain
from ikesim.ike.messages import (
    IKE_PORT,
    first_payload_body,
    payload_names,
    phase1_sa_shape,
    plain_payloads,
)
from ikesim.ike.phase1_tasks import REASON_NO_PROPOSAL, Phase1Task
from ikesim.ike.sa import (
    AG_INIT_EXCH,
    AG_NO_STATE,
    AGGRESSIVE_MODE,
    QM_IDLE,
    ZERO_COOKIE,
    IsakmpSa,
    Negotiated,
)
from ikesim.ike.transitions import NEW, Transition, lookup, payload_problem
from ikesim.isakmp import (
    Header,
    IsakmpDecodeError,
    Message,
    Payload,
    PayloadType,
    encode_message,
)

EXCHANGE_AGGR = 4          # RFC 2408 §4.7 Aggressive
FROM_PEER = "IKE_MESG_FROM_PEER, IKE_AM_EXCH"
PROCESS_COMPLETE = "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"
SA_REQUEST = "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_AM"
REPLY = {"AM1": "AM2", "AM2": "AM3"}
ENCRYPTED_REPLY = frozenset({"AM3"})

# The authentication task of a negotiated method (signatures register theirs: auth_rsa).
AUTH_TASKS: dict[str, Phase1Task] = {"pre-share": tasks.PSK_AUTH,
                                      "rsa-sig": RsaSigTask(with_id=False)}


def auth_task(sa: IsakmpSa) -> Phase1Task | None:
    if sa.negotiated is None:
        return None
    return AUTH_TASKS.get(sa.negotiated.authentication)


def is_initial_offer(header: Header) -> bool:
    """An AM1: the only aggressive-mode message that may create an SA."""
    return (int(header.exchange) == EXCHANGE_AGGR and header.rcookie == ZERO_COOKIE
            and header.message_id == 0 and not header.encrypted
            and header.next_payload == PayloadType.SA)


def _build(ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
    out = [p for task in tasks.BUILD for p in task.build(ctx, sa, message)]
    auth = auth_task(sa)
    if auth is not None:
        out += auth.build(ctx, sa, message)
    return out + [p for task in tasks.TRAILER for p in task.build(ctx, sa, message)]


def arm_retransmit(ctx: Context, now: float, sa: IsakmpSa) -> None:
    slack = ctx.profile.processing_delay if sa.role == "R" else 0.0
    ctx.arm(sa, "retransmit", flight.next_deadline(ctx.profile, sa, now, slack))


# ---------------------------------------------------------------------- starting
def start(ctx: Context, now: float, local: int, peer: int, profile: str | None = None, *,
          replace: bool = False) -> None:
    """Start phase 1 towards ``peer`` unless an SA to it exists (or ``replace``): aggressive
    mode when this router is configured to initiate it (and it is not disabled), main mode
    otherwise."""
    if (ctx.sadb.has_live(peer) and not replace) or not ctx.crypto.policies:
        return
    plan = aggressive_plan(ctx.crypto, local, peer, profile)
    if plan is not None:
        if ctx.crypto.aggressive_mode:
            initiate(ctx, now, local, peer, plan)
            return
        # guess: the blocked request falls back to main mode, as IOS does when it has no
        # aggressive-mode settings ("Can not start Aggressive mode, trying Main mode.", IOS
        # 12.4T debug at pastebin.com/f67de1fb5).
        ctx.emit(None, "aggressive_disabled", peer=peer, role="I")
    main_mode.initiate(ctx, now, local, peer, profile, replace=replace)


def initiate(ctx: Context, now: float, local: int, peer: int, plan: AggressivePlan) -> None:
    """Send AM1 towards ``peer`` with ``plan``'s key and identity (the caller checked that no
    SA to the peer exists and that aggressive mode is allowed)."""
    sa = lifecycle.new_sa(ctx, now, "I", local, peer, IKE_PORT, IKE_PORT, ctx.random(8))
    sa.mode, sa.state, sa.psk = AGGRESSIVE_MODE, AG_NO_STATE, plan.key
    sa.local_id, sa.profile = plan.identity, plan.profile
    ctx.emit(sa, "sa_created", role="I", peer=peer, local=local)
    ios_detail.preamble(ctx, sa, initiator=True)
    if plan.key is not None:
        ctx.emit(sa, "psk_found", peer=peer)
    # The initiator's DH value needs its group now: the highest-priority policy's (the offer
    # carries only transforms of that group, aggressive_tasks.aggressive_offer).
    first = ctx.crypto.policies_in_order()[0]
    sa.negotiated = Negotiated(first.encryption, first.hash, first.group, first.authentication,
                               first.lifetime, first.priority)
    payloads = _build(ctx, sa, "AM1")
    sa.negotiated = None                    # the answer decides
    ctx.internal(sa, "IKE_I_AM1", SA_REQUEST)
    ctx.emit(sa, "aggressive_mode_begin")
    data = encode_message(Message(Header(sa.icookie, ZERO_COOKIE, 0, EXCHANGE_AGGR), payloads))
    sa.sai_b = first_payload_body(data)
    sa.state = AG_INIT_EXCH
    ctx.send(sa, data, EXCHANGE_AGGR, 0)
    flight.record_sent(sa, data, expect_reply=True)
    sa.resends = 0
    arm_retransmit(ctx, now, sa)


def new_responder(ctx: Context, now: float, header: Header, data: bytes, src: int, sport: int,
                  dst: int, dport: int, rx: dict) -> None:
    """An AM1 with no SA yet: the disable switch, admission, decoding, then the NEW/R/AM1 row."""
    ctx.emit(None, "rx", peer=src, state="NEW SA", role="N", new_sa=True, **rx)
    if not ctx.crypto.policies:
        return                         # ISAKMP not configured: IOS stays silent
    if not ctx.crypto.aggressive_mode:
        # blocked before any SA exists: nothing is answered, the initiator retransmits
        ctx.emit(None, "aggressive_disabled", peer=src, role="R")
        return
    shape = phase1_sa_shape(data)
    if shape is not None:
        ctx.emit(None, "bad_message", peer=src, reason=shape)
        return
    if lifecycle.admit(ctx, src) is not None:
        return
    try:
        payloads = plain_payloads(header, data)
    except IsakmpDecodeError as exc:
        ctx.emit(None, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
        notify_plain(ctx, None, header, dst, dport, src, sport, exc.notify)
        return
    row = lookup(NEW, "R", "AM1", False)
    assert row is not None
    problem = payload_problem(row, payload_names(payloads))
    if problem is not None:            # a bad AM1 (no ID, no KE …) leaves no SA behind
        ctx.emit(None, "bad_message", peer=src, reason=f"AM1: {problem}")
        return
    sa = lifecycle.new_sa(ctx, now, "R", dst, src, dport, sport, header.icookie)
    sa.mode, sa.state = AGGRESSIVE_MODE, AG_NO_STATE
    ctx.admission.accepted += 1
    ctx.emit(sa, "sa_created", role="R", peer=src, local=dst)
    ios_detail.preamble(ctx, sa, initiator=False)           # trace 14
    dispatch(ctx, now, sa, row, Inbound(header, data, payloads), ACTIONS)
    if sa.state == AG_NO_STATE and not sa.deleted:
        lifecycle.delete(ctx, now, sa, REASON_NO_PROPOSAL, notify_peer=False)


# ---------------------------------------------------------------------- receiving
def _classify(sa: IsakmpSa, header: Header) -> str:
    if header.encrypted:
        return "AM3" if sa.role == "R" else "encrypted message"
    first = int(header.next_payload)
    if first == PayloadType.SA:
        return "AM1" if sa.role == "R" else "AM2"
    if first in (PayloadType.HASH, PayloadType.SIG, PayloadType.CERT) and sa.role == "R":
        return "AM3"
    return f"payload {first}"


def receive(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes) -> None:
    if header.message_id != 0 or sa.mode != AGGRESSIVE_MODE:
        ctx.emit(sa, "bad_message", peer=sa.peer,
                 reason=f"exchange type {int(header.exchange)} message ID {header.message_id}")
        return
    payloads: list[Payload] = []
    if not header.encrypted:
        try:
            payloads = plain_payloads(header, data)
        except IsakmpDecodeError as exc:
            ctx.emit(sa, "malformed", peer=sa.peer, offset=exc.offset, reason=exc.reason)
            notify_plain(ctx, sa, header, sa.local, sa.local_port, sa.peer, sa.peer_port,
                         exc.notify)
            return
    message = _classify(sa, header)
    main_mode.deliver(ctx, now, sa, message, header, data, payloads, ACTIONS)


def run_tasks(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """The action of every aggressive-mode row."""
    assert row.internal is not None
    ctx.internal(sa, row.internal[0], FROM_PEER)
    if row.message == "AM2":
        sa.rcookie = msg.header.rcookie      # the responder's cookie enters the keys
    elif row.message == "AM1":
        sa.rcookie = ctx.random(8)           # chosen as it answers, before the keys
    for task in tasks.PROCESS[row.message]:
        task.process(ctx, now, sa, row.message, msg.header, msg.data, msg.payloads)
    auth = auth_task(sa)
    if auth is not None:
        auth.process(ctx, now, sa, row.message, msg.header, msg.data, msg.payloads)
    if row.message in ("AM2", "AM3"):
        ios_detail.authenticated(ctx, sa)          # the peer's proof held: IOS records it
    if row.encrypted:
        sa.iv = msg.next_iv
    elif row.message == "AM3":
        sa.iv = main_mode.phase1_next_iv(sa)                      # a plain AM3: phase 2 chains from the first IV
    reply = None
    if row.tx_state is not None:
        name = REPLY[row.message]
        payloads = _build(ctx, sa, name)
        if name in ENCRYPTED_REPLY:
            reply, sa.iv = protect.encrypt_message(sa, EXCHANGE_AGGR, 0, payloads, main_mode.phase1_next_iv(sa))
        else:
            reply = encode_message(Message(Header(sa.icookie, sa.rcookie, 0, EXCHANGE_AGGR),
                                           payloads))
    sa.last_received = msg.data
    if reply is not None:
        assert row.tx_state is not None
        sa.state = row.tx_state
        ctx.send(sa, reply, EXCHANGE_AGGR, 0)
        sa.last_sent = reply
    if row.internal[1]:     # AM3: "IKE_P1_COMPLETE -> IKE_P1_COMPLETE" comes from established()
        ctx.internal(sa, row.internal[1], PROCESS_COMPLETE)
    sa.state, sa.resends = row.next_state, 0
    if row.next_state == QM_IDLE:
        sa.offered = sa.dh = None          # no later step needs our offer or DH secret
        lifecycle.established(ctx, now, sa)
    else:
        sa.awaiting_reply = True
        arm_retransmit(ctx, now, sa)


ACTIONS: dict[str, Action] = {name: run_tasks for name in
                              ("respond_am2", "send_am3", "finish_am")}


# ---------------------------------------------------------------------- flight events
def on_retransmit_timer(ctx: Context, now: float, sa: IsakmpSa) -> None:
    if sa.deleted or sa.last_sent is None:
        return
    ctx.emit(sa, "retransmit_tick", state=sa.state, role=sa.role)
    step = flight.due(ctx.profile, sa)
    if step == "exhausted":
        if sa.awaiting_reply:
            ctx.emit(sa, "no_keepalives")
            lifecycle.delete(ctx, now, sa, "death by retransmission P1", notify_peer=False)
        return
    ctx.emit(sa, "error_counter", reason="retransmit phase 1")
    ctx.emit(sa, "retransmit", state=sa.state, role=sa.role)
    ctx.send(sa, sa.last_sent, EXCHANGE_AGGR, 0, retransmission=True)
    if sa.awaiting_reply:
        arm_retransmit(ctx, now, sa)

