"""What the quick-mode initiator and responder share: sending under the exchange's IV chain
with the shared retransmission logic, opening a message (HASH first), 15.x FSM states, SPIs,
PFS Diffie-Hellman, and the payload-processing events."""

from __future__ import annotations

from typing import Any

from ikesim.crypto import CryptoError, DiffieHellman
from ikesim.crypto import private_value_from_bytes as _private
from ikesim.ike import protect
from ikesim.ike import retransmit as flight
from ikesim.ike.context import Context, Reject
from ikesim.ike.dispatch import Inbound
from ikesim.ike.messages import chain_end, nonce_ok, payload_name
from ikesim.ike.protect import ProtectionError
from ikesim.ike.quick import EXCHANGE_QUICK, QmExchange
from ikesim.ike.sa import IsakmpSa
from ikesim.ipsec.sa import Proxy
from ikesim.isakmp import (
    HashPayload,
    Header,
    IdPayload,
    KePayload,
    NoncePayload,
    Payload,
    SaPayload,
)

NONCE_LEN = 20
DH_PRIVATE_LEN = 32
REASON_QM_RETRANS = "death by retransmission P2"


def proxy_fields(proxy: Proxy) -> dict[str, Any]:
    return {"local_net": proxy.local_net, "local_mask": proxy.local_mask,
            "remote_net": proxy.remote_net, "remote_mask": proxy.remote_mask,
            "protocol": proxy.protocol}


def set_state(ctx: Context, x: QmExchange, new: str, cause: str) -> None:
    old, x.state = x.state, new
    if ctx.profile.fsm_events:
        ctx.emit(x.isakmp, "qm_state_change", old=old, new=new, input=cause,
                 message_id=x.message_id)


def new_spi(ctx: Context) -> int:
    while True:
        spi = int.from_bytes(ctx.random(4), "big")
        if spi >= 256 and not ctx.phase2.spi_in_use(spi):
            return spi    # RFC 4303 §2.1: 1-255 are reserved


def new_dh(ctx: Context, x: QmExchange) -> bytes:
    assert x.group is not None
    priv = _private(x.group, ctx.random(DH_PRIVATE_LEN))
    x.dh = DiffieHellman(x.group, priv, backend=ctx.dh_backend)
    return bytes(x.dh.public_bytes())


def shared_secret(x: QmExchange, peer_ke: bytes) -> bytes:
    try:
        return bytes(x.dh.shared_secret(peer_ke))
    except CryptoError as exc:
        raise Reject("bad_message", peer=x.isakmp.peer, reason=str(exc)) from exc


def encrypt(x: QmExchange, payloads: list[Payload]) -> bytes:
    data, x.iv = protect.encrypt_message(x.isakmp, EXCHANGE_QUICK, x.message_id, payloads,
                                         x.iv)
    return data


def send(ctx: Context, now: float, x: QmExchange, data: bytes, *,
         retransmission: bool = False, expect_reply: bool = True) -> None:
    ctx.send(x.isakmp, data, EXCHANGE_QUICK, x.message_id, retransmission)
    flight.record_sent(x, data, expect_reply=expect_reply)
    if expect_reply:
        ctx.arm(x.isakmp, x.timer, flight.next_deadline(ctx.profile, x, now))
    else:
        ctx.cancel(x.isakmp, x.timer)


def forget(ctx: Context, x: QmExchange) -> None:
    ctx.cancel(x.isakmp, x.timer)
    ctx.phase2.forget(x)


def open_message(sa: IsakmpSa, header: Header, data: bytes, iv: bytes) -> Inbound:
    """Decrypt; the HASH must come first (RFC 2409 §5.5). ``covered`` = the octets after the
    HASH payload up to the end of the chain (padding excluded), which HASH(1)/(2) cover."""
    try:
        payloads, plain, last = protect.decrypt_message(sa, header, data, iv)
    except (ProtectionError, CryptoError) as exc:
        raise Reject("bad_message", peer=sa.peer, reason=str(exc)) from exc
    if not payloads or not isinstance(payloads[0], HashPayload):
        raise Reject("bad_message", peer=sa.peer,
                     reason="quick mode message without a leading HASH payload")
    hash_len = int.from_bytes(plain[2:4], "big")
    return Inbound(header, data, payloads, next_iv=last,
                   covered=plain[hash_len:chain_end(plain)], hash=payloads[0].data)


def announce(ctx: Context, sa: IsakmpSa, mid: int, payloads: list[Payload], *,
             with_hash: bool = True) -> None:
    if with_hash:
        ctx.emit(sa, "process_payload", payload="HASH", message_id=mid)
    for p in payloads:
        ctx.emit(sa, "process_payload", payload=payload_name(p), message_id=mid)


def refused(ctx: Context, sa: IsakmpSa, x: QmExchange) -> None:
    """The peer refused our quick mode ``x``: it ends; with a profile whose responders delete
    phase 1 after a refusal, the request is kept to start again on a new SA (trace 07: after
    the peer's DELETE, IOS begins main mode at once; ``quick_initiator.restart_refused``)."""
    forget(ctx, x)
    # guess: trace 07 shows one restart; ikesim restarts once per request (not again when the
    # restarted quick mode is refused too), so a refusal cannot loop at network speed.
    if ctx.profile.qm_refusal_deletes_phase1 and not sa.restart and x.policy is not None:
        sa.requeue.append((x.policy, x.proxy))


def on_timer(ctx: Context, now: float, sa: IsakmpSa, message_id: int) -> None:
    x = ctx.phase2.exchange(sa.serial, message_id)
    if x is None or x.last_sent is None or sa.deleted:
        return
    if flight.due(ctx.profile, x) == "exhausted":
        ctx.emit(sa, "qm_delete", message_id=message_id, reason=REASON_QM_RETRANS,
                 peer=sa.peer)
        forget(ctx, x)
        return
    ctx.emit(sa, "qm_retransmit", message_id=message_id, state=sa.state, role=sa.role)
    send(ctx, now, x, x.last_sent, retransmission=True)


def parts(sa: IsakmpSa, payloads: list[Payload]
          ) -> tuple[SaPayload, bytes, bytes | None, list[IdPayload]]:
    """(SA, nonce, KE data or None, [IDci, IDcr] or []) of a QM1/QM2 whose payload counts the
    transition table already checked (one SA, one nonce, at most one KE, at most two IDs)."""
    sa_p = next(p for p in payloads if isinstance(p, SaPayload))
    nonce = next(p for p in payloads if isinstance(p, NoncePayload)).data
    ke = next((p.data for p in payloads if isinstance(p, KePayload)), None)
    ids = [p for p in payloads if isinstance(p, IdPayload)]
    if len(ids) == 1:
        raise Reject("bad_message", peer=sa.peer,
                     reason="quick mode payloads: IDci without IDcr (RFC 2409 §5.5)")
    if not nonce_ok(nonce):
        raise Reject("bad_message", peer=sa.peer, reason=f"nonce of {len(nonce)} octets")
    return sa_p, nonce, ke, ids
