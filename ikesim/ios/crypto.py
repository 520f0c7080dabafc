"""The ISAKMP service of an IOS router: drives the sans-I/O engine from the network model.

- UDP 500 datagrams reaching the router go to ``engine.receive``; the engine's datagrams are
  sent with the router's own UDP stack; its timers are bare simpy timeouts
  (``ikesim.ios.crypto_timers``): a cancelled timer leaves no process or closure behind.
- Interesting traffic: an egress hook on every interface with a ``crypto map`` checks each
  departing packet against the map entries' ``match address`` ACLs, compiled per interface
  when the configuration is applied (``ikesim.ios.crypto_map``). A match with no IPsec SA
  drops the packet (as IOS does) and, if no phase 1 exists towards the entry's peer, starts one.
- With an IPsec SA (quick mode, ``ikesim.ike.quick``) the hook encapsulates the packet in ESP
  (``ikesim.ipsec.esp``, RFC 4303 tunnel mode) and sends it to the peer; protocol 50 arriving
  for one of our SPIs is verified, decrypted and the inner packet continues as if received on
  the interface (IOS 12.2 applies the interface's inbound ACL to it too).
- Engine events become JSON events (always complete), and IOS lines (``ikesim.ios.isakmp_log``)
  on the console when ``debug crypto isakmp`` is on; ``%`` syslog messages print regardless.
  Debug text is formatted only when a console listens: with debug off only the event kinds
  that can print a ``%`` message (``SYSLOG_KINDS``) are formatted.
"""

from __future__ import annotations

import ipaddress
import random
import zlib
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any

from ikesim.ike.engine import IsakmpEngine, Output
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ios.crypto_map import MapClassifier, phase2_policy
from ikesim.ios.crypto_map import proxy_of as _proxy_of
from ikesim.ios.crypto_timers import EngineTimers
from ikesim.ios.isakmp_log import format_event, format_ipsec_event
from ikesim.ios.pki_lab import RouterPkiState
from ikesim.ipsec.esp import EspError, decapsulate, encapsulate, peek_spi
from ikesim.net.acl import PROTO_ESP, PROTO_ICMP
from ikesim.net.packet import IP_HEADER_LEN, Packet, encode_packet
from ikesim.net.packet_decode import DecodeError, decode_packet

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice
    from ikesim.net.config import DeviceConfig

ISAKMP_PORT = 500
# Engine event kinds whose IOS rendering can include a `%` syslog message (printed whatever the
# debug switches); with `debug crypto isakmp` off only these are formatted. Read from
# ikesim.ios.isakmp_log's handlers (tests/test_crypto_service.py checks no other kind prints `%`).
SYSLOG_KINDS = frozenset({"bad_message", "malformed", "auth_failed", "unknown_sa",
                          "qm_sa_not_acceptable"})


def stable_seed(*parts: object) -> int:
    """A seed derived from the scenario seed and names, stable across runs and Pythons."""
    return zlib.crc32("/".join(str(p) for p in parts).encode())


_DOTTED: dict[int, str] = {}


def _dotted(value: int) -> str:
    """An IPv4 address as text; memoised (a lab has few distinct addresses, bounded anyway)."""
    text = _DOTTED.get(value)
    if text is None:
        if len(_DOTTED) > 65536:
            _DOTTED.clear()
        text = _DOTTED[value] = \
            f"{value >> 24}.{(value >> 16) & 255}.{(value >> 8) & 255}.{value & 255}"
    return text


class _Cookies:
    """An SA record with its cookies as hex text, computed once (the responder cookie of an
    initiator's SA once it is known)."""

    __slots__ = ("sa", "icookie", "rcookie", "rcookie_hex")

    def __init__(self, sa: Any) -> None:
        self.sa = sa
        self.icookie = sa.icookie.hex()
        self.rcookie = sa.rcookie
        self.rcookie_hex = sa.rcookie.hex()

    def rcookie_text(self) -> str:
        if self.sa.rcookie is not self.rcookie:
            self.rcookie = self.sa.rcookie
            self.rcookie_hex = self.rcookie.hex()
        return self.rcookie_hex


