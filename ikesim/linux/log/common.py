"""What the charon and pluto formatters share: the daemon's view (its configuration, as data),
the per-daemon log state (SA names and numbers, counters, lines held for reordering) and total
field accessors (a missing or odd field prints as a neutral value, never raises)."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from ikesim.ike.events import IkeEvent
from ikesim.ike.profiles import Profile
from ikesim.linux.config.model import Child, Connection

_MAX_TEXT = 200


@dataclass(slots=True)
class View:
    """The daemon's configuration as its log needs it."""

    hostname: str
    connections: list[Connection] = field(default_factory=list)
    profile: Profile | None = None                 # the daemon's timers (retransmit waits)
    psk_lengths: dict[str, int] = field(default_factory=dict)   # conn name -> PSK octets

    def conn_for(self, peer: Any) -> Connection | None:
        try:
            address = ipaddress.IPv4Address(peer)
        except (ValueError, TypeError):
            return None
        for conn in self.connections:
            if any(address in net for net in conn.remote_addrs):
                return conn
        return None

    def child_for(self, peer: Any, local: Any, remote: Any) -> Child | None:
        conn = self.conn_for(peer)
        if conn is None:
            return None
        for child in conn.children:
            for lt in child.local_ts:
                for rt in child.remote_ts:
                    if _within(local, lt) and _within(remote, rt):
                        return child
        return conn.children[0] if conn.children else None


def _within(net: Any, configured: ipaddress.IPv4Network) -> bool:
    return isinstance(net, ipaddress.IPv4Network) and net.subnet_of(configured)


@dataclass(slots=True)
class LogState:
    """Per daemon: what its log remembers between events."""

    names: dict[int, str] = field(default_factory=dict)       # IKE SA serial -> conn name
    peers: dict[int, Any] = field(default_factory=dict)       # IKE SA serial -> peer
    seq: dict[int, int] = field(default_factory=dict)          # requests sent per SA
    retransmits: dict[int, int] = field(default_factory=dict)  # resends of the last one
    created: dict[int, float] = field(default_factory=dict)    # SA serial -> creation time
    received: dict[int, list[str]] = field(default_factory=dict)  # proposals seen per SA
    pending: list[str] = field(default_factory=list)           # lines awaiting the SA
    held: list[str] = field(default_factory=list)              # lines awaiting phase 1
    peer_config: dict[int, list[str]] = field(default_factory=dict)  # MM5 lookup, if it works
    roles: dict[int, str] = field(default_factory=dict)
    states: dict[int, str] = field(default_factory=dict)       # pluto STATE_* per #serial
    serial: int = 0                                            # pluto #N counter
    sa_serial: dict[int, int] = field(default_factory=dict)    # IKE SA serial -> pluto #N
    qm_serial: dict[tuple[int, int], int] = field(default_factory=dict)
    qm_created: dict[tuple[int, int], float] = field(default_factory=dict)
    qm_last: dict[int, int] = field(default_factory=dict)      # IKE SA serial -> newest QM #N
    qm_proxy: dict[tuple[int, int], tuple[Any, Any]] = field(default_factory=dict)
    spis: dict[tuple[int, int], int] = field(default_factory=dict)
    child_ids: int = 0
    deleting: set[int] = field(default_factory=set)           # SAs whose DELETE we sent
    larval: dict[int, list[int]] = field(default_factory=dict)  # responder SPIs not installed
    replacing: dict[int, int] = field(default_factory=dict)   # peer -> ISAKMP SA replaced
    lifetimes: dict[int, tuple[int, int]] = field(default_factory=dict)  # QM offer: s, bytes
    reqids: dict[str, int] = field(default_factory=dict)
    thread: int = 0
    lines: int = 0


class Ctx:
    """One event being formatted, with the view and the state."""

    def __init__(self, view: View, state: LogState, event: IkeEvent, now: float) -> None:
        self.view, self.state, self.event, self.now = view, state, event, now
        fields = getattr(event, "fields", None)
        self.fields: dict[str, Any] = fields if isinstance(fields, dict) else {}
        serial = getattr(event, "sa_serial", 0)
        self.serial: int = serial if isinstance(serial, int) else 0
        peer = self.fields.get("peer")
        if self.serial and isinstance(peer, int) and not isinstance(peer, bool):
            state.peers.setdefault(self.serial, peer)

    def get(self, key: str, default: Any = None) -> Any:
        if key == "peer" and "peer" not in self.fields:
            return self.state.peers.get(self.serial, default)
        return self.fields.get(key, default)

    def text(self, key: str, default: str = "") -> str:
        value = self.fields.get(key, default)
        try:
            return str(value)[:_MAX_TEXT]
        except Exception:
            return default

    def num(self, key: str, default: int = 0) -> int:
        value = self.fields.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            return default
        return value & 0xFFFFFFFF if value >= 0 else default

    def ip(self, key: str) -> str:
        value = self.get(key)
        try:
            return str(ipaddress.IPv4Address(value))
        except (ValueError, TypeError):
            return str(value)[:64] if isinstance(value, str) else "0.0.0.0"

    def net(self, prefix: str) -> ipaddress.IPv4Network | None:
        """``local``/``remote`` proxy fields as a network."""
        try:
            addr = self.fields[f"{prefix}_net"]
            mask = self.fields[f"{prefix}_mask"]
            return ipaddress.IPv4Network((addr, bin(mask).count("1")), strict=False)
        except (KeyError, ValueError, TypeError):
            return None

    def flag(self, key: str) -> bool:
        return self.fields.get(key) is True


def seconds_text(value: float) -> str:
    """libreswan's deltatime: up to six decimals, trailing zeros dropped ("64.03736")."""
    text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text or "0"
