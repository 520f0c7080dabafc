"""The ISAKMP service of an IOS router: drives the sans-I/O engine from the network model.

- UDP 500 datagrams reaching the router go to ``engine.receive``; the engine's datagrams are
  sent with the router's own UDP stack; its timers become simpy processes (a timer replaced or
  cancelled is invalidated by a generation counter, so a stale process does nothing).
- Interesting traffic: an egress hook on every interface with a ``crypto map`` checks each
  departing packet against the map entries' ``match address`` ACLs. A match with no IPsec SA
  drops the packet (as IOS does) and, if no phase 1 exists towards the entry's peer, starts one.
- With an IPsec SA (quick mode, ``ikesim.ike.quick``) the hook encapsulates the packet in ESP
  (``ikesim.ipsec.esp``, RFC 4303 tunnel mode) and sends it to the peer; protocol 50 arriving
  for one of our SPIs is verified, decrypted and the inner packet continues as if received on
  the interface (IOS 12.2 applies the interface's inbound ACL to it too).
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
from ikesim.ike.quick import Phase2Policy
from ikesim.ios.isakmp_log import format_event, format_ipsec_event
from ikesim.ios.pki_lab import RouterPkiState
from ikesim.ipsec.esp import EspError, decapsulate, encapsulate, peek_spi
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import TransformError, from_keywords
from ikesim.net.acl import PROTO_ESP, PROTO_ICMP, AclEntry
from ikesim.net.packet import IP_HEADER_LEN, Packet, encode_packet
from ikesim.net.packet_decode import DecodeError, decode_packet

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
        # certificates and the router clock for rsa-sig (ikesim.ios.pki_lab); sets local_fqdn
        self.pki_state = RouterPkiState(device, self.engine, seed)
        self._timer_generation: dict[Hashable, int] = {}
        self.on_send: list[Callable[[float, int, int, int, int, bytes], None]] = []
        self.on_keys: list[Callable[[bytes, bytes], None]] = []
        self._keys_seen: set[bytes] = set()
        self._sa_by_serial: dict[int, Any] = {}
        # ESP: IVs from a seeded rng; taps see every ESP packet sent (time, src, dst, payload)
        self._esp_rng = random.Random(stable_seed(seed, device.name, "esp"))
        self.on_esp: list[Callable[[float, int, int, bytes], None]] = []
        self.esp_drops: dict[str, int] = {}
        self.node.udp_listeners[ISAKMP_PORT] = self._on_datagram
        self.node.protocol_handlers[PROTO_ESP] = self._on_esp
        self._install_hooks(device.config)
        self.engine.set_phase2_policies(self.phase2_policies(device.config))

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
        self.pki_state.refresh(config)
        self.engine.reconfigure(config.crypto)
        self._install_hooks(config)
        self.engine.set_phase2_policies(self.phase2_policies(config))

    @staticmethod
    def proxy_of(entry: AclEntry) -> Proxy:
        """Proxy identities of a crypto ACL permit line (wildcards become masks; an `eq` port
        is carried, other port operators are not expressible and become 0)."""
        def port(match: Any) -> int:
            return match.low if match is not None and match.op == "eq" else 0
        return Proxy(entry.src & ~entry.src_wildcard & 0xFFFFFFFF,
                     ~entry.src_wildcard & 0xFFFFFFFF,
                     entry.dst & ~entry.dst_wildcard & 0xFFFFFFFF,
                     ~entry.dst_wildcard & 0xFFFFFFFF, entry.protocol or 0,
                     port(entry.src_port), port(entry.dst_port))

    def phase2_policies(self, config: DeviceConfig) -> list[Phase2Policy]:
        """Every crypto map entry applied to an interface, as quick mode sees it."""
        out: list[Phase2Policy] = []
        for iface_name, iface_cfg in config.interfaces.items():
            if not iface_cfg.crypto_map:
                continue
            for entry in config.crypto.map_entries(iface_cfg.crypto_map):
                policy = self._policy(config, entry, iface_name)
                if policy is not None:
                    out.append(policy)
        return out

    def _policy(self, config: DeviceConfig, entry: Any, iface: str) -> Phase2Policy | None:
        acl = config.acls.get(entry.match_acl or "")
        if acl is None or not entry.peers:
            return None     # IOS: an incomplete map entry is ignored
        transforms = []
        for name in entry.transform_sets:
            tset = config.crypto.transform_sets.get(name)
            if tset is None:
                continue
            try:
                transforms.append((name, from_keywords(tset.transforms, tset.mode)))
            except TransformError:
                continue
        if not transforms:
            return None
        proxies = tuple(self.proxy_of(e) for e in acl.entries if e.action == "permit")
        return Phase2Policy(entry.map_name, entry.sequence, int(entry.peers[0]),
                            tuple(transforms), proxies, entry.pfs_group,
                            entry.lifetime_seconds or 3600, entry.lifetime_kilobytes or 4608000,
                            iface, entry.isakmp_profile)

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
            line = acl.evaluate(packet.src, packet.dst, packet.protocol, sport, dport,
                                icmp_type)
            if line is None or line.action != "permit":
                continue
            peer = int(entry.peers[0])
            pair = self.engine.outbound_sa(peer, packet.src, packet.dst)
            if pair is not None:
                self._encapsulate(packet, pair)
                return True
            policy = self._policy(config, entry, iface.name)
            if policy is not None:
                local = iface.address or 0
                self._apply(self.engine.request_ipsec(self.env.now, local, policy,
                                                      self.proxy_of(line)))
            self.device.lab.events.emit(self.env.now, self.device.name, "drop",
                                        reason="crypto-no-ipsec-sa", interface=iface.name,
                                        src=str(ipaddress.IPv4Address(packet.src)),
                                        dst=str(ipaddress.IPv4Address(packet.dst)),
                                        protocol=packet.protocol, map=f"{map_name} "
                                        f"{entry.sequence}", peer=str(entry.peers[0]))
            return True
        return False

    # -- ESP data path (RFC 4303 tunnel mode) ------------------------------------------------
    def _encapsulate(self, packet: Packet, pair: Any) -> None:
        sa = pair.outbound
        iv = self._esp_rng.randbytes(sa.transform.cipher.block)
        esp = encapsulate(sa, encode_packet(packet), iv)
        outer = Packet(pair.local, pair.peer, PROTO_ESP, self.node.default_ttl, esp,
                       IP_HEADER_LEN + len(esp), self.node._next_ip_ident())
        for tap in self.on_esp:
            tap(self.env.now, outer.src, outer.dst, esp)
        self.device.lab.events.emit(self.env.now, self.device.name, "esp", direction="out",
                                    spi=sa.spi, esp_seq=sa.seq, peer=str(ipaddress.IPv4Address(
                                        pair.peer)), inner=packet.summary())
        self.node.send_packet(outer, hooks=False)
        self._apply(self.engine.ipsec_traffic(self.env.now, pair))

    def _esp_drop(self, reason: str, packet: Packet, spi: int | None, text: str | None) -> None:
        self.esp_drops[reason] = self.esp_drops.get(reason, 0) + 1
        self.device.lab.events.emit(self.env.now, self.device.name, "drop",
                                    reason=f"esp-{reason}", spi=spi,
                                    src=str(ipaddress.IPv4Address(packet.src)),
                                    dst=str(ipaddress.IPv4Address(packet.dst)), protocol=50)
        if text:
            self.device.print_async([(True, text)])

    def _on_esp(self, packet: Packet, iface: Any) -> None:
        esp = bytes(packet.payload) if isinstance(packet.payload, bytes | bytearray) else b""
        spi = peek_spi(esp)
        pair = self.engine.inbound_sa(spi, packet.dst) if spi is not None else None
        src, dst = ipaddress.IPv4Address(packet.src), ipaddress.IPv4Address(packet.dst)
        if pair is None:
            shown = spi or 0
            self._esp_drop("invalid-spi", packet, spi,
                           f"%CRYPTO-4-RECVD_PKT_INV_SPI: decaps: rec'd IPSEC packet has "
                           f"invalid spi for destaddr={dst}, prot=50, spi=0x{shown:X}"
                           f"({shown}), srcaddr={src}")
            return
        try:
            inner_bytes = decapsulate(pair.inbound, esp)
            inner = decode_packet(inner_bytes)
        except EspError as exc:
            pair.errors[exc.reason] = pair.errors.get(exc.reason, 0) + 1
            text = {
                "replay": f"%CRYPTO-4-PKT_REPLAY_ERR: decrypt: replay check failed "
                          f"connection id={pair.inbound.conn_id}, sequence number="
                          f"{int.from_bytes(esp[4:8], 'big')}",
                "icv": f"%CRYPTO-4-RECVD_PKT_MAC_ERR: decrypt: mac verify failed for "
                       f"connection id={pair.inbound.conn_id}",
            }.get(exc.reason)
            self._esp_drop(exc.reason, packet, spi, text)
            return
        except DecodeError:
            pair.errors["decode"] = pair.errors.get("decode", 0) + 1
            self._esp_drop("inner-malformed", packet, spi, None)
            return
        self.device.lab.events.emit(self.env.now, self.device.name, "esp", direction="in",
                                    spi=spi, esp_seq=pair.inbound.replay_top, peer=str(src),
                                    inner=inner.summary())
        self._apply(self.engine.ipsec_traffic(self.env.now, pair))
        self.node.receive(inner, iface)

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
        if "crypto ipsec" in self.device.debug:
            lines += format_ipsec_event(self.device.dialect, event)
        if lines:
            self.device.print_async(lines)
