"""Main mode (RFC 2409 §5, identity protection), dispatched through ``transitions.MAIN_MODE``.

Every row's action runs the phase-1 task list (``phase1_tasks.TASKS``): the tasks process the
received message in order, then build the reply in order; this module announces the payloads,
keeps the cookies and IVs, encrypts MM5/MM6 and moves the SA along its row. Retransmission and
duplicates use the shared flight logic (``retransmit``) with IOS's main-mode events.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from ikesim.crypto import CIPHERS, CryptoError, phase1_iv
from ikesim.ike import ios_detail, lifecycle, protect
from ikesim.ike import retransmit as flight
from ikesim.ike.context import Context
from ikesim.ike.dispatch import Action, Inbound, dispatch, unexpected
from ikesim.ike.informational import notify_plain
from ikesim.ike.messages import (
    IKE_PORT,
    first_payload_body,
    payload_names,
    phase1_sa_shape,
    plain_payloads,
)
from ikesim.ike.phase1_tasks import REASON_NO_PROPOSAL, TASKS, Phase1Task
from ikesim.ike.protect import EXCHANGE_MAIN, ProtectionError
from ikesim.ike.sa import MM_NO_STATE, QM_IDLE, ZERO_COOKIE, IsakmpSa
from ikesim.ike.transitions import MAIN_MODE, NEW, Transition, lookup, payload_problem
from ikesim.isakmp import (
    Header,
    IsakmpDecodeError,
    Message,
    Payload,
    PayloadType,
    encode_message,
)

REASON_RETRANS = "death by retransmission P1"
FROM_PEER = "IKE_MESG_FROM_PEER, IKE_MM_EXCH"
PROCESS_MAIN_MODE = "IKE_MESG_INTERNAL, IKE_PROCESS_MAIN_MODE"
PROCESS_COMPLETE = "IKE_MESG_INTERNAL, IKE_PROCESS_COMPLETE"
# Plaintext main-mode message by its first payload: (as initiator, as responder).
_MESSAGE_BY_FIRST_PAYLOAD = {PayloadType.SA: ("MM2", "MM1"), PayloadType.KE: ("MM4", "MM3")}
REPLY = {"MM1": "MM2", "MM2": "MM3", "MM3": "MM4", "MM4": "MM5", "MM5": "MM6"}
ENCRYPTED = frozenset({"MM5", "MM6"})


def is_initial_offer(header: Header) -> bool:
    """An MM1: the only message that may create an SA (IOS: otherwise IKMP_NO_SA)."""
    return (int(header.exchange) == EXCHANGE_MAIN and header.rcookie == ZERO_COOKIE
            and header.message_id == 0 and not header.encrypted
            and header.next_payload == PayloadType.SA)


@cache
def expected_plain(state: str, role: str) -> str | None:
    """The unencrypted main-mode message ``role`` waits for in ``state`` (None: none)."""
    return next((t.message for t in MAIN_MODE
                 if t.state == state and t.role == role and not t.encrypted), None)


@cache
def _acting(message: str, methods: str) -> tuple[Phase1Task, ...]:
    """The tasks, in order, whose ``process`` or ``build`` (``methods``: "PROCESSES" or
    "BUILDS") acts on ``message``; a task without that set acts on every message."""
    return tuple(t for t in TASKS if message in getattr(t, methods, (message,)))


def _build(ctx: Context, sa: IsakmpSa, message: str) -> list[Payload]:
    return [p for task in _acting(message, "BUILDS") for p in task.build(ctx, sa, message)]


def phase1_next_iv(sa: IsakmpSa) -> bytes:
    """The IV of the next encrypted phase-1 message (main mode's MM5, aggressive mode's AM3):
    the first is derived from the DH values, later ones chain from the last ciphertext block
    (RFC 2409 Appendix B)."""
    return sa.iv or phase1_iv(sa.hash_name, sa.gxi, sa.gxr, CIPHERS[sa.cipher_name].block_size)


def arm_retransmit(ctx: Context, now: float, sa: IsakmpSa) -> None:
    # A responder's own timer runs processing_delay late, so that an initiator resend sent
    # exactly one interval after the original arrives first (seed: duplicate, then resend).
    slack = ctx.profile.processing_delay if sa.role == "R" else 0.0
    ctx.arm(sa, "retransmit", flight.next_deadline(ctx.profile, sa, now, slack))


# ---------------------------------------------------------------------- starting
def initiate(ctx: Context, now: float, local: int, peer: int,
             profile: str | None = None, *, replace: bool = False) -> None:
    """Start main mode towards ``peer`` unless an SA to it exists (then do nothing). The key
    comes from the ISAKMP ``profile`` of the crypto map entry (or IPsec profile) that wants
    the SA, when it has one (Cisco TAC document 117259: the initiator uses that profile's
    keyrings), and from the keyrings that apply to the ``local`` address."""
    if (ctx.sadb.has_live(peer) and not replace) or not ctx.crypto.policies:
        return
    key = ctx.psk_for(peer, local, profile)
    if key is None and not ctx.uses("rsa-sig"):
        ctx.emit(None, "no_psk", peer=peer)
        return
    sa = lifecycle.new_sa(ctx, now, "I", local, peer, IKE_PORT, IKE_PORT, ctx.random(8))
    sa.psk = key.key.encode() if key is not None else None
    sa.profile = profile if profile in ctx.crypto.isakmp_profiles else None
    ctx.emit(sa, "sa_created", role="I", peer=peer, local=local)
    ios_detail.preamble(ctx, sa, initiator=True)
    ctx.detail(sa, "aggressive_skipped")
    if key is not None:
        ctx.detail(sa, "psk_found", peer=peer)
    payloads = _build(ctx, sa, "MM1")     # trace 04: the VIDs are made before the FSM moves
    ctx.built(payloads)
    ctx.internal(sa, "IKE_I_MM1", "IKE_MESG_FROM_IPSEC, IKE_SA_REQ_MM")
    ctx.emit(sa, "main_mode_begin")
    data = encode_message(Message(Header(sa.icookie, ZERO_COOKIE, 0, EXCHANGE_MAIN), payloads))
    sa.sai_b = first_payload_body(data)
    ctx.send(sa, data, EXCHANGE_MAIN, 0)
    flight.record_sent(sa, data, expect_reply=True)
    sa.resends = 0
    arm_retransmit(ctx, now, sa)


def new_responder(ctx: Context, now: float, header: Header, data: bytes, src: int, sport: int,
                  dst: int, dport: int, rx: dict[str, int]) -> None:
    """An MM1 with no SA yet: admission, decoding, then the NEW/R/MM1 row."""
    ctx.emit(None, "rx", peer=src, state="NEW SA", role="N", new_sa=True, **rx)
    if not ctx.crypto.policies:
        return                         # ISAKMP not configured: IOS stays silent
    shape = phase1_sa_shape(data)
    if shape is not None:
        # guess: IOS's handling of a multi-proposal phase-1 offer is not documented; it is
        # refused before any work, unanswered (no reflection), and reported as a failed
        # sanity check (%CRYPTO-4-IKMP_BAD_MESSAGE).
        ctx.emit(None, "bad_message", peer=src, reason=shape)
        return
    if lifecycle.admit(ctx, src) is not None:
        return                         # CAC: "drops new IKE SA requests", silently
    try:
        payloads = plain_payloads(header, data)
    except IsakmpDecodeError as exc:
        ctx.emit(None, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
        notify_plain(ctx, None, header, dst, dport, src, sport, exc.notify)
        return
    row = lookup(NEW, "R", "MM1", False)
    assert row is not None
    problem = payload_problem(row, payload_names(payloads))
    if problem is not None:            # checked before an SA exists: a bad MM1 leaves none
        ctx.emit(None, "bad_message", peer=src, reason=f"MM1: {problem}")
        return
    sa = lifecycle.new_sa(ctx, now, "R", dst, src, dport, sport, header.icookie)
    ctx.admission.accepted += 1
    if ctx.profile.half_open_timeout:
        ctx.arm(sa, "half_open", now + ctx.profile.half_open_timeout)
    ctx.emit(sa, "sa_created", role="R", peer=src, local=dst)
    ios_detail.preamble(ctx, sa, initiator=False)
    dispatch(ctx, now, sa, row, Inbound(header, data, payloads), ACTIONS)
    if sa.state == MM_NO_STATE and not sa.deleted:
        # rejected before an answer existed: do not leave a timer-less SA behind
        lifecycle.delete(ctx, now, sa, REASON_NO_PROPOSAL, notify_peer=False)


# ---------------------------------------------------------------------- receiving
def receive(ctx: Context, now: float, sa: IsakmpSa, header: Header, data: bytes) -> None:
    if header.message_id != 0:
        # phase 1 is main mode only, always with message ID 0 (RFC 2409 §5)
        ctx.emit(sa, "bad_message", peer=sa.peer,
                 reason=f"exchange type {int(header.exchange)} message ID {header.message_id}")
        return
    payloads: list[Payload] = []
    if header.encrypted:
        message = "MM5" if sa.role == "R" else "MM6"
    else:
        try:
            payloads = plain_payloads(header, data)
        except IsakmpDecodeError as exc:
            ctx.emit(sa, "malformed", peer=sa.peer, offset=exc.offset, reason=exc.reason)
            notify_plain(ctx, sa, header, sa.local, sa.local_port, sa.peer, sa.peer_port,
                         exc.notify)
            return
        first = int(header.next_payload)
        kind = _MESSAGE_BY_FIRST_PAYLOAD.get(first)
        if kind is not None:
            message = kind[1] if sa.role == "R" else kind[0]
        else:   # no telling first payload: the message this state waits for, if any
            message = expected_plain(sa.state, sa.role) or f"payload {first}"
    deliver(ctx, now, sa, message, header, data, payloads, ACTIONS)


def deliver(ctx: Context, now: float, sa: IsakmpSa, message: str, header: Header, data: bytes,
            payloads: list[Payload], actions: Mapping[str, Action]) -> None:
    """A classified phase-1 message (main or aggressive mode): its transition row, decrypted
    when the row says so, then the row's action; no row is an unexpected message."""
    row = lookup(sa.state, sa.role, message, header.encrypted)
    if row is None:
        unexpected(ctx, sa, message, sa.state)
        return
    msg = Inbound(header, data, payloads)
    if row.encrypted:
        try:
            msg.payloads, _, msg.next_iv = protect.decrypt_message(sa, header, data,
                                                                   phase1_next_iv(sa))
        except (ProtectionError, CryptoError) as exc:
            ctx.emit(sa, "bad_message", peer=sa.peer, reason=str(exc))
            return
    dispatch(ctx, now, sa, row, msg, actions)


