"""The expectation model: what a scenario's ``expect:`` section says (validated by
:mod:`ikesim.scenario.expect_schema`) and how an unmet expectation is reported (:class:`Failure`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ikesim.ike.events import EVENT_KINDS

KINDS = ("phase1", "sa", "log", "count", "ping", "drop")
OUTCOMES = ("established", "failed")
# Root causes of a failed phase 1, most specific first (derived from the IKE events, see
# ikesim/ike/events.py): the first one found on either router is "the" reason.
REASONS = ("no-psk", "no-proposal-chosen", "auth-failed", "bad-message",
           "death-by-retransmission", "not-attempted", "incomplete")


IKE_EVENTS = EVENT_KINDS   # the engine's documented catalogue (ikesim/ike/events.py)
# Drop reasons emitted by ikesim.net.device, ikesim.net.link, ikesim.net.tunnel and
# ikesim.ios.crypto.
DROP_REASONS = ("link-down", "interface-down", "acl-in", "acl-out", "not-for-us", "ttl",
                "no-route", "port-unreachable", "protocol-unreachable", "arp", "loss",
                "crypto-no-ipsec-sa",
                # ESP the receiving router drops (ikesim/ios/crypto.py: "esp-" + EspError reason)
                "esp-invalid-spi", "esp-short", "esp-replay", "esp-icv", "esp-padding",
                "esp-next_header", "esp-inner-malformed",
                # ikesim.ios.crypto: nothing listens on UDP 500/4500 while ISAKMP is off; on
                # UDP 4500 a NAT-keepalive is discarded, anything unclassifiable dropped
                "isakmp-off", "natt-keepalive", "natt-invalid",
                # tunnels (ikesim/net/tunnel.py): a protected tunnel without an IPsec SA, clear
                # GRE for a protected tunnel, recursive routing, GRE for no tunnel / malformed
                "tunnel-no-ipsec-sa", "tunnel-not-ipsec", "tunnel-recursive", "gre-no-tunnel",
                "gre-malformed")
PROTOCOLS = {"icmp": 1, "tcp": 6, "udp": 17, "esp": 50, "ahp": 51}
ROW_KEYS = ("dst", "src", "state", "conn_id", "deleted", "role", "peer")
PING_MARKS = re.compile(r"^[!.UQMA?&]+$")


# -- the model --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Bounds:
    """How many: ``equals`` or ``min``/``max`` (inclusive)."""

    equals: int | None = None
    min: int | None = None
    max: int | None = None

    def ok(self, n: int) -> bool:
        if self.equals is not None:
            return n == self.equals
        return (self.min is None or n >= self.min) and (self.max is None or n <= self.max)

    def describe(self) -> str:
        if self.equals is not None:
            return f"exactly {self.equals}"
        if self.min is not None and self.max is not None:
            return f"between {self.min} and {self.max}"
        return f"at least {self.min}" if self.min is not None else f"at most {self.max}"


@dataclass(frozen=True, slots=True)
class Window:
    start: float
    end: float

    def __contains__(self, t: float) -> bool:
        return self.start - 1e-9 <= t <= self.end + 1e-9

    def describe(self) -> str:
        return f"within [{fmt_time(self.start)}, {fmt_time(self.end)}]"


@dataclass(frozen=True, slots=True)
class Phase1Expect:
    line: int
    between: tuple[str, str]
    outcome: str
    reason: str | None = None
    by: float | None = None
    kind: str = "phase1"


@dataclass(frozen=True, slots=True)
class SaExpect:
    line: int
    device: str
    at: float
    rows: tuple[tuple[tuple[str, Any], ...], ...]   # each row: (field, value) pairs
    exact: bool                                     # rows (exact table) or contains (subset)
    kind: str = "sa"


@dataclass(frozen=True, slots=True)
class LogExpect:
    line: int
    device: str
    match: str
    bounds: Bounds
    window: Window | None = None
    absent: bool = False
    kind: str = "log"


@dataclass(frozen=True, slots=True)
class CountExpect:
    line: int
    device: str | None
    event: str
    bounds: Bounds
    where: tuple[tuple[str, str], ...] = ()
    window: Window | None = None
    kind: str = "count"


@dataclass(frozen=True, slots=True)
class PingExpect:
    line: int
    device: str
    to: str | None = None
    at: float | None = None
    success: int | None = None
    of: int | None = None
    rate: int | None = None
    marks: str | None = None
    marks_match: str | None = None
    kind: str = "ping"


@dataclass(frozen=True, slots=True)
class DropExpect:
    line: int
    device: str | None
    bounds: Bounds
    reason: str | None = None
    interface: str | None = None
    protocol: int | None = None
    src: str | None = None
    dst: str | None = None
    window: Window | None = None
    kind: str = "drop"


Expectation = Phase1Expect | SaExpect | LogExpect | CountExpect | PingExpect | DropExpect


@dataclass(frozen=True, slots=True)
class Expectations:
    file: str
    items: tuple[Expectation, ...] = ()

    def __len__(self) -> int:
        return len(self.items)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.items)


@dataclass(frozen=True, slots=True)
class Failure:
    """One expectation that did not hold: where, what was expected, what happened."""

    file: str
    line: int
    kind: str
    title: str                         # e.g. "sa RT2 at 10s (exact table)"
    expected: tuple[str, ...]
    actual: tuple[str, ...]
    device: str | None = None
    time: float | None = None

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    def headline(self) -> str:
        """One line: place, expectation and the first line of what happened."""
        first = self.actual[0].strip() if self.actual else ""
        return f"{self.where}: {self.title}: {first}"

    def render(self) -> str:
        at = []
        if self.device:
            at.append(f"device {self.device}")
        if self.time is not None:
            at.append(f"t={fmt_time(self.time)}")
        head = f"{self.where}: expectation failed: {self.title}"
        if at:
            head += f" ({', '.join(at)})"
        out = [head, "  expected:"]
        out += [f"    {s}" for s in self.expected]
        out.append("  actual:")
        out += [f"    {s}" for s in self.actual]
        return "\n".join(out)

    def __str__(self) -> str:
        return self.render()


def fmt_time(t: float) -> str:
    text = f"{t:.3f}".rstrip("0").rstrip(".")
    return f"{text}s"


def scalar_text(value: Any) -> str:
    """A field value as ``where:`` compares it: text, booleans as ``true``/``false``."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
