"""The one exception type raised by ``ikesim.crypto``."""

from __future__ import annotations


class CryptoError(Exception):
    """A cryptographic input is unusable: bad peer public value, wrong key/IV/data length,
    unknown group, hash or cipher name. The IKE engine maps it to a notification
    (e.g. INVALID_KEY_INFORMATION, PAYLOAD_MALFORMED)."""
