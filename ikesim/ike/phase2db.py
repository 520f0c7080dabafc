"""Phase-2 state: quick modes in progress and finished, requests waiting for phase 1, and the
IPsec SA pairs, indexed by inbound SPI, by (peer, proxy) and by peer. Per-packet lookups
(``outbound``, ``inbound``) cost a dictionary access plus a walk over one peer's pairs.
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
        # finished quick modes per ISAKMP SA: message ID -> our final message (QM3, resent if
        # the peer repeats QM2 because QM3 was lost; None for a responder)
        self._closed: dict[int, dict[int, ClosedFlight]] = {}
        self.pending: dict[int, dict[tuple[Phase2Policy, Proxy], None]] = {}
        self._by_spi: dict[int, IpsecSaPair] = {}               # live pairs, creation order
        self._by_flow: dict[tuple[int, Proxy], dict[int, IpsecSaPair]] = {}
        self._by_peer: dict[int, dict[int, IpsecSaPair]] = {}

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
        if x.role == "I":
            key = (x.isakmp.peer, x.proxy)
            self._initiating[key] = self._initiating.get(key, 0) + 1

    def forget(self, x: QmExchange) -> None:
        serial = x.isakmp.serial
        if self._exchanges.pop((serial, x.message_id), None) is None:
            return
        mine = self._by_sa.get(serial, {})
        mine.pop(x.message_id, None)
        if not mine:
            self._by_sa.pop(serial, None)
        if x.role == "I":
            key = (x.isakmp.peer, x.proxy)
            self._initiating[key] -= 1
            if not self._initiating[key]:
                del self._initiating[key]

    def close(self, x: QmExchange, final: bytes | None) -> None:
        self.forget(x)
        self._closed.setdefault(x.isakmp.serial, {})[x.message_id] = ClosedFlight(final)

    def of_sa(self, serial: int) -> list[QmExchange]:
        return list(self._by_sa.get(serial, {}).values())

    def initiating(self, peer: int, proxy: Proxy) -> bool:
        return (peer, proxy) in self._initiating

    def purge_sa(self, serial: int) -> None:
        """The ISAKMP SA is gone: nothing of its quick modes can arrive any more."""
        self._closed.pop(serial, None)

    # ---------------------------------------------------------------- IPsec SA pairs
    def add_pair(self, pair: IpsecSaPair) -> None:
        spi = pair.inbound.spi
        self._by_spi[spi] = pair
        self._by_flow.setdefault((pair.peer, pair.proxy), {})[spi] = pair
        self._by_peer.setdefault(pair.peer, {})[spi] = pair

    def remove_pair(self, pair: IpsecSaPair) -> None:
        spi = pair.inbound.spi
        if self._by_spi.get(spi) is not pair:
            return
        del self._by_spi[spi]
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

    def outbound(self, peer: int, src: int, dst: int) -> IpsecSaPair | None:
        """The newest live pair to ``peer`` whose proxies cover a packet src → dst."""
        for pair in reversed(self._by_peer.get(peer, {}).values()):
            if pair.proxy.permits(src, dst):
                return pair
        return None
