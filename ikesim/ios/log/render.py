"""Total rendering helpers: every accessor returns printable data whatever an event holds.

Formatters run for every engine event (issue 13: one foreign datagram must not abort a lab), so
nothing here raises. A field that is missing or of the wrong type prints as IOS prints an empty
C field (0, 0.0.0.0, an empty string); numbers are cut to the width IOS stores them in (message
IDs, conn-ids and handles are 32-bit, ports 16-bit), which also bounds what a hostile value can
cost to print.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from ikesim.ike.events import IkeEvent
from ikesim.ios.crypto_records import dotted as dotted_int
from ikesim.ios.log.dialects import Dialect

Line = tuple[bool, str]   # (stamped, text): unstamped lines are IOS's embedded newlines

_MAX_TEXT = 200            # longest field text printed (IOS buffers are bounded too)


def safe_text(value: Any) -> str:
    """``str(value)`` for event data, never raising (huge ints, odd objects) and bounded."""
    if isinstance(value, str):
        return value[:_MAX_TEXT]
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value)
    if isinstance(value, int):
        return str(value) if -(10**18) < value < 10**18 else str(value & 0xFFFFFFFF)
    try:
        return str(value)[:_MAX_TEXT]
    except Exception:
        return "?"


def as_int(value: Any, bits: int = 32, *, default: int = 0) -> int:
    """An event number as the unsigned ``bits``-wide field IOS keeps it in."""
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 20:
            value = int(value)
        else:
            return default
    return value & ((1 << bits) - 1)


def signed32(value: int) -> int:
    """IOS prints message IDs with %d: the top bit makes them negative (seed, trace 07)."""
    value &= 0xFFFFFFFF
    return value - (1 << 32) if value & 0x80000000 else value


def dotted(value: Any) -> str:
    """Event addresses are ints (or already-dotted strings); IOS prints dotted quads.
    Anything else raises ``ValueError`` (used where a caller wants to know)."""
    if type(value) is int and 0 <= value <= 0xFFFFFFFF:
        return dotted_int(value)      # what the engine emits: memoised, no ipaddress object
    if isinstance(value, bool):
        raise ValueError(f"not an IPv4 address: {value!r}")
    try:
        return str(ipaddress.IPv4Address(value))
    except (ipaddress.AddressValueError, ValueError, TypeError) as exc:
        raise ValueError(f"not an IPv4 address: {safe_text(value)!r}") from exc


def dotted_or_zero(value: Any) -> str:
    """Total form of :func:`dotted`: an address IOS does not have prints as 0.0.0.0."""
    try:
        return dotted(value)
    except ValueError:
        return "0.0.0.0"


def vpi(data: bytes) -> str:
    # Seed: 86400 s sent as 4 bytes prints "0x0 0x1 0x51 0x80" (no zero padding).
    return " ".join(f"0x{b:X}" for b in data[:32])


def as_octets(value: Any) -> bytes | None:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, list | tuple) and all(
            isinstance(b, int) and not isinstance(b, bool) and 0 <= b <= 255 for b in value):
        return bytes(value)
    return None


class _Guarded:
    """Event fields of another mapping type than ``dict`` (the engine always passes a dict),
    read without letting the mapping's own errors escape."""

    __slots__ = ("mapping",)

    def __init__(self, mapping: Mapping[str, Any]) -> None:
        self.mapping = mapping

    def get(self, name: str, default: Any = None) -> Any:
        try:
            return self.mapping.get(name, default)
        except Exception:
            return default


