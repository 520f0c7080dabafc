"""Small records of the ISAKMP service: addresses as text (memoised) and an SA's cookies as
hex text, computed once (they tie JSON events to captured datagrams)."""

from __future__ import annotations

from typing import Any

DOTTED: dict[int, str] = {}


def dotted(value: int) -> str:
    """An IPv4 address as text; memoised (a lab has few distinct addresses, bounded anyway)."""
    text = DOTTED.get(value)
    if text is None:
        if len(DOTTED) > 65536:
            DOTTED.clear()
        text = DOTTED[value] = \
            f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    return text


class Cookies:
    """An SA record with its cookies as hex text, computed once (the responder cookie of an
    initiator's SA once it is known)."""

    __slots__ = ("sa", "icookie", "rcookie", "rcookie_hex")

    def __init__(self, sa: Any) -> None:
        self.sa = sa
        self.icookie = sa.icookie.hex()
        self.rcookie = sa.rcookie
        self.rcookie_hex = sa.rcookie.hex()

    def rcookie_text(self) -> str:
        if self.sa.rcookie is not self.rcookie:
            self.rcookie = self.sa.rcookie
            self.rcookie_hex = self.rcookie.hex()
        return self.rcookie_hex


__all__ = ["Cookies", "dotted"]
