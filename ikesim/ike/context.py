"""What an exchange may touch, and nothing more: configuration, the seeded RNG, the SA databases,
and the :class:`Output` of the engine call being served (datagrams, timers, events).

Exchange modules (main mode, quick mode, informational) receive a :class:`Context`; they never
import the engine. The engine creates one context, points ``out`` at a fresh Output on every
public call, and returns it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import Any

from ikesim.ike.events import IkeEvent
from ikesim.ike.messages import describe_payloads
from ikesim.ike.phase2db import Phase2Database
from ikesim.ike.policy import CryptoConfig, PresharedKey
from ikesim.ike.profiles import Profile
from ikesim.ike.quick import Phase2Policy
from ikesim.ike.sa import Datagram, IsakmpSa, Output
from ikesim.ike.sadb import SaDatabase
from ikesim.ipsec.udp_encap import NATT_PORT, frame_ike

_new_tuple = tuple.__new__     # IkeEvent(...) without its Python-level __new__

# guess: IOS's own ceilings on SAs in negotiation are not documented (only the configurable
# `crypto call admission limit ike in-negotiation-sa`, default off). These built-in bounds keep
# a flood of spoofed MM1s from growing the engine without end; a real peer has one or two
# negotiations in progress, a hub a few thousand.
HALF_OPEN_PER_PEER = 64
HALF_OPEN_TOTAL = 20_000
SA_RECORDS = 50_000            # live and deleted (awaiting purge) SAs together

# ``Context.out`` between engine calls: nothing may be emitted outside a call, so it stays
# empty (tested); each call points ``out`` at its own fresh Output.
IDLE = Output()


@dataclass(slots=True)
class Admission:
    """Call admission control for new ISAKMP SAs (IOS `show crypto call admission
    statistics` counts the same things)."""

    in_negotiation_limit: int | None = None      # `crypto call admission limit ike
                                                 #  in-negotiation-sa N` (None: off)
    per_peer: int = HALF_OPEN_PER_PEER
    total: int = HALF_OPEN_TOTAL
    records: int = SA_RECORDS
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)


class Context:
    def __init__(self, *, crypto: CryptoConfig, profile: Profile, rng: random.Random,
                 dh_backend: str = "auto") -> None:
        self.crypto = crypto
        self.profile = profile
        self.rng = rng
        self.dh_backend = dh_backend
        self.sadb = SaDatabase()
        self.phase2 = Phase2Database()
        self.admission = Admission(crypto.in_negotiation_limit)
        self.out = IDLE
        # the datagram being received (addresses and ports; data empty), None outside receive:
        # NAT traversal reads the ports a message came from (RFC 3947 §4 port floating)
        self.rx: Datagram | None = None
        self.taken: Counter[Any] = Counter()      # table rows dispatched (observability)
        self.phase2_policies: list[Phase2Policy] = []
        self._phase2_by_peer: dict[int, list[Phase2Policy]] = {}
        self.pki: Any = None          # ike.auth_rsa.RouterPki: credentials and clock (rsa-sig)
        self._phase2_dynamic: list[Phase2Policy] = []      # dynamic map entries: any peer
        self.next_1001 = 1001
        self.next_ipsec_conn = 2000
        # called with (now, sa) when an SA reaches QM_IDLE (quick mode starts waiting requests)
        self.on_established: list[Callable[[float, IsakmpSa], None]] = []
        # called with (now, sa) once an SA is deleted (quick-mode requests start again)
        self.on_deleted: list[Callable[[float, IsakmpSa], None]] = []
        self._serial_ids = profile.conn_id_scheme == "serial"
        # 12.4T and later print FSM lines and IOS bookkeeping (``detail``, ``internal``); on
        # 12.2 both give nothing, so hot callers test this flag and skip the call (and the
        # fields they would compute for it). ``sa.internal`` is kept only where it is printed.
        self.detailed = profile.fsm_events
        self._payload_events = profile.payload_events
        self._built: list[str] = []

    # ---------------------------------------------------------------- configuration
    def reconfigure(self, crypto: CryptoConfig) -> None:
        self.crypto = crypto
        self.admission.in_negotiation_limit = crypto.in_negotiation_limit

    def set_phase2_policies(self, policies: list[Phase2Policy]) -> None:
        self.phase2_policies = list(policies)
        self._phase2_by_peer = {}
        self._phase2_dynamic = [p for p in self.phase2_policies if p.dynamic]
        for p in self.phase2_policies:
            if not p.dynamic:
                self._phase2_by_peer.setdefault(p.peer, []).append(p)

    def phase2_policies_for(self, peer: int) -> list[Phase2Policy]:
        """The crypto map entries for ``peer``, in configuration order: its own entries, then
        the dynamic map entries any peer may use (IOS tries the static entries of a map
        before its dynamic ones, which it places last: Cisco IOS Security Configuration
        Guide, "Dynamic Crypto Maps")."""
        own = self._phase2_by_peer.get(peer, [])
        if not self._phase2_dynamic:
            return own
        return own + self._phase2_dynamic

    def psk_for(self, peer: int, local: int | None = None,
                profile: str | None = None) -> PresharedKey | None:
        """The pre-shared key for ``peer`` (``CryptoConfig.key_for``, Cisco TAC document
        117259): among the keyrings that apply to the IKE session's ``local`` address, those
        of the ISAKMP ``profile`` when it names keyrings, else every keyring and the global
        keys."""
        crypto = self.crypto
        return crypto.key_for(peer, local=local or None,     # ints: no IPv4Address per call
                              profile=crypto.isakmp_profiles.get(profile) if profile else None)

    def uses(self, method: str) -> bool:
        """Whether any ISAKMP policy uses authentication ``method``."""
        return any(p.authentication == method for p in self.crypto.policies.values())

    # ---------------------------------------------------------------- output
    def conn_id(self, sa: IsakmpSa | None) -> int:
        if sa is None:
            return 0
        return sa.serial if self._serial_ids else sa.conn_id_1001

    def emit(self, sa: IsakmpSa | None, kind: str, **fields: Any) -> None:
        # IkeEvent built as its tuple (what the named tuple's __new__ does, one frame less):
        # ~40 events per main mode; conn_id(sa) inlined
        if sa is None:
            self.out.events.append(_new_tuple(IkeEvent, (kind, 0, 0, fields)))
        else:
            conn_id = sa.serial if self._serial_ids else sa.conn_id_1001
            self.out.events.append(_new_tuple(IkeEvent, (kind, sa.serial, conn_id, fields)))

    def detail(self, sa: IsakmpSa | None, kind: str, **fields: Any) -> None:
        """IOS bookkeeping only the 12.4T-and-later dialects print (events.py: "IOS
        bookkeeping"); 12.2 profiles skip it, which keeps their event stream as it was."""
        if self.detailed:
            self.emit(sa, kind, **fields)

    def internal(self, sa: IsakmpSa, new: str, cause: str) -> None:
        """15.x "Old State = X  New State = Y" lines (the 12.2 dialect has none)."""
        old, sa.internal = sa.internal, new
        if self.detailed:    # emit() inlined: two or three per message
            conn_id = sa.serial if self._serial_ids else sa.conn_id_1001
            self.out.events.append(_new_tuple(IkeEvent, (
                "state_change", sa.serial, conn_id, {"old": old, "new": new, "input": cause})))

    def send(self, sa: IsakmpSa, data: bytes, exchange: int, message_id: int,
             retransmission: bool = False) -> None:
        # RFC 3948 §2.2: on port 4500 an ISAKMP message follows the non-ESP marker
        wire = frame_ike(data) if sa.local_port == NATT_PORT else data
        self.out.sends.append(Datagram(sa.local, sa.local_port, sa.peer, sa.peer_port, wire))
        if self._payload_events:
            self.emit(sa, "tx", peer=sa.peer, state=sa.state, role=sa.role, exchange=exchange,
                      message_id=message_id, sport=sa.local_port, dport=sa.peer_port,
                      retransmission=retransmission, size=len(data),
                      payloads=[] if retransmission else self._take_built())
            return
        self.emit(sa, "tx", peer=sa.peer, state=sa.state, role=sa.role, exchange=exchange,
                  message_id=message_id, sport=sa.local_port, dport=sa.peer_port,
                  retransmission=retransmission)

    def send_datagram(self, datagram: Datagram, sa: IsakmpSa | None = None,
                      exchange: int = 0, message_id: int = 0) -> None:
        if datagram.sport == NATT_PORT:
            datagram.data = frame_ike(datagram.data)
        self.out.sends.append(datagram)
        if self._payload_events:        # an unprotected notify (no SA, or one not yet keyed)
            self.emit(sa, "tx", peer=datagram.dst, state=sa.state if sa else "", role=sa.role
                      if sa else "R", exchange=exchange, message_id=message_id,
                      sport=datagram.sport, dport=datagram.dport, retransmission=False,
                      size=len(datagram.data), payloads=self._take_built())

    def built(self, payloads: list[Any]) -> None:
        """The payloads of the message about to be sent (``payload_events`` profiles only)."""
        if self._payload_events:
            self._built = describe_payloads(payloads)

    def _take_built(self) -> list[str]:
        built, self._built = self._built, []
        return built

    def send_raw(self, sa: IsakmpSa, data: bytes) -> None:
        """A datagram to the SA's peer as is (a NAT-keepalive, RFC 3948 §2.3: no marker)."""
        self.out.sends.append(Datagram(sa.local, sa.local_port, sa.peer, sa.peer_port, data))

    def arm(self, sa: IsakmpSa, kind: str, when: float) -> None:
        key = (kind, sa.serial)
        sa.deadlines[key] = when
        self.out.arm(key, when)

    def cancel(self, sa: IsakmpSa, kind: str) -> None:
        key = (kind, sa.serial)
        if sa.deadlines.pop(key, None) is not None:
            self.out.cancel(key)

    def arm_key(self, key: Hashable, when: float) -> None:
        """A timer not owned by an ISAKMP SA (IPsec SA lifetimes)."""
        self.out.arm(key, when)

    def cancel_key(self, key: Hashable) -> None:
        self.out.cancel(key)

    # ---------------------------------------------------------------- randomness
    def message_id(self) -> int:
        return int.from_bytes(self.rng.randbytes(4), "big") or 1

    def random(self, n: int) -> bytes:
        return self.rng.randbytes(n)


class Reject(Exception):
    """A check of a transition failed: the driver reports ``kind`` with ``fields`` (``peer`` is
    always added) and the message changes nothing more. ``kind`` None: already reported."""

    def __init__(self, kind: str | None, **fields: Any) -> None:
        super().__init__(kind)
        self.kind = kind
        self.fields = fields
