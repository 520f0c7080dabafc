"""Phase-2 state: quick modes in progress and finished, requests waiting for phase 1, and the
IPsec SA pairs, indexed by inbound SPI, by (peer, proxy) and by peer. Per-packet lookups
(``outbound``, ``inbound``) cost a dictionary access plus a walk over one peer's pairs.

A pair past its soft lifetime is "due": it still carries traffic (inbound until its hard
expiry, outbound until a newer pair exists) but no longer counts as the flow's current SA, so
traffic or the rekey timer negotiates its successor (``current_for``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ikesim.ike.quick import Phase2Policy, QmExchange
from ikesim.ike.retransmit import ClosedFlight
from ikesim.ipsec.sa import IpsecSaPair, Proxy


class Phase2Database:
    def __init__(self) -> None:
        # quick modes in progress: (ISAKMP SA serial, message ID) -> exchange
        self._exchanges: dict[tuple[int, int], QmExchange] = {}
        self._by_sa: dict[int, dict[int, QmExchange]] = {}
        self._initiating: dict[tuple[int, Proxy], int] = {}     # (peer, proxy) -> how many
        self._negotiating: dict[tuple[int, Proxy], int] = {}    # the same, either role
        # finished quick modes per ISAKMP SA: message ID -> our final message (QM3, resent if
        # the peer repeats QM2 because QM3 was lost; None for a responder)
        self._closed: dict[int, dict[int, ClosedFlight]] = {}
        self.pending: dict[int, dict[tuple[Phase2Policy, Proxy], None]] = {}
        # requests already started again once after a refusal (quick_initiator.restart_refused);
        # a new request from traffic (sa_request) gives a request its restart back
        self.restarted: set[tuple[Phase2Policy, Proxy]] = set()
        self._by_spi: dict[int, IpsecSaPair] = {}               # live pairs, creation order
        self._by_flow: dict[tuple[int, Proxy], dict[int, IpsecSaPair]] = {}
        self._by_peer: dict[int, dict[int, IpsecSaPair]] = {}
        self._policy: dict[int, Phase2Policy] = {}              # inbound SPI -> its map entry
        self._due: set[int] = set()                             # inbound SPIs past soft life

    # ---------------------------------------------------------------- exchanges
    def exchange(self, serial: int, message_id: int) -> QmExchange | None:
        return self._exchanges.get((serial, message_id))

    def closed(self, serial: int, message_id: int) -> ClosedFlight | None:
        return self._closed.get(serial, {}).get(message_id)

    def message_id_used(self, serial: int, message_id: int) -> bool:
        return ((serial, message_id) in self._exchanges
                or message_id in self._closed.get(serial, {}))

    def start(self, x: QmExchange) -> None:
        serial = x.isakmp.serial
        self._exchanges[(serial, x.message_id)] = x
        self._by_sa.setdefault(serial, {})[x.message_id] = x
        key = (x.isakmp.peer, x.proxy)
        self._negotiating[key] = self._negotiating.get(key, 0) + 1
        if x.role == "I":
            self._initiating[key] = self._initiating.get(key, 0) + 1

    def forget(self, x: QmExchange) -> None:
        serial = x.isakmp.serial
        if self._exchanges.pop((serial, x.message_id), None) is None:
            return
        mine = self._by_sa.get(serial, {})
        mine.pop(x.message_id, None)
        if not mine:
            self._by_sa.pop(serial, None)
        key = (x.isakmp.peer, x.proxy)
        for counts in (self._negotiating, self._initiating) if x.role == "I" else \
                (self._negotiating,):
            counts[key] -= 1
            if not counts[key]:
                del counts[key]

    def close(self, x: QmExchange, final: bytes | None) -> None:
        self.forget(x)
        self._closed.setdefault(x.isakmp.serial, {})[x.message_id] = ClosedFlight(final)

    def of_sa(self, serial: int) -> list[QmExchange]:
        return list(self._by_sa.get(serial, {}).values())

    def initiating(self, peer: int, proxy: Proxy) -> bool:
        return (peer, proxy) in self._initiating

    def negotiating(self, peer: int, proxy: Proxy) -> bool:
        """A quick mode for ``proxy`` with ``peer`` is in progress, started by either side."""
        return (peer, proxy) in self._negotiating

    def purge_sa(self, serial: int) -> None:
        """The ISAKMP SA is gone: nothing of its quick modes can arrive any more."""
        self._closed.pop(serial, None)

    # ---------------------------------------------------------------- IPsec SA pairs
    def add_pair(self, pair: IpsecSaPair, policy: Phase2Policy | None = None) -> None:
        """A new pair (``policy``: the map entry it was negotiated for, to renegotiate it)."""
        spi = pair.inbound.spi
        self._by_spi[spi] = pair
        if policy is not None:
            self._policy[spi] = policy
        self._by_flow.setdefault((pair.peer, pair.proxy), {})[spi] = pair
        self._by_peer.setdefault(pair.peer, {})[spi] = pair

    def remove_pair(self, pair: IpsecSaPair) -> None:
        spi = pair.inbound.spi
        if self._by_spi.get(spi) is not pair:
            return
        del self._by_spi[spi]
        self._policy.pop(spi, None)
        self._due.discard(spi)
        for index, key in ((self._by_flow, (pair.peer, pair.proxy)),
                           (self._by_peer, pair.peer)):
            mine: dict[int, Any] = index[key]        # type: ignore[index]
            del mine[spi]
            if not mine:
                del index[key]                       # type: ignore[arg-type]

    def pairs(self) -> Iterator[IpsecSaPair]:
        """Live pairs, oldest first."""
        return iter(list(self._by_spi.values()))

    def spi_in_use(self, spi: int) -> bool:
        return spi in self._by_spi

    def by_inbound_spi(self, spi: int) -> IpsecSaPair | None:
        return self._by_spi.get(spi)

    def pair_for(self, peer: int, proxy: Proxy) -> IpsecSaPair | None:
        """The newest live pair negotiated with ``peer`` for exactly ``proxy``."""
        mine = self._by_flow.get((peer, proxy))
        return next(reversed(mine.values())) if mine else None

    def policy_of(self, pair: IpsecSaPair) -> Phase2Policy | None:
        return self._policy.get(pair.inbound.spi)

    def mark_due(self, pair: IpsecSaPair) -> bool:
        """``pair`` reached its soft lifetime; False when it already had."""
        spi = pair.inbound.spi
        if spi in self._due:
            return False
        self._due.add(spi)
        return True

    def current_for(self, peer: int, proxy: Proxy) -> IpsecSaPair | None:
        """The newest pair for ``peer`` and ``proxy`` unless it is past its soft lifetime."""
        pair = self.pair_for(peer, proxy)
        return None if pair is None or pair.inbound.spi in self._due else pair

    def wants(self, peer: int, policy: Phase2Policy, proxy: Proxy) -> bool:
        """Whether a request for ``proxy`` to ``peer`` needs anything done: no pair short of its
        soft lifetime (``current_for``), no quick mode of ours for it (``initiating``), not
        already waiting for phase 1 (``pending``). One frame: it runs for every interesting
        packet while phase 1 is down, so the waiting request is looked up first."""
        waiting = self.pending.get(peer)
        if waiting and (policy, proxy) in waiting:
            return False
        flow = (peer, proxy)
        mine = self._by_flow.get(flow)
        if mine and next(reversed(mine.values())).inbound.spi not in self._due:
            return False
        return flow not in self._initiating

    def outbound(self, peer: int, src: int, dst: int) -> IpsecSaPair | None:
        """The newest live pair to ``peer`` whose proxies cover a packet src → dst."""
        for pair in reversed(self._by_peer.get(peer, {}).values()):
            if pair.proxy.permits(src, dst):
                return pair
        return None
