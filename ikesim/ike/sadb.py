"""The ISAKMP SA database: records by serial, indexed by (peer, initiator cookie) and by peer,
with the half-open counts admission control needs. Every per-message lookup is a dictionary
access whose cost does not grow with the number of SAs (a peer's own SAs are few and capped).

Memory: a hub keeps one entry per peer in each index, so a peer's SAs are a small list (64
octets for one SA) rather than a dictionary (232); lists are in creation (serial) order.
"""

from __future__ import annotations

from collections.abc import Iterator
from operator import attrgetter

from ikesim.ike.sa import QM_IDLE, ZERO_COOKIE, IsakmpSa
from ikesim.isakmp import Header

_SERIAL = attrgetter("serial")


def _append(index: dict, key: object, sa: IsakmpSa) -> None:
    mine = index.get(key)
    if mine is None:
        index[key] = [sa]
    else:
        mine.append(sa)


def _drop(index: dict, key: object, sa: IsakmpSa) -> bool:
    """Remove ``sa`` from ``index[key]`` (and the key once empty); False if it was absent."""
    mine = index.get(key)
    if mine is None or sa not in mine:
        return False
    if len(mine) == 1:
        del index[key]
    else:
        mine.remove(sa)
    return True


class SaDatabase:
    def __init__(self) -> None:
        self._by_serial: dict[int, IsakmpSa] = {}              # creation order
        self._by_cookie: dict[tuple[int, bytes], list[IsakmpSa]] = {}
        self._live: dict[int, list[IsakmpSa]] = {}              # peer -> not deleted
        self._established: dict[int, list[IsakmpSa]] = {}       # peer -> live and QM_IDLE
        self.half_open_total = 0                                 # live and not yet QM_IDLE
        self.last_serial = 0

    # ---------------------------------------------------------------- records
    def next_serial(self) -> int:
        self.last_serial += 1
        return self.last_serial

    def add(self, sa: IsakmpSa) -> None:
        self._by_serial[sa.serial] = sa
        _append(self._by_cookie, (sa.peer, sa.icookie), sa)
        _append(self._live, sa.peer, sa)
        if sa.state == QM_IDLE:
            _append(self._established, sa.peer, sa)
        else:
            self.half_open_total += 1

    def get(self, serial: int) -> IsakmpSa | None:
        return self._by_serial.get(serial)

    def __iter__(self) -> Iterator[IsakmpSa]:
        """Every record (deleted ones awaiting purge included), oldest first."""
        return iter(self._by_serial.values())

    def __len__(self) -> int:
        return len(self._by_serial)

    def newest_first(self) -> Iterator[IsakmpSa]:
        return reversed(self._by_serial.values())

    # ---------------------------------------------------------------- lifecycle
    def mark_established(self, sa: IsakmpSa) -> None:
        """``sa`` just reached QM_IDLE."""
        if not sa.deleted and sa not in self._established.get(sa.peer, ()):
            _append(self._established, sa.peer, sa)
            self.half_open_total -= 1

    def mark_deleted(self, sa: IsakmpSa) -> None:
        """``sa`` was just deleted (it stays listed until purged)."""
        if not _drop(self._live, sa.peer, sa):
            return
        if not _drop(self._established, sa.peer, sa):
            self.half_open_total -= 1

    def remove(self, sa: IsakmpSa) -> None:
        """Purge ``sa`` for good."""
        self.mark_deleted(sa)
        self._by_serial.pop(sa.serial, None)
        _drop(self._by_cookie, (sa.peer, sa.icookie), sa)

    # ---------------------------------------------------------------- lookups
    def find(self, header: Header, src: int) -> IsakmpSa | None:
        """The SA a datagram from ``src`` belongs to, newest first (RFC 2408 §2.5.3: the
        cookie pair names the SA; the responder cookie is zero until MM2)."""
        for sa in reversed(self._by_cookie.get((src, header.icookie), ())):
            if sa.rcookie == header.rcookie:
                return sa
            if sa.role == "I" and sa.rcookie == ZERO_COOKIE:
                return sa                  # the responder's first answer (MM2 or a notify)
            if sa.role == "R" and header.rcookie == ZERO_COOKIE:
                return sa                  # the initiator's MM1 again
        return None

    def has_live(self, peer: int) -> bool:
        return peer in self._live

    def established(self, peer: int) -> IsakmpSa | None:
        """The newest live QM_IDLE SA with ``peer``."""
        mine = self._established.get(peer)
        return max(mine, key=_SERIAL) if mine else None

    def half_open(self, peer: int) -> int:
        return len(self._live.get(peer, ())) - len(self._established.get(peer, ()))

    def phase1_status(self, peer: int) -> str:
        if peer in self._established:
            return "established"
        return "negotiating" if peer in self._live else "none"