def run_tasks(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound) -> None:
    """The action of every main-mode row.

    The 15.x FSM lines come as IOS prints them (traces 04, 05): the transition for the received
    message first (for MM6 only after its payloads: it is decrypted and verified first), then
    the payloads, "IKE_PROCESS_MAIN_MODE" before the reply is built, "IKE_PROCESS_COMPLETE"
    after it is sent."""
    assert row.internal is not None
    received_first = row.message != "MM6"
    detailed = ctx.detailed              # 12.2: no FSM lines (Context.internal gives none)
    if received_first and detailed:
        ctx.internal(sa, row.internal[0], FROM_PEER)
    ios_detail.announce(ctx, sa, msg.payloads)
    for task in _acting(row.message, "PROCESSES"):
        task.process(ctx, now, sa, row.message, msg.header, msg.data, msg.payloads)
    if row.encrypted:
        sa.iv = msg.next_iv                   # committed only once the message is accepted
    if row.message == "MM1":
        sa.rcookie = ctx.random(8)            # the responder's cookie, chosen as it answers
    elif row.message == "MM2":
        sa.rcookie = msg.header.rcookie
    if detailed:
        if not received_first:
            ctx.internal(sa, row.internal[0], FROM_PEER)
        ctx.internal(sa, row.internal[0], PROCESS_MAIN_MODE)
    reply = None
    if row.tx_state is not None:
        name = REPLY[row.message]
        payloads = _build(ctx, sa, name)
        ctx.built(payloads)
        if name in ENCRYPTED:
            reply, sa.iv = protect.encrypt_message(sa, EXCHANGE_MAIN, 0, payloads, phase1_next_iv(sa))
        else:
            reply = encode_message(Message(Header(sa.icookie, sa.rcookie, 0, EXCHANGE_MAIN),
                                           payloads))
    sa.last_received = msg.data
    if reply is not None:
        assert row.tx_state is not None
        sa.state = row.tx_state
        ctx.send(sa, reply, EXCHANGE_MAIN, 0)
        sa.last_sent = reply
    if detailed:
        ctx.internal(sa, row.internal[1], PROCESS_COMPLETE)
    sa.state, sa.resends = row.next_state, 0
    if row.next_state == QM_IDLE:
        lifecycle.established(ctx, now, sa)
    else:
        sa.awaiting_reply = True
        if sa.role == "I" or ctx.profile.responder_retransmits:
            arm_retransmit(ctx, now, sa)


