"""IPv4 address helpers on 32-bit integers (the forwarding path never builds ipaddress objects)."""

from __future__ import annotations

import ipaddress

ALL_ONES = 0xFFFFFFFF
# MASKS[n] is the netmask of a /n prefix as an integer.
MASKS: tuple[int, ...] = tuple((ALL_ONES << (32 - n)) & ALL_ONES for n in range(33))


def ip_to_int(text: str | ipaddress.IPv4Address) -> int:
    """Dotted quad (or an IPv4Address) to an integer; ValueError on anything else."""
    if isinstance(text, ipaddress.IPv4Address):
        return int(text)
    parts = text.split(".")
    if len(parts) != 4:
        raise ValueError(f"not an IPv4 address: {text!r}")
    value = 0
    for part in parts:
        if not part.isdigit() or len(part) > 3 or int(part) > 255:
            raise ValueError(f"not an IPv4 address: {text!r}")
        value = (value << 8) | int(part)
    return value


def int_to_ip(value: int) -> str:
    return f"{value >> 24 & 255}.{value >> 16 & 255}.{value >> 8 & 255}.{value & 255}"


def mask_to_len(mask: int | str) -> int:
    """Prefix length of a contiguous netmask; ValueError for a non-contiguous one."""
    if isinstance(mask, str):
        mask = ip_to_int(mask)
    length = bin(mask).count("1")
    if MASKS[length] != mask:
        raise ValueError(f"non-contiguous netmask: {int_to_ip(mask)}")
    return length


def classful_length(addr: int) -> int:
    """Length of the classful (RFC 791) major network holding ``addr``: A /8, B /16, C /24.

    Class D/E addresses have no major network; 32 is returned so they print on their own.
    """
    first = addr >> 24
    if first < 128:
        return 8
    if first < 192:
        return 16
    if first < 224:
        return 24
    return 32