class Ctx:
    """One event being formatted in one dialect: field access and the dialect's prefixes."""

    __slots__ = ("d", "ev", "fields", "cid", "local")

    def __init__(self, d: Dialect, event: IkeEvent, local: str | None) -> None:
        self.d, self.ev, self.local = d, event, local
        fields = getattr(event, "fields", None)
        # a dict's get never raises for the str names the handlers ask for
        self.fields: dict[str, Any] | _Guarded = fields if type(fields) is dict else (
            _Guarded(fields) if isinstance(fields, Mapping) else {})
        conn_id = getattr(event, "conn_id", 0)
        # the engine's conn-ids are small ints: the 32-bit cut without as_int's checks
        self.cid = conn_id & 0xFFFFFFFF if type(conn_id) is int else as_int(conn_id)

    # -- fields ---------------------------------------------------------------------------------
    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)

    # The engine's own values (short str, int, 32-bit address) take the first branch; anything
    # else goes through the total helpers above.
    def text(self, name: str, default: str = "") -> str:
        value = self.fields.get(name)
        if type(value) is str:
            return value[:_MAX_TEXT]
        return default if value is None else safe_text(value)

    def num(self, name: str, bits: int = 32, default: int = 0) -> int:
        value = self.fields.get(name)
        if type(value) is int:
            return value & ((1 << bits) - 1)
        return as_int(value, bits, default=default)

    def flag(self, name: str) -> bool:
        return self.fields.get(name) is True

    def ip(self, name: str = "peer") -> str:
        value = self.fields.get(name)
        if type(value) is int and 0 <= value <= 0xFFFFFFFF:
            return dotted_int(value)
        return dotted_or_zero(value)

    def pairs(self, name: str) -> list[tuple[str, Any]]:
        """A list of [name, value] pairs (attributes); malformed items are skipped."""
        value = self.get(name)
        if not isinstance(value, list | tuple):
            return []
        out = []
        for item in value[:64]:
            if isinstance(item, list | tuple) and len(item) == 2:
                out.append((safe_text(item[0]), item[1]))
        return out

    def mid(self, name: str = "message_id") -> int:
        value = self.num(name)
        return signed32(value) if self.d.signed_mids else value

    def role(self) -> str:
        role = self.text("role")
        return role if role in ("I", "R", "N") else "I"

    def state(self, name: str = "state") -> str:
        """A phase-1 state name; 15.x/IOS-XE print QM_IDLE in a 13-character field."""
        state = self.text(name)
        if self.d.pad_states and state == "QM_IDLE":
            return f"{state:<13}"
        return state

    # -- lines ----------------------------------------------------------------------------------
    def _line(self, template: str, text: str, space: bool, cid: int | None) -> Line:
        d = self.d
        prefix = d.prefix(template, self.cid if cid is None else cid)
        return (True, prefix + " " + text if space and d.spaced else prefix + text)

    def sa(self, text: str, *, space: bool = False, cid: int | None = None) -> Line:
        """A per-SA line: 12.2 ``ISAKMP (0:N): text``; 15.x ``ISAKMP:(N):text``; IOS-XE
        ``ISAKMP: (N):text``. ``space`` keeps the blank 15.x prints before some messages."""
        d = self.d
        prefix = d.prefix(d.sa, self.cid if cid is None else cid)
        return (True, prefix + " " + text if space and d.spaced else prefix + text)

    def err(self, text: str, *, space: bool = False) -> Line:
        """A failure line: through ``ISAKMP-ERROR:`` on IOS-XE (trace 12)."""
        template = self.d.error if self.d.error_lines else self.d.sa
        return self._line(template, text, space, None)

    def bare(self, text: str, *, cid: int | None = None) -> Line:
        """A line 12.2/15.x print as ``ISAKMP: text`` (no SA number); IOS-XE adds ``(N):``."""
        return self._line(self.d.bare, text, False, cid)

    def old(self, text: str) -> Line:
        """Lines 12.2/12.4T print in the old ``ISAKMP (0:N): `` form, 15.x as ``ISAKMP (N): ``
        (``Dialect.old``); IOS-XE as its per-SA lines."""
        if self.d.name == "xe":
            return self.sa(text)
        return (True, self.d.prefix(self.d.old, self.cid) + text)

    @staticmethod
    def raw(text: str) -> Line:
        return (False, text)
