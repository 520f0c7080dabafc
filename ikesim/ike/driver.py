"""The receive and timer paths: one driver for every exchange (strongSwan's task manager).

A datagram is decoded far enough to find its SA (by cookies, through the SA database's index);
a repeat of what an exchange already accepted goes to that exchange's duplicate handling
(``retransmit``, one rule for all); everything else goes to the exchange's receive function,
which finds the row in the transition tables and dispatches it (``dispatch``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from ikesim.crypto import CryptoError
from ikesim.ike import (
    aggressive,
    dpd,
    ipsec_sas,
    lifecycle,
    main_mode,
    natt,
    quick_initiator,
    quick_mode,
)
from ikesim.ike import informational as info
from ikesim.ike import quick_common as qc
from ikesim.ike import retransmit as flight
from ikesim.ike.context import Context
from ikesim.ike.informational import notify_plain
from ikesim.ike.protect import EXCHANGE_INFO, EXCHANGE_MAIN, ProtectionError
from ikesim.ike.quick import EXCHANGE_QUICK, IPSEC_LIFETIME
from ikesim.ike.sa import AGGRESSIVE_MODE, QM_IDLE, Datagram, IsakmpSa
from ikesim.ipsec.udp_encap import NATT_PORT, strip_marker
from ikesim.isakmp import Header, IsakmpDecodeError, NotifyType, decode_header

REASON_LIFETIME = "lifetime expired"
REASON_HALF_OPEN = "half open timeout"
PHASE1_EXCHANGES = frozenset({EXCHANGE_MAIN, aggressive.EXCHANGE_AGGR})

Receive = Callable[[Context, float, IsakmpSa, Header, bytes], None]
EXCHANGES: dict[int, Receive] = {EXCHANGE_MAIN: main_mode.receive,
                                 aggressive.EXCHANGE_AGGR: aggressive.receive,
                                 EXCHANGE_QUICK: quick_mode.receive,
                                 EXCHANGE_INFO: info.receive}


def receive(ctx: Context, now: float, data: bytes, src: int, sport: int, dst: int,
            dport: int) -> None:
    if dport == NATT_PORT:
        message = strip_marker(data)
        if message is None:     # RFC 3948 §2.2: IKE on port 4500 follows the non-ESP marker
            ctx.emit(None, "malformed", peer=src, offset=0,
                     reason="UDP 4500 datagram without the non-ESP marker")
            return
        data = message
    ctx.rx = Datagram(src, sport, dst, dport, b"")
    try:
        _receive(ctx, now, data, src, sport, dst, dport)
    except (IsakmpDecodeError, CryptoError, ProtectionError) as exc:  # defensive net
        ctx.emit(None, "malformed", peer=src, offset=getattr(exc, "offset", 0),
                 reason=str(exc))
    finally:
        ctx.rx = None


def _receive(ctx: Context, now: float, data: bytes, src: int, sport: int, dst: int,
             dport: int) -> None:
    try:
        header = decode_header(data)
    except IsakmpDecodeError as exc:
        ctx.emit(None, "malformed", peer=src, offset=exc.offset, reason=exc.reason)
        return
    exchange = int(header.exchange)
    sa = ctx.sadb.find(header, src)
    rx = {"exchange": exchange, "message_id": header.message_id, "sport": sport,
          "dport": dport}
    if ctx.profile.payload_events:
        rx["size"] = len(data)
    if sa is None:
        if main_mode.is_initial_offer(header):
            main_mode.new_responder(ctx, now, header, data, src, sport, dst, dport, rx)
            return
        if aggressive.is_initial_offer(header):
            aggressive.new_responder(ctx, now, header, data, src, sport, dst, dport, rx)
            return
        ctx.emit(None, "unknown_sa", peer=src, reason="invalid cookie")
        if exchange != EXCHANGE_INFO and ctx.profile.unknown_sa_notify:   # (no ping-pong)
            notify_plain(ctx, None, header, dst, dport, src, sport, NotifyType.INVALID_COOKIE)
        return
    ctx.emit(sa, "rx", peer=src, state=sa.shown_state, role=sa.role, new_sa=False, **rx)
    if sa.deleted:
        return                         # awaiting purge: seen, but nothing is done
    natt.heard(sa, now)
    dpd.heard(sa, now)
    if exchange in PHASE1_EXCHANGES:
        if flight.is_duplicate(sa, data):
            main_mode.on_duplicate(ctx, now, sa)
            return
    elif exchange == EXCHANGE_QUICK:
        repeated = quick_mode.flight_of(ctx, sa, header)
        if repeated is not None and flight.is_duplicate(repeated, data):
            quick_mode.on_duplicate(ctx, now, sa, header, repeated)
            return
    handler = EXCHANGES.get(exchange)
    if handler is None:
        ctx.emit(sa, "bad_message", peer=src,
                 reason=f"exchange type {exchange} message ID {header.message_id}")
        return
    handler(ctx, now, sa, header, data)


def timer_expired(ctx: Context, now: float, key: Hashable) -> None:
    if not (isinstance(key, tuple) and len(key) == 2):
        return
    kind, serial = key
    if kind == IPSEC_LIFETIME:           # keyed by the inbound SPI, not by an ISAKMP SA
        if isinstance(serial, int):
            ipsec_sas.lifetime_timer(ctx, serial)
        return
    if kind == ipsec_sas.IPSEC_REKEY:    # the soft lifetime, keyed by the inbound SPI too
        if isinstance(serial, int):
            quick_initiator.rekey(ctx, now, serial)
        return
    sa = ctx.sadb.get(serial) if isinstance(serial, int) else None
    deadline = sa.deadlines.get(key) if sa is not None else None
    if sa is None or deadline is None or now + 1e-9 < deadline:
        return                     # stale or superseded timer
    del sa.deadlines[key]
    if kind == "retransmit":
        if sa.mode == AGGRESSIVE_MODE:
            aggressive.on_retransmit_timer(ctx, now, sa)
        else:
            main_mode.on_retransmit_timer(ctx, now, sa)
    elif kind == "purge":
        lifecycle.purge(ctx, sa)
    elif isinstance(kind, str) and kind.startswith("qm:") and kind[3:].isdigit():
        qc.on_timer(ctx, now, sa, int(kind[3:]))
    elif kind == "half_open" and not sa.deleted and sa.state != QM_IDLE:
        # charon: "deleting half open IKE_SA with X after timeout"; pluto: "deleting
        # incomplete state after 60 seconds" (runs B, E)
        ctx.emit(sa, "half_open_timeout", peer=sa.peer, timeout=ctx.profile.half_open_timeout)
        lifecycle.delete(ctx, now, sa, REASON_HALF_OPEN, notify_peer=False)
    elif kind == natt.NAT_KEEPALIVE:
        natt.keepalive_timer(ctx, now, sa)
    elif kind == dpd.DPD_TIMER:
        dpd.on_timer(ctx, now, sa)
    elif kind == "lifetime" and not sa.deleted:
        ctx.emit(sa, "lifetime_expired", peer=sa.peer)
        lifecycle.delete(ctx, now, sa, REASON_LIFETIME, notify_peer=True)
