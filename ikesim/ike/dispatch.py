"""The generic half of the driver: a received message that found its transition-table row is
checked against the row's payload sets BEFORE the row's action runs (libreswan's
``ikev1_states.c`` model); a failed check or a ``Reject`` from the action becomes one typed
event that always names the peer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ikesim.ike.context import Context, Reject
from ikesim.ike.messages import describe_payloads, payload_names
from ikesim.ike.sa import IsakmpSa
from ikesim.ike.transitions import Transition, payload_problem
from ikesim.isakmp import Header, Payload


@dataclass(slots=True)
class Inbound:
    """A received message as its action sees it."""

    header: Header
    data: bytes
    payloads: list[Payload]
    exchange: Any = None          # the quick mode it belongs to, when one exists
    next_iv: bytes = b""          # last ciphertext block (the next message's IV)
    covered: bytes = b""          # quick mode: the octets its HASH covers
    hash: bytes = b""             # quick mode: the received HASH


Action = Callable[[Context, float, IsakmpSa, Transition, Inbound], None]


def report(ctx: Context, sa: IsakmpSa, rej: Reject) -> None:
    if rej.kind is not None:
        fields = dict(rej.fields)
        fields.setdefault("peer", sa.peer)
        ctx.emit(sa, rej.kind, **fields)


def dispatch(ctx: Context, now: float, sa: IsakmpSa, row: Transition, msg: Inbound,
             actions: Mapping[str, Action]) -> bool:
    """Check ``msg`` against ``row`` and run its action; True when the action completed."""
    problem = payload_problem(row, payload_names(msg.payloads))
    if problem is not None:
        ctx.emit(sa, "bad_message", peer=sa.peer, reason=f"{row.message}: {problem}")
        return False
    ctx.taken[row] += 1
    if ctx.profile.payload_events:
        ctx.emit(sa, "parsed", exchange=int(msg.header.exchange),
                 message_id=msg.header.message_id, message=row.message,
                 payloads=describe_payloads(msg.payloads), size=len(msg.data))
    try:
        actions[row.action](ctx, now, sa, row, msg)
    except Reject as rej:
        report(ctx, sa, rej)
        return False
    return True


def unexpected(ctx: Context, sa: IsakmpSa, message: str, state: str) -> None:
    """The documented answer to a message with no row: nothing is sent, nothing changes."""
    ctx.emit(sa, "bad_message", peer=sa.peer, reason=f"unexpected {message} in {state}")