class CryptoService:
    __slots__ = ("device", "node", "env", "profile", "engine", "timers", "on_send", "on_keys",
                 "_keys_seen", "_sa_by_serial", "_esp_rng", "on_esp", "esp_drops",
                 "_classifiers", "_policies", "_events", "pki_state")

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
        self.timers = EngineTimers(self.env, self._timer_expired)
        self.on_send: list[Callable[[float, int, int, int, int, bytes], None]] = []
        self.on_keys: list[Callable[[bytes, bytes], None]] = []
        self._keys_seen: set[bytes] = set()
        self._sa_by_serial: dict[int, _Cookies] = {}
        self._events = device.lab.events
        # ESP: IVs from a seeded rng; taps see every ESP packet sent (time, src, dst, payload)
        self._esp_rng = random.Random(stable_seed(seed, device.name, "esp"))
        self.on_esp: list[Callable[[float, int, int, bytes], None]] = []
        self.esp_drops: dict[str, int] = {}
        self._classifiers: dict[str, MapClassifier] = {}
        self._policies: list[Phase2Policy] = []
        self.node.udp_listeners[ISAKMP_PORT] = self._on_datagram
        self.node.protocol_handlers[PROTO_ESP] = self._on_esp
        self._install(device.config)

    # -- configuration --------------------------------------------------------------------------
    @staticmethod
    def _local_addresses(config: DeviceConfig) -> list[int]:
        return [int(i.address.ip) for i in config.interfaces.values() if i.address is not None]

    def _install(self, config: DeviceConfig) -> None:
        """Compile each interface's crypto map and hook the interfaces that have one."""
        self._classifiers = {}
        for name, iface_cfg in config.interfaces.items():
            iface = self.node.interfaces[name]
            iface.egress_hooks[:] = [h for h in iface.egress_hooks
                                     if getattr(h, "__self__", None) is not self]
            if iface_cfg.crypto_map:
                self._classifiers[name] = MapClassifier(config, iface_cfg.crypto_map, name)
                iface.egress_hooks.append(self._egress)
        self._policies = [p for c in self._classifiers.values() for p in c.policies()]
        self.engine.set_phase2_policies(self._policies)

    def reconfigure(self, config: DeviceConfig) -> None:
        self.pki_state.refresh(config)
        self.engine.reconfigure(config.crypto)
        self._install(config)

    proxy_of = staticmethod(_proxy_of)

    def phase2_policies(self, config: DeviceConfig) -> list[Phase2Policy]:
        """Every crypto map entry applied to an interface, as quick mode sees it."""
        if config is self.device.config:
            return list(self._policies)
        out: list[Phase2Policy] = []
        for iface_name, iface_cfg in config.interfaces.items():
            if not iface_cfg.crypto_map:
                continue
            for entry in config.crypto.map_entries(iface_cfg.crypto_map):
                policy = phase2_policy(config, entry, iface_name)
                if policy is not None:
                    out.append(policy)
        return out

    # -- traffic trigger --------------------------------------------------------------------------
    def _egress(self, packet: Any, iface: Any) -> bool:
        """IOS crypto map on output: interesting traffic without an IPsec SA is dropped and
        triggers IKE (RFC 2409 phase 1 first). Returns True when the packet is consumed."""
        classifier = self._classifiers.get(iface.name)
        if classifier is None:
            return False
        sport = dport = icmp_type = None
        payload = packet.payload
        if packet.protocol == PROTO_ICMP:
            icmp_type = getattr(payload, "type", None)
        else:
            sport, dport = getattr(payload, "sport", None), getattr(payload, "dport", None)
        hit = classifier.classify(packet.src, packet.dst, packet.protocol, sport, dport,
                                  icmp_type)
        if hit is None:
            return False
        rule, line = hit
        pair = self.engine.outbound_sa(rule.peer, packet.src, packet.dst)
        if pair is not None:
            self._encapsulate(packet, pair)
            return True
        if rule.policy is not None:
            self._apply(self.engine.request_ipsec(self.env.now, iface.address or 0, rule.policy,
                                                  _proxy_of(line)))
        self._events.emit(self.env.now, self.device.name, "drop",
                                    reason="crypto-no-ipsec-sa", interface=iface.name,
                                    src=_dotted(packet.src), dst=_dotted(packet.dst),
                                    protocol=packet.protocol,
                                    map=f"{classifier.map_name} {rule.entry.sequence}",
                                    peer=str(rule.entry.peers[0]))
        return True

    # -- ESP data path (RFC 4303 tunnel mode) ------------------------------------------------
    def _encapsulate(self, packet: Packet, pair: Any) -> None:
        sa = pair.outbound
        iv = self._esp_rng.randbytes(sa.transform.cipher.block)
        esp = encapsulate(sa, encode_packet(packet), iv)
        outer = Packet(pair.local, pair.peer, PROTO_ESP, self.node.default_ttl, esp,
                       IP_HEADER_LEN + len(esp), self.node._next_ip_ident())
        for tap in self.on_esp:
            tap(self.env.now, outer.src, outer.dst, esp)
        self._events.emit(self.env.now, self.device.name, "esp", direction="out",
                                    spi=sa.spi, esp_seq=sa.seq, peer=_dotted(pair.peer),
                                    inner=packet.summary())
        self.node.send_packet(outer, hooks=False)
        self._apply(self.engine.ipsec_traffic(self.env.now, pair))

    def _esp_drop(self, reason: str, packet: Packet, spi: int | None, text: str | None) -> None:
        self.esp_drops[reason] = self.esp_drops.get(reason, 0) + 1
        self._events.emit(self.env.now, self.device.name, "drop",
                                    reason=f"esp-{reason}", spi=spi,
                                    src=_dotted(packet.src), dst=_dotted(packet.dst), protocol=50)
        if text:
            self.device.print_async([(True, text)])

    def _on_esp(self, packet: Packet, iface: Any) -> None:
        esp = bytes(packet.payload) if isinstance(packet.payload, bytes | bytearray) else b""
        spi = peek_spi(esp)
        pair = self.engine.inbound_sa(spi, packet.dst) if spi is not None else None
        src, dst = _dotted(packet.src), _dotted(packet.dst)
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
        self._events.emit(self.env.now, self.device.name, "esp", direction="in",
                                    spi=spi, esp_seq=pair.inbound.replay_top, peer=src,
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

    def clear_ipsec(self, peer: int | None) -> None:
        """`clear crypto sa [peer A]`."""
        self._apply(self.engine.clear_ipsec(self.env.now, peer))

    # -- engine I/O ------------------------------------------------------------------------------
    def _on_datagram(self, packet: Any, iface: Any) -> None:
        udp = packet.payload
        self._apply(self.engine.receive(self.env.now, udp.data, packet.src, udp.sport,
                                        packet.dst, udp.dport))

    def _apply(self, out: Output) -> None:
        for event in out.events:
            self._log(event)
        timers = self.timers
        for key in out.cancels:
            timers.cancel(key)
        for key, at in out.timers.items():
            timers.arm(key, at)
        for d in out.sends:
            for tap in self.on_send:
                tap(self.env.now, d.src, d.sport, d.dst, d.dport, d.data)
            self.node.send_udp(d.dst, d.sport, d.dport, d.data, src=d.src or None)
        if self.on_keys:
            self._export_keys(out)

    def _timer_expired(self, key: Hashable) -> None:
        self._apply(self.engine.timer_expired(self.env.now, key))

    def _export_keys(self, out: Output) -> None:
        """Hand each SA's phase-1 cipher key to the key listeners once, when it first exists
        (only the SAs this output's events concern are looked at)."""
        for serial in {e.sa_serial for e in out.events if e.sa_serial}:
            sa = self._sa(serial)
            if sa is not None and sa.cipher_key and sa.icookie not in self._keys_seen:
                self._keys_seen.add(sa.icookie)
                for callback in self.on_keys:
                    callback(sa.icookie, sa.cipher_key)

    def _sa(self, serial: int) -> Any:
        entry = self._sa_entry(serial)
        return None if entry is None else entry.sa

    def _sa_entry(self, serial: int) -> _Cookies | None:
        """The engine's SA record with this serial and its cookie text (dropped at purge)."""
        entry = self._sa_by_serial.get(serial)
        if entry is None:
            record = self.engine.sa(serial)
            if record is not None:
                entry = self._sa_by_serial[serial] = _Cookies(record)
        return entry

    def _log(self, event: Any) -> None:
        fields = event.fields
        peer, local = fields.get("peer"), fields.get("local")
        if type(peer) is int or type(local) is int:     # addresses as text in the record
            fields = dict(fields)
            if type(peer) is int:
                fields["peer"] = _dotted(peer)
            if type(local) is int:
                fields["local"] = _dotted(local)
        serial = event.sa_serial
        device = self.device
        entry = self._sa_entry(serial) if serial else None
        if entry is not None:      # cookies tie JSON events to captured datagrams
            self._events.emit(self.env.now, device.name, "ike", event=event.kind,
                              conn_id=event.conn_id, sa=serial, **fields,
                              icookie=entry.icookie, rcookie=entry.rcookie_text())
        else:
            self._events.emit(self.env.now, device.name, "ike", event=event.kind,
                              conn_id=event.conn_id, sa=serial, **fields)
        if serial and event.kind == "purge":
            self._sa_by_serial.pop(serial, None)
        debug = device.debug
        if not debug:
            if event.kind not in SYSLOG_KINDS:
                return
            lines = [(s, t) for s, t in format_event(device.dialect, event) if t.startswith("%")]
        else:
            lines = format_event(device.dialect, event)
            if "crypto isakmp" not in debug:
                lines = [(s, t) for s, t in lines if t.startswith("%")]
            if "crypto ipsec" in debug:
                lines += format_ipsec_event(device.dialect, event)
        if lines:
            device.print_async(lines)
