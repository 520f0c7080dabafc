"""The ISAKMP service of an IOS router: drives the sans-I/O engine from the network model.

- UDP 500 datagrams reaching the router go to ``engine.receive``; the engine's datagrams are
  sent with the router's own UDP stack; its timers become simpy processes (a timer replaced or
  cancelled is invalidated by a generation counter, so a stale process does nothing).
- Interesting traffic: an egress hook on every interface with a ``crypto map`` checks each
  departing packet against the map entries' ``match address`` ACLs. A match with no IPsec SA
  drops the packet (as IOS does) and, if no phase 1 exists towards the entry's peer, starts one.
- Engine events become JSON events, and IOS lines (``ikesim.ios.isakmp_log``) on the console when
  ``debug crypto isakmp`` is on; ``%`` syslog messages print regardless.
"""

from __future__ import annotations

import ipaddress
import random
import zlib
from collections.abc import Callable, Generator, Hashable
from typing import TYPE_CHECKING, Any

from ikesim.ike.engine import IsakmpEngine, Output
from ikesim.ike.profiles import PROFILES
from ikesim.ios.isakmp_log import format_event
from ikesim.net.acl import PROTO_ICMP

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice
    from ikesim.net.config import DeviceConfig

ISAKMP_PORT = 500


def stable_seed(*parts: object) -> int:
    """A seed derived from the scenario seed and names, stable across runs and Pythons."""
    return zlib.crc32("/".join(str(p) for p in parts).encode())


class CryptoService:
    def __init__(self, device: IosDevice, *, seed: int) -> None:
        self.device = device
        self.node = device.node
        self.env = device.env
        self.profile = PROFILES[device.platform]
        self.engine = IsakmpEngine(crypto=device.config.crypto, profile=self.profile,
                                   rng=random.Random(stable_seed(seed, device.name, "isakmp")),
                                   local_addresses=self._local_addresses(device.config))
        self._timer_generation: dict[Hashable, int] = {}
        self.on_send: list[Callable[[float, int, int, int, int, bytes], None]] = []
        self.on_keys: list[Callable[[bytes, bytes], None]] = []
        self._keys_seen: set[bytes] = set()
        self._sa_by_serial: dict[int, Any] = {}
        self.node.udp_listeners[ISAKMP_PORT] = self._on_datagram
        self._install_hooks(device.config)

    # -- configuration --------------------------------------------------------------------------
    @staticmethod
    def _local_addresses(config: DeviceConfig) -> list[int]:
        return [int(i.address.ip) for i in config.interfaces.values() if i.address is not None]

    def _install_hooks(self, config: DeviceConfig) -> None:
        for name, iface_cfg in config.interfaces.items():
            iface = self.node.interfaces[name]
            iface.egress_hooks[:] = [h for h in iface.egress_hooks
                                     if getattr(h, "__self__", None) is not self]
            if iface_cfg.crypto_map:
                iface.egress_hooks.append(self._egress)

    def reconfigure(self, config: DeviceConfig) -> None:
        self.engine.reconfigure(config.crypto)
        self._install_hooks(config)

    # -- traffic trigger --------------------------------------------------------------------------
    def _egress(self, packet: Any, iface: Any) -> bool:
        """IOS crypto map on output: interesting traffic without an IPsec SA is dropped and
        triggers IKE (RFC 2409 phase 1 first). Returns True when the packet is consumed."""
        config = self.device.config
        map_name = config.interfaces[iface.name].crypto_map
        if not map_name:
            return False
        sport = dport = icmp_type = None
        payload = packet.payload
        if packet.protocol == PROTO_ICMP:
            icmp_type = getattr(payload, "type", None)
        else:
            sport, dport = getattr(payload, "sport", None), getattr(payload, "dport", None)
        for entry in config.crypto.map_entries(map_name):
            acl = config.acls.get(entry.match_acl or "")
            if acl is None or not entry.peers:
                continue
            if not acl.permits(packet.src, packet.dst, packet.protocol, sport, dport, icmp_type):
                continue
            peer = int(entry.peers[0])
            if self.engine.phase1_status(peer) == "none":
                local = iface.address or 0
                self._apply(self.engine.initiate(self.env.now, local, peer))
            self.device.lab.events.emit(self.env.now, self.device.name, "drop",
                                        reason="crypto-no-ipsec-sa", interface=iface.name,
                                        src=str(ipaddress.IPv4Address(packet.src)),
                                        dst=str(ipaddress.IPv4Address(packet.dst)),
                                        protocol=packet.protocol, map=f"{map_name} "
                                        f"{entry.sequence}", peer=str(entry.peers[0]))
            return True
        return False

    def initiate_to(self, peer: str) -> None:
        peer_int = int(ipaddress.IPv4Address(peer))
        route = self.node.table.lookup(peer_int)
        local = self.node.interfaces[route.out_interface].address if route else None
        self._apply(self.engine.initiate(self.env.now, local or 0, peer_int))

    def clear(self, conn_id: int | None) -> None:
        self._apply(self.engine.clear(self.env.now, conn_id))

    # -- engine I/O ------------------------------------------------------------------------------
    def _on_datagram(self, packet: Any, iface: Any) -> None:
        udp = packet.payload
        self._apply(self.engine.receive(self.env.now, udp.data, packet.src, udp.sport,
                                        packet.dst, udp.dport))

    def _apply(self, out: Output) -> None:
        for event in out.events:
            self._log(event)
        for key in out.cancels:
            self._timer_generation[key] = self._timer_generation.get(key, 0) + 1
        for key, at in out.timers.items():
            generation = self._timer_generation.get(key, 0) + 1
            self._timer_generation[key] = generation
            self.env.process(self._timer(key, at, generation))
        for d in out.sends:
            for tap in self.on_send:
                tap(self.env.now, d.src, d.sport, d.dst, d.dport, d.data)
            self.node.send_udp(d.dst, d.sport, d.dport, d.data, src=d.src or None)
        if self.on_keys:
            self._export_keys()

    def _timer(self, key: Hashable, at: float, generation: int) -> Generator[Any, Any, None]:
        yield self.env.timeout(max(0.0, at - self.env.now))
        if self._timer_generation.get(key) == generation:
            self._apply(self.engine.timer_expired(self.env.now, key))

    def _export_keys(self) -> None:
        for sa in self.engine.sas():
            if sa.cipher_key and sa.icookie not in self._keys_seen:
                self._keys_seen.add(sa.icookie)
                for callback in self.on_keys:
                    callback(sa.icookie, sa.cipher_key)

    def _log(self, event: Any) -> None:
        fields = {k: (str(ipaddress.IPv4Address(v)) if k in ("peer", "local") and
                      isinstance(v, int) else v) for k, v in event.fields.items()}
        sa = self._sa_by_serial.get(event.sa_serial)
        if sa is None and event.sa_serial:
            self._sa_by_serial = {s.serial: s for s in self.engine.sas()}
            sa = self._sa_by_serial.get(event.sa_serial)
        if sa is not None:      # cookies tie JSON events to captured datagrams
            fields["icookie"], fields["rcookie"] = sa.icookie.hex(), sa.rcookie.hex()
        self.device.lab.events.emit(self.env.now, self.device.name, "ike", event=event.kind,
                                    conn_id=event.conn_id, sa=event.sa_serial, **fields)
        lines = format_event(self.device.dialect, event)
        if "crypto isakmp" not in self.device.debug:
            lines = [(s, t) for s, t in lines if t.startswith("%")]
        if lines:
            self.device.print_async(lines)
