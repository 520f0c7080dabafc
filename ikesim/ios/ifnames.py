"""IOS interface names: canonical (``FastEthernet0/0``) and short (``Fa0/0``) forms.

IOS accepts any unambiguous prefix of an interface type, with or without a space before the
number (``fa0/0``, ``f0/0``, ``FastEthernet 0/0``). Where a prefix fits several types IOS resolves
it by a fixed preference (``e`` is Ethernet, ``t`` is Tunnel); ``_TYPES`` is in that order.
"""

from __future__ import annotations

import re

# (canonical type, short form used by `show ip interface brief`/`show ip route` etc.)
_TYPES: tuple[tuple[str, str], ...] = (
    ("Ethernet", "Et"),
    ("FastEthernet", "Fa"),
    ("GigabitEthernet", "Gi"),
    ("Serial", "Se"),
    ("Loopback", "Lo"),
    ("Tunnel", "Tu"),
    ("TenGigabitEthernet", "Te"),
    ("Null", "Nu"),
    ("Vlan", "Vl"),
    ("Port-channel", "Po"),
    # Types found in real configurations; appended so that they never change how an existing
    # prefix resolves.
    ("Multilink", "Mu"),
    ("Dialer", "Di"),
    ("Virtual-Template", "Vt"),
    ("Virtual-Access", "Vi"),
    ("BVI", "BV"),
    ("ATM", "AT"),
    ("Cellular", "Ce"),
    ("Async", "As"),
    ("Embedded-Service-Engine", "Em"),
    ("NVI", "NV"),
    ("Virtual-PPP", "Vp"),
)
# Virtual interfaces are numbered with a single integer (no slot/port).
_FLAT = {"Loopback", "Tunnel", "Null", "Vlan", "Port-channel", "Multilink", "Dialer",
         "Virtual-Template", "Virtual-Access", "BVI", "NVI", "Virtual-PPP"}

# ASCII only: IOS does not read `Tunnel٣` as Tunnel3.
_NAME_RE = re.compile(r"^\s*([A-Za-z][A-Za-z-]*?)\s*(\d+(?:/\d+){0,2}(?:\.\d+)?)\s*$", re.ASCII)


def _resolve_type(prefix: str) -> str:
    low = prefix.lower()
    for canonical, _short in _TYPES:
        if canonical.lower().startswith(low):
            return canonical
    raise ValueError(f"unknown interface type {prefix!r}")


def canonical_interface_name(name: str) -> str:
    """``'fa0/0'``, ``'f0/0'``, ``'FastEthernet 0/0'`` -> ``'FastEthernet0/0'``.

    Raises ValueError for an unknown type or a malformed number.
    """
    m = _NAME_RE.match(name)
    if m is None:
        raise ValueError(f"invalid interface name {name!r}")
    kind = _resolve_type(m.group(1))
    number = m.group(2)
    if kind in _FLAT and ("/" in number or "." in number):
        raise ValueError(f"invalid {kind} number {number!r}")
    if kind == "Null" and number != "0":
        raise ValueError("only Null0 exists")
    # Normalise leading zeros per component ("fa00/01" is "FastEthernet0/1" on IOS).
    number = re.sub(r"[0-9]+", lambda d: str(int(d.group(0))), number)
    return kind + number


def short_interface_name(name: str) -> str:
    """``'FastEthernet0/0'`` -> ``'Fa0/0'`` (accepts any form canonical_interface_name does)."""
    canonical = canonical_interface_name(name)
    for kind, short in _TYPES:
        if canonical.startswith(kind) and canonical[len(kind)].isdigit():
            return short + canonical[len(kind):]
    raise AssertionError(canonical)  # unreachable: canonical names always start with a type


def interface_types() -> tuple[str, ...]:
    """The canonical interface type names ikesim knows."""
    return tuple(kind for kind, _ in _TYPES)


__all__ = ["canonical_interface_name", "interface_types", "short_interface_name"]
