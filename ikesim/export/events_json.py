"""Simulation events as JSON records: the one place where addresses become dotted quads.

Emitters keep whatever is natural to them (the IKE engine reports proxy networks, masks and
SA endpoints as 32-bit integers, the network model already writes dotted strings); every JSON
record and every ``where:`` comparison goes through :func:`event_record` / :func:`comparable`,
so a user always sees and writes ``10.10.10.2``.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from ikesim.net.events import SimEvent

# Event fields that hold IPv4 addresses or masks (the catalogue in ikesim/ike/events.py, drop and
# ESP events of ikesim.net / ikesim.ios). A new address field is added here, not in its emitter.
ADDRESS_FIELDS = frozenset((
    "src", "dst", "peer", "local", "remote", "address", "next_hop", "gateway",
    "local_net", "local_mask", "remote_net", "remote_mask",
    "local_address", "remote_address", "inside", "outside", "router_id", "neighbor",
))


def _dotted(value: int) -> str:
    return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))


def json_value(key: str, value: Any) -> Any:
    """``value`` as it appears in JSON: integers in address fields as dotted quads."""
    if key in ADDRESS_FIELDS and isinstance(value, int) and not isinstance(value, bool) \
            and 0 <= value <= 0xFFFFFFFF:
        return _dotted(value)
    return value


def event_record(event: SimEvent) -> dict[str, Any]:
    """The JSON record of one event (``ikesim run --json``), addresses dotted."""
    return {key: json_value(key, value) for key, value in event.as_json().items()}


def comparable(key: str, value: Any) -> str:
    """A field value as text for matching (``where:``): addresses dotted whether the event or
    the expectation gives them as an integer or a dotted quad; booleans lower case."""
    if isinstance(value, str) and key in ADDRESS_FIELDS and value.isdigit():
        value = int(value)
    value = json_value(key, value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)
