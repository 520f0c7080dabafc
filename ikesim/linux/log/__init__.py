"""The Linux daemons' logs over the engine's structured events.

    format_event("strongswan" | "libreswan", view, state, event, now) -> list[str]

charon lines come as ``NN[GRP] <conn|id> text`` (``charon.py`` main mode, ``charon_child.py``
quick mode and the kernel), pluto lines as ``"conn" #N: text`` (``pluto.py``); the device adds
the timestamps of its log file. Formatters are total: whatever an event holds they return
lines or nothing, never raise (tests/test_linux_log.py drives them with hostile events); they
run only when a console follows the log.
"""

from __future__ import annotations

from ikesim.ike.events import IkeEvent
from ikesim.linux.log import charon, pluto
from ikesim.linux.log.common import Ctx, LogState, View

__all__ = ["LogState", "View", "format_event", "format_event_strict"]

_HANDLERS = {"strongswan": charon.HANDLERS, "libreswan": pluto.HANDLERS}


def format_event_strict(daemon: str, view: View, state: LogState, event: IkeEvent,
                        now: float) -> list[str]:
    """:func:`format_event` without its safety net (the property tests call this one)."""
    handler = _HANDLERS.get(daemon, {}).get(getattr(event, "kind", ""))
    if handler is None:
        return []
    return handler(Ctx(view, state, event, now))


def format_event(daemon: str, view: View, state: LogState, event: IkeEvent,
                 now: float) -> list[str]:
    try:
        return format_event_strict(daemon, view, state, event, now)
    except Exception:
        # the handlers are total (tests/test_linux_log.py); this net only keeps a future
        # handler bug from stopping a running lab
        return []
