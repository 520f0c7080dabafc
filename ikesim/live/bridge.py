"""Live peers: a host of the lab stands for a real IKE daemon reached through real UDP sockets.

The real daemon (charon, pluto) runs on a loopback address A (the host's address in the lab)
and talks to simulated routers at loopback addresses B (``live: listen``). ikesim binds B:500
and B:4500; a datagram the daemon sends there enters the lab at the host, addressed from
A:port to B:port, and crosses the simulated network and its faults; a datagram the lab
delivers to the host on one of the daemon's ports leaves through the socket bound to its
source address, towards A. Addresses are never rewritten (no NAT between the two: the NAT-D
hashes of RFC 3947 match), and nothing is sent to an address outside 127.0.0.0/8.

The lab runs on simpy's ``RealtimeEnvironment``; the sockets are polled every ``POLL`` s of
simulated (= real) time, so a datagram enters the lab at most ``POLL`` late.
"""

from __future__ import annotations

import errno
import ipaddress
import selectors
import socket
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from ikesim.errors import InputError
from ikesim.net.addr import int_to_ip, ip_to_int
from ikesim.net.packet import Packet, Udp
from ikesim.scenario.live_section import IKE_PORT, LOOPBACK, NATT_PORT, LiveSpec

POLL = 0.002            # s between polls of the live sockets
MAX_DATAGRAM = 65535


@dataclass
class LiveCounters:
    to_lab: int = 0          # datagrams from the daemon into the lab
    to_daemon: int = 0       # datagrams from the lab to the daemon
    ignored: int = 0         # datagrams from an address other than the daemon's
    unsent: list[str] = field(default_factory=list)   # lab datagrams without a socket


class LiveBridge:
    """The sockets of a live lab and the simpy process that polls them."""

    def __init__(self, runtime: Any, spec: LiveSpec) -> None:
        self.runtime, self.spec = runtime, spec
        self.host = runtime.lab.devices[spec.device]
        self.daemon = int(spec.daemon)
        self.counters = LiveCounters()
        self.sockets: dict[tuple[int, int], socket.socket] = {}
        self.selector = selectors.DefaultSelector()
        try:
            for address in spec.listen:
                for port in (IKE_PORT, NATT_PORT):
                    self._bind(address, port)
        except BaseException:
            self.close()
            raise
        for port in (spec.ike_port, spec.natt_port):
            self.host.udp_listeners[port] = self._from_lab

    @classmethod
    def attach(cls, runtime: Any) -> LiveBridge:
        spec = runtime.scenario.live
        if spec is None:
            raise InputError("--live needs a 'live:' section in the scenario "
                             "(docs/live-peers.md)", file=runtime.scenario.file)
        bridge = cls(runtime, spec)
        runtime.lab.env.process(bridge._poll())
        return bridge

    def _bind(self, address: ipaddress.IPv4Address, port: int) -> None:
        if address not in LOOPBACK:          # the scenario loader checks it too
            raise InputError(f"live address {address} is not a loopback address")
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            sock.bind((str(address), port))
        except OSError as exc:
            sock.close()
            why = {errno.EADDRINUSE: "the port is in use (another IKE daemon or ikesim?)",
                   errno.EACCES: "permission denied (ports below 1024 need root)",
                   errno.EADDRNOTAVAIL: "the address is not on this host"}.get(
                       exc.errno or 0, exc.strerror or str(exc))
            raise InputError(f"cannot bind the live socket {address}:{port}: {why}",
                             file=self.runtime.scenario.file, line=self.spec.line) from None
        sock.setblocking(False)
        self.sockets[(int(address), port)] = sock
        self.selector.register(sock, selectors.EVENT_READ)

    # -- daemon -> lab ---------------------------------------------------------------------
    def _poll(self) -> Generator[Any, Any, None]:
        env = self.runtime.lab.env
        while True:
            self.pump()
            yield env.timeout(POLL)

    def pump(self) -> int:
        """Move every datagram waiting on the sockets into the lab; how many moved."""
        moved = 0
        for key, _events in self.selector.select(timeout=0):
            sock: socket.socket = key.fileobj      # type: ignore[assignment]
            local, local_port = sock.getsockname()
            while True:
                try:
                    data, (src, sport) = sock.recvfrom(MAX_DATAGRAM)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:      # an ICMP error for an earlier send (ECONNREFUSED)
                    continue
                if ip_to_int(src) != self.daemon:
                    self.counters.ignored += 1
                    continue
                self.host.send_udp(ip_to_int(local), sport, local_port, data, src=self.daemon)
                self.counters.to_lab += 1
                moved += 1
        return moved

    # -- lab -> daemon ---------------------------------------------------------------------
    def _from_lab(self, packet: Packet, _iface: Any) -> None:
        udp = packet.payload
        if not isinstance(udp, Udp) or packet.dst != self.daemon:
            return
        sock = self.sockets.get((packet.src, udp.sport))
        if sock is None:
            self.counters.unsent.append(f"{int_to_ip(packet.src)}:{udp.sport}")
            return
        try:
            sock.sendto(udp.data, (str(self.spec.daemon), udp.dport))
            self.counters.to_daemon += 1
        except OSError as exc:         # the daemon is gone: like a lost datagram
            self.counters.unsent.append(f"{int_to_ip(packet.src)}:{udp.sport} ({exc.strerror})")

    def close(self) -> None:
        for sock in self.sockets.values():
            try:
                self.selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        self.sockets.clear()
        self.selector.close()

    def describe(self) -> str:
        spec = self.spec
        where = ", ".join(f"{a}:{IKE_PORT}/{NATT_PORT}" for a in spec.listen)
        return (f"live: {spec.device} is the real daemon at {spec.daemon} (ports "
                f"{spec.ike_port}/{spec.natt_port}); the lab listens on {where}; real time")

    def summary(self) -> str:
        c = self.counters
        return (f"live: {c.to_lab} datagram(s) from the daemon at {self.spec.daemon} into the "
                f"lab, {c.to_daemon} to it, {c.ignored} from other addresses ignored")