ACTIONS: dict[str, Action] = {name: run_tasks for name in (
    "respond_mm2", "send_mm3", "respond_mm4", "send_mm5", "respond_mm6", "complete")}


# ---------------------------------------------------------------------- flight events
def on_retransmit_timer(ctx: Context, now: float, sa: IsakmpSa) -> None:
    if sa.deleted or sa.last_sent is None:
        return
    ctx.emit(sa, "retransmit_tick", state=sa.state, role=sa.role)
    step = flight.due(ctx.profile, sa)
    if step == "exhausted":
        if sa.awaiting_reply:
            ctx.emit(sa, "no_keepalives")
            lifecycle.delete(ctx, now, sa, REASON_RETRANS, notify_peer=False)
        return
    ctx.emit(sa, "error_counter", reason="retransmit phase 1")
    ctx.emit(sa, "retransmit", state=sa.state, role=sa.role)
    ctx.send(sa, sa.last_sent, EXCHANGE_MAIN, 0, retransmission=True)
    if sa.awaiting_reply:
        arm_retransmit(ctx, now, sa)


def on_duplicate(ctx: Context, now: float, sa: IsakmpSa) -> None:
    """IOS: a copy of the peer's last message means our answer was lost: resend it
    ``dup_resend_delay`` later (the retransmit timer is pulled in)."""
    ctx.emit(sa, "duplicate", peer=sa.peer, state=sa.state, role=sa.role)
    if sa.last_sent is None:
        return
    if not ctx.profile.responder_retransmits:
        # charon: "received retransmit of request with ID 0, retransmitting response"; pluto:
        # "retransmitting in response to duplicate packet" (runs B, E): at once, uncounted
        ctx.send(sa, sa.last_sent, EXCHANGE_MAIN, 0, retransmission=True)
        return
    ctx.emit(sa, "retransmit_due_to_dup")
    ctx.emit(sa, "retransmit_tick", state=sa.state, role=sa.role)
    ctx.arm(sa, "retransmit", now + ctx.profile.dup_resend_delay)

