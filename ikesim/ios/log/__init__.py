"""IOS ``debug crypto isakmp`` / ``debug crypto ipsec`` text for IKE engine events.

The engine emits :class:`~ikesim.ike.events.IkeEvent` data; this package turns one event into
the lines a router prints for it, in the router's dialect. Every dialect difference is a field
of :class:`~ikesim.ios.log.dialects.Dialect` (``dialects.py``); handlers are written once:

* ``phase1.py`` — main mode, informational exchanges, SA bookkeeping;
* ``phase2.py`` — quick mode and ``debug crypto ipsec``;
* ``natdpd.py`` — NAT traversal (NAT-D, port floating) and dead peer detection;
* ``aggressive.py`` — aggressive mode, identity-keyed pre-shared keys and certificates;
* ``render.py`` — total field access and the dialect's prefixes;
* ``texts.py`` — IOS message texts with their sources.

Each output line is ``(stamped, text)``: stamped lines get the timestamp prefix from the caller,
unstamped ones are raw continuation/blank lines IOS emits through embedded newlines.

Formatters are total: they never raise on an event the engine can emit, whatever its field
values (missing fields, wrong types, unknown attribute classes, events without a peer).
"""

from __future__ import annotations

from ikesim.ike.events import IkeEvent
from ikesim.ios.log.aggressive import HANDLERS as _AGGRESSIVE
from ikesim.ios.log.dialects import DIALECT_TABLE, DIALECTS, Dialect, dialect
from ikesim.ios.log.natdpd import HANDLERS as _NATDPD
from ikesim.ios.log.phase1 import HANDLERS as _PHASE1
from ikesim.ios.log.phase1 import attribute_text
from ikesim.ios.log.phase2 import HANDLERS as _PHASE2
from ikesim.ios.log.phase2 import ipsec_lines
from ikesim.ios.log.render import Ctx, Line, dotted, dotted_or_zero

# Kinds only the Linux daemons' profiles emit (``payload_events``, ikesim.linux.log formats
# them): a router prints nothing for them.
_LINUX_ONLY = {kind: (lambda x: []) for kind in (
    "parsed", "half_open_timeout", "ipsec_install_failed", "id_mismatch", "qm_request",
    "spi_allocated")}
_HANDLERS = {**_PHASE1, **_PHASE2, **_NATDPD, **_AGGRESSIVE, **_LINUX_ONLY}
EVENT_KINDS: frozenset[str] = frozenset(_HANDLERS)

__all__ = ["DIALECTS", "DIALECT_TABLE", "Dialect", "EVENT_KINDS", "Line", "attribute_line",
           "dialect", "dotted", "dotted_or_zero", "format_event", "format_event_strict",
           "format_ipsec_event"]


def attribute_line(name: str, value: object, dialect_name: str = "12.2") -> str:
    """One SA attribute line printed under "Checking ISAKMP transform …" (conn-id 0)."""
    d = dialect(dialect_name)
    return d.prefix(d.attr, 0) + attribute_text(name, value)


def format_event_strict(dialect_name: str, event: IkeEvent, *,
                        local: str | None = None) -> list[Line]:
    """:func:`format_event` without its safety net (the property tests call this one)."""
    return _format(dialect(dialect_name), event, local)


def _format(d: Dialect, event: IkeEvent, local: str | None) -> list[Line]:
    handler = _HANDLERS.get(getattr(event, "kind", None))     # type: ignore[arg-type]
    if handler is None:
        return []       # a kind IOS has no line for (or one added after this formatter)
    return handler(Ctx(d, event, local))


def format_event(dialect_name: str, event: IkeEvent, *, local: str | None = None) -> list[Line]:
    """Lines IOS prints for ``event`` in ``dialect_name`` as ``(stamped, text)``.

    ``local`` is the device's own address where a line needs it and the event lacks it.
    Kinds with no IOS counterpart in the dialect give ``[]``. Only an unknown dialect (a
    programming error, checked when the device is built) raises ``ValueError``.
    """
    d = DIALECT_TABLE.get(dialect_name) or dialect(dialect_name)   # the latter raises
    try:
        handler = _HANDLERS.get(event.kind)
        return [] if handler is None else handler(Ctx(d, event, local))
    except Exception:
        # The handlers are total (tests/test_ios_log_total.py proves it over the catalogue);
        # this net only keeps a future handler bug from aborting a running lab.
        return []


def format_ipsec_event(dialect_name: str, event: IkeEvent) -> list[Line]:
    """`debug crypto ipsec` lines for an engine event (``[]`` for most kinds)."""
    d = dialect(dialect_name)
    try:
        return ipsec_lines(Ctx(d, event, None))
    except Exception:
        return []
