"""Retransmission and duplicate detection, one place for every exchange (strongSwan's task
manager owns both for all tasks; IOS behaves the same way for main and quick mode).

A *flight* is what an exchange remembers of the conversation: the last message it sent, the
last message it accepted, how often it resent, and whether it still expects an answer. The
ISAKMP SA carries the main-mode flight; each quick mode carries its own; a finished quick mode
leaves a :class:`ClosedFlight` so that the peer's repeats are recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ikesim.ike.profiles import Profile


class Flight(Protocol):
    last_sent: bytes | None
    last_received: bytes | None
    resends: int
    awaiting_reply: bool


@dataclass(slots=True)
class ClosedFlight:
    """A finished exchange: any message for it is a repeat; ``last_sent`` (our final message,
    if the peer may have lost it) is what a repeat asks for again."""

    last_sent: bytes | None
    last_received: bytes | None = None
    resends: int = 0
    awaiting_reply: bool = False


def is_duplicate(flight: Flight | None, data: bytes) -> bool:
    """``data`` repeats what ``flight`` already accepted (or belongs to a closed exchange)."""
    if flight is None:
        return False
    return isinstance(flight, ClosedFlight) or data == flight.last_received


def record_sent(flight: Flight, data: bytes, *, expect_reply: bool) -> None:
    flight.last_sent, flight.awaiting_reply = data, expect_reply


def next_deadline(profile: Profile, flight: Flight, now: float, slack: float = 0.0) -> float:
    """When to resend if no answer comes (the profile's schedule; ``slack`` delays a
    responder's own timer so that a peer's resend sent at the same instant arrives first)."""
    return now + profile.retransmit_delay(flight.resends) + slack


def due(profile: Profile, flight: Flight) -> str:
    """What an expired retransmission timer means: "idle" (nothing to resend), "exhausted"
    (the profile's limit is reached) or "resend" (the count is incremented)."""
    if flight.last_sent is None:
        return "idle"
    if profile.retransmit_exhausted(flight.resends):
        return "exhausted"
    flight.resends += 1
    return "resend"
