"""An OSPF neighbour: the state machine of RFC 2328 §10.3 and the database exchange of §10.6–
§10.10 (master/slave negotiation, database description, link state requests), with
retransmission every RxmtInterval (5 s, Appendix C.3) while something is unacknowledged."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ikesim.net.addr import int_to_ip
from ikesim.net.ospf.lsdb import compare
from ikesim.net.ospf.packets import (
    DBD_I,
    DBD_M,
    DBD_MS,
    OPTION_E,
    DbDescription,
    Lsa,
    LsaHeader,
    LsRequest,
    LsUpdate,
)
from ikesim.net.timers import Timer

if TYPE_CHECKING:
    from ikesim.net.ospf.interface import OspfInterface

DOWN, INIT, TWO_WAY, EXSTART, EXCHANGE, LOADING, FULL = range(7)
STATE_NAMES = ("DOWN", "INIT", "2WAY", "EXSTART", "EXCHANGE", "LOADING", "FULL")
RXMT_INTERVAL = 5.0
HEADERS_PER_DBD = 72  # (1500 - 20 IP - 24 OSPF - 8 DBD) / 20, one MTU's worth
REQUESTS_PER_LSR = 100


class Neighbor:
    def __init__(self, interface: OspfInterface, router_id: int, address: int) -> None:
        self.interface = interface
        self.process = interface.process
        self.router_id = router_id
        self.address = address
        self.priority = 1
        self.dr = self.bdr = 0  # what its hellos declare
        self.state = DOWN
        env = self.process.device.env
        self.inactivity = Timer(env, self._dead)
        self.rxmt = Timer(env, self._retransmit)
        self.master = False
        self.dd_seq = 0
        self.summary: list[LsaHeader] = []
        self.requests: dict[tuple[int, int, int], LsaHeader] = {}
        self.retransmit: dict[tuple[int, int, int], Lsa] = {}
        self.last_sent: DbDescription | None = None
        self.last_received: tuple[int, int] | None = None

    @property
    def state_name(self) -> str:
        return STATE_NAMES[self.state]

    def set_state(self, state: int, reason: str) -> None:
        old = self.state
        if old == state:
            return
        self.state = state
        self.process.neighbor_state_changed(self, old, state, reason)

    # -- hello protocol ------------------------------------------------------------------
    def hello_received(self) -> None:
        if self.state == DOWN:
            self.set_state(INIT, "Received Hello")
        self.inactivity.start(self.interface.dead_interval)

    def two_way_received(self) -> None:
        if self.state == INIT:
            self.set_state(TWO_WAY, "2-Way Received")
            if self.interface.should_be_adjacent(self):
                self.start_exchange()

    def one_way_received(self) -> None:
        if self.state >= TWO_WAY:
            self._reset()
            self.set_state(INIT, "1-Way Received")

    def adjacency_ok(self) -> None:
        """§10.4 after a DR election: form or tear down the adjacency."""
        should = self.interface.should_be_adjacent(self)
        if self.state == TWO_WAY and should:
            self.start_exchange()
        elif self.state >= EXSTART and not should:
            self._reset()
            self.set_state(TWO_WAY, "Adjacency not needed")

    def kill(self, reason: str) -> None:
        self.inactivity.cancel()
        self._reset()
        self.set_state(DOWN, reason)

    def _dead(self) -> None:
        self.kill("Dead timer expired")
        self.interface.neighbor_gone(self)

    def _reset(self) -> None:
        self.rxmt.cancel()
        self.summary, self.requests, self.retransmit = [], {}, {}
        self.last_sent = self.last_received = None

    # -- database exchange ---------------------------------------------------------------
    def start_exchange(self) -> None:
        self._reset()
        self.set_state(EXSTART, "Adjacency needed")
        self.dd_seq = self.process.next_dd_sequence()
        self.master = True
        self._send_dbd(DBD_I | DBD_M | DBD_MS, ())

    def _send_dbd(self, flags: int, headers: tuple[LsaHeader, ...]) -> None:
        body = DbDescription(self.interface.mtu, OPTION_E, flags, self.dd_seq, headers)
        self.last_sent = body
        self.process.send(self.interface, body, self.interface.unicast_to(self))
        if self.master or self.state == EXSTART:
            self.rxmt.start(RXMT_INTERVAL)

    def _next_chunk(self) -> tuple[int, tuple[LsaHeader, ...]]:
        chunk, self.summary = self.summary[:HEADERS_PER_DBD], self.summary[HEADERS_PER_DBD:]
        return (DBD_M if self.summary else 0), tuple(chunk)

    def receive_dbd(self, dbd: DbDescription) -> None:
        if self.state < EXSTART:
            if self.state == TWO_WAY or self.state == INIT:
                return
        if dbd.mtu > self.interface.mtu:
            self.process.mismatch(self.interface, self, "mtu", dbd.mtu)  # §10.6: rejected
            return
        key = (dbd.flags, dbd.sequence)
        if self.state == EXSTART:
            mine = self.process.router_id or 0
            if dbd.flags & (DBD_I | DBD_M | DBD_MS) == DBD_I | DBD_M | DBD_MS and \
                    not dbd.headers and self.router_id > mine:
                self.master, self.dd_seq = False, dbd.sequence
                self._negotiated()
                self.last_received = key
                more, chunk = self._next_chunk()
                self._send_dbd(more, chunk)
                self._slave_maybe_done(dbd)
            elif not dbd.flags & (DBD_I | DBD_MS) and dbd.sequence == self.dd_seq and \
                    self.router_id < mine:
                self.master = True
                self._negotiated()
                self.last_received = key
                self._take_headers(dbd)
                self._master_next(dbd)
            return
        if key == self.last_received:  # a duplicate: the slave answers it again
            if not self.master and self.last_sent is not None:
                self.process.send(self.interface, self.last_sent, self.interface.unicast_to(self))
            return
        if self.state != EXCHANGE or dbd.flags & DBD_I or bool(dbd.flags & DBD_MS) == self.master:
            self._sequence_mismatch()
            return
        if self.master:
            if dbd.sequence != self.dd_seq:
                self._sequence_mismatch()
                return
            self.last_received = key
            self._take_headers(dbd)
            self._master_next(dbd)
        else:
            if dbd.sequence != self.dd_seq + 1:
                self._sequence_mismatch()
                return
            self.dd_seq = dbd.sequence
            self.last_received = key
            self._take_headers(dbd)
            more, chunk = self._next_chunk()
            self._send_dbd(more, chunk)
            self._slave_maybe_done(dbd)

    def _negotiated(self) -> None:
        self.set_state(EXCHANGE, "Negotiation Done")
        self.summary = self.process.database_headers(self.interface.area)

    def _master_next(self, dbd: DbDescription) -> None:
        assert self.last_sent is not None
        if not self.last_sent.flags & DBD_M and not dbd.flags & DBD_M and not self.summary:
            self.rxmt.cancel()
            self._exchange_done()
            return
        self.dd_seq += 1
        more, chunk = self._next_chunk()
        self._send_dbd(DBD_MS | more, chunk)

    def _slave_maybe_done(self, dbd: DbDescription) -> None:
        assert self.last_sent is not None
        if not dbd.flags & DBD_M and not self.last_sent.flags & DBD_M:
            self._exchange_done()

    def _take_headers(self, dbd: DbDescription) -> None:
        for header in dbd.headers:
            if self.process.is_newer(self.interface.area, header):
                self.requests[header.key] = header

    def _exchange_done(self) -> None:
        if self.requests:
            self.set_state(LOADING, "Exchange Done")
            self._send_requests()
        else:
            self.set_state(FULL, "Exchange Done")

    def _send_requests(self) -> None:
        keys = tuple(list(self.requests)[:REQUESTS_PER_LSR])
        self.process.send(self.interface, LsRequest(keys), self.interface.unicast_to(self))
        self.rxmt.start(RXMT_INTERVAL)

    def _sequence_mismatch(self) -> None:
        """§10.3 SeqNumberMismatch: start the exchange again."""
        self.start_exchange()

    def request_satisfied(self, key: tuple[int, int, int], header: LsaHeader) -> None:
        wanted = self.requests.get(key)
        if wanted is not None and compare(header, wanted) >= 0:
            del self.requests[key]
            if self.state == LOADING:
                if self.requests:
                    self._send_requests()
                else:
                    self.rxmt.cancel()
                    self.set_state(FULL, "Loading Done")

    def receive_request(self, request: LsRequest) -> None:
        if self.state < EXCHANGE:
            return
        lsas = []
        for key in request.requests:
            lsa = self.process.lookup(self.interface.area, tuple(key))
            if lsa is None:
                self._sequence_mismatch()  # §10.3 BadLSReq
                return
            lsas.append(lsa)
        if lsas:
            self.process.send(self.interface, LsUpdate(tuple(lsas)),
                              self.interface.unicast_to(self))

    def receive_ack(self, headers: tuple[LsaHeader, ...]) -> None:
        for header in headers:
            sent = self.retransmit.get(header.key)
            if sent is not None and compare(header, sent.header) == 0:
                del self.retransmit[header.key]

    def queue_flood(self, lsa: Lsa) -> None:
        self.retransmit[lsa.key] = lsa
        if not self.rxmt.active:
            self.rxmt.start(RXMT_INTERVAL)

    def _retransmit(self) -> None:
        if self.state == EXSTART or (self.state == EXCHANGE and self.master):
            if self.last_sent is not None:
                self._send_dbd(self.last_sent.flags, self.last_sent.headers)
            return
        if self.state == LOADING and self.requests:
            self._send_requests()
        if self.retransmit and self.state >= EXCHANGE:
            lsas = tuple(self.process.refreshed(lsa, self.interface.area)
                         for lsa in self.retransmit.values())
            self.process.send(self.interface, LsUpdate(lsas), self.interface.unicast_to(self))
            self.rxmt.start(RXMT_INTERVAL)

    def __repr__(self) -> str:
        return f"Neighbor({int_to_ip(self.router_id)} {self.state_name})"
