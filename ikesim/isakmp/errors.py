"""The one error the ISAKMP decoder raises."""

from __future__ import annotations

from .constants import NotifyType


class IsakmpDecodeError(Exception):
    """Malformed ISAKMP input.

    ``offset`` is the byte offset in the datagram where the problem was found, ``reason`` a short
    text, ``notify`` the RFC 2408 §3.14.1 notify type a receiver should answer with.
    """

    def __init__(self, offset: int, reason: str,
                 notify: int = NotifyType.PAYLOAD_MALFORMED) -> None:
        self.offset = offset
        self.reason = reason
        self.notify = int(notify)
        super().__init__(f"offset {offset}: {reason} ({_notify_name(self.notify)})")


def _notify_name(value: int) -> str:
    try:
        return NotifyType(value).name
    except ValueError:
        return f"notify {value}"
