"""The ISAKMP service of an IOS router: drives the sans-I/O engine from the network model.

- UDP 500 datagrams reaching the router go to ``engine.receive``; the engine's datagrams are
  sent with the router's own UDP stack; its timers are bare simpy timeouts
  (``ikesim.ios.crypto_timers``): a cancelled timer leaves no process or closure behind.
- Interesting traffic: an egress hook on every interface with a ``crypto map`` checks each
  departing packet against the map entries' ``match address`` ACLs, compiled per interface
  when the configuration is applied (``ikesim.ios.crypto_map``). A match with no IPsec SA
  drops the packet (as IOS does) and, if no phase 1 exists towards the entry's peer, starts one.
- With an IPsec SA (quick mode, ``ikesim.ike.quick``) the hook encapsulates the packet in ESP
  (``ikesim.ios.crypto_esp``, ``ikesim.ipsec.esp``, RFC 4303 tunnel mode) and sends it to the peer; protocol 50 arriving
  for one of our SPIs is verified, decrypted and the inner packet continues as if received on
  the interface (IOS 12.2 applies the interface's inbound ACL to it too).
- Route-based VPNs: a tunnel with `tunnel protection ipsec profile` gets a protector
  (``ikesim.ios.tunnel_protection``) that encrypts what the tunnel hands it; ESP for one of
  its SAs is handed back to the tunnel once decrypted. ESP transport mode (`mode transport`
  for traffic between the peers themselves) keeps the original addresses.
- The router's own IKE (UDP 500/4500 it sends) never meets a crypto map, even when the crypto
  ACL covers the peers' addresses: IOS sends it in the clear (the published winahyu lab, ACL
  `permit ip host A host B` between the peers, works on IOS; INE, "When transport mode becomes
  tunnel mode": transport mode is chosen exactly when the crypto ACL names the peers'
  addresses, which needs IKE between those addresses to pass).
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
from ikesim.ios.crypto_dynamic import DynamicSas
from ikesim.ios.crypto_esp import EspDataPath
from ikesim.ios.crypto_map import MapClassifier
from ikesim.ios.crypto_map import proxy_of as _proxy_of
from ikesim.ios.crypto_records import Cookies as _Cookies
from ikesim.ios.crypto_records import dotted as _dotted
from ikesim.ios.crypto_timers import EngineTimers
from ikesim.ios.isakmp_log import format_event, format_ipsec_event
from ikesim.ios.pki_lab import RouterPkiState
from ikesim.ios.reverse_route import ReverseRoutes
from ikesim.ios.tunnel_protection import TunnelProtector, build_protectors
from ikesim.ipsec.udp_encap import NATT_PORT
from ikesim.net.acl import PROTO_ESP, PROTO_ICMP
from ikesim.net.packet import udp_packet

if TYPE_CHECKING:
    from ikesim.ios.device import IosDevice
    from ikesim.net.config import DeviceConfig

ISAKMP_PORT = 500
# Engine event kinds whose IOS rendering can include a `%` syslog message (printed whatever the
# debug switches); with `debug crypto isakmp` off only these are formatted. Read from
# ikesim.ios.isakmp_log's handlers (tests/test_crypto_service.py checks no other kind prints `%`).
SYSLOG_KINDS = frozenset({"bad_message", "malformed", "auth_failed", "unknown_sa",
                          "qm_sa_not_acceptable", "aggressive_disabled", "cert_invalid"})
PAIR_KINDS = frozenset({"ipsec_sa_created", "ipsec_sa_expired"})   # SA pairs came or went


def stable_seed(*parts: object) -> int:
    """A seed derived from the scenario seed and names, stable across runs and Pythons."""
    return zlib.crc32("/".join(str(p) for p in parts).encode())


def isakmp_wanted(config: DeviceConfig) -> bool:
    """IOS runs ISAKMP only while something uses it: a crypto map applied to an interface (or
    a tunnel protected by an IPsec profile)."""
    return any(i.crypto_map or getattr(getattr(i, "tunnel", None), "protection", None)
               for i in config.interfaces.values())


class CryptoService(EspDataPath):
    __slots__ = ("device", "node", "env", "profile", "engine", "timers", "on_send", "on_keys",
                 "_keys_seen", "_sa_by_serial", "_esp_rng", "on_esp", "esp_drops",
                 "_classifiers", "_policies", "_events", "isakmp_on", "_seed", "_boots",
                 "protectors", "_by_map", "rri", "dynamic", "pki_state")

    def __init__(self, device: IosDevice, *, seed: int) -> None:
        self.device = device
        self.node = device.node
        self.env = device.env
        self.profile = PROFILES[device.platform]
        self._seed, self._boots = seed, 0
        self.engine = self._new_engine()
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
        self.protectors: dict[str, TunnelProtector] = {}
        self._by_map: dict[str, TunnelProtector] = {}        # "Tunnel0-head-0" -> protector
        self.dynamic = DynamicSas(self)
        self.rri = ReverseRoutes(self)
        self.node.udp_listeners[ISAKMP_PORT] = self._on_datagram
        self.node.udp_listeners[NATT_PORT] = self._on_natt      # RFC 3947 §4, RFC 3948
        self.node.protocol_handlers[PROTO_ESP] = self._on_esp
        self.isakmp_on = isakmp_wanted(device.config)
        self._install(device.config)
        # the crypto sockets of protected tunnels open once the lab runs (every router built)
        start = self.env.timeout(0)
        start.callbacks.append(lambda _e: self._open_sockets())

    def _new_engine(self) -> IsakmpEngine:
        parts = ("isakmp",) if not self._boots else ("isakmp", self._boots)
        return IsakmpEngine(crypto=self.device.config.crypto, profile=self.profile,
                            rng=random.Random(stable_seed(self._seed, self.device.name, *parts)),
                            local_addresses=self._local_addresses(self.device.config))

    def reset(self) -> None:
        """The router reloads (``ikesim.ios.reload``): every SA and timer is forgotten; the
        engine starts again from the configuration, with fresh random values."""
        self._boots += 1
        self.timers.clear()
        self.engine = self._new_engine()
        self.pki_state.attach(self.engine)
        self._sa_by_serial = {}
        self._install(self.device.config)

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
        tunnels = self.node.tunnels
        for old in self.protectors.values():
            if tunnels is not None and old.name in self.node.interfaces:
                tunnels.attach(self.node.interfaces[old.name], None)
        self.protectors = build_protectors(self, config) if tunnels is not None else {}
        self._by_map = {p.policy.map_name: p for p in self.protectors.values()
                        if p.policy is not None}
        for protector in self.protectors.values():
            assert tunnels is not None
            tunnels.attach(self.node.interfaces[protector.name], protector)
        self._policies = [p for c in self._classifiers.values() for p in c.policies()]
        self._policies += [p.policy for p in self.protectors.values() if p.policy is not None]
        self.engine.set_phase2_policies(self._policies)
        self.rri.configure(config)

    def _open_sockets(self) -> None:
        for protector in self.protectors.values():
            protector.start()
            protector.refresh()

    def reconfigure(self, config: DeviceConfig) -> None:
        self.pki_state.refresh(config)
        wanted = isakmp_wanted(config)
        if wanted != self.isakmp_on:
            # trace 09 (ios-facts §5): "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is ON" once a crypto
            # map is applied, "… is OFF" when the last one goes
            self.isakmp_on = wanted
            self.device.print_async([(True, "%CRYPTO-6-ISAKMP_ON_OFF: ISAKMP is "
                                            f"{'ON' if wanted else 'OFF'}")])
        self.engine.reconfigure(config.crypto)
        self._install(config)
        self._open_sockets()
        self._pairs_changed()

    proxy_of = staticmethod(_proxy_of)

    def phase2_policies(self, config: DeviceConfig) -> list[Phase2Policy]:
        """Every crypto map entry applied to an interface (dynamic entries included) and every
        protected tunnel, as quick mode sees them (the configuration applied last)."""
        del config
        return list(self._policies)

    def request(self, policy: Phase2Policy, proxy: Any) -> None:
        """Ask the engine for an IPsec SA (IOS sa_request)."""
        self._apply(self.engine.request_ipsec(self.env.now, policy.local, policy, proxy))

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
            return self.dynamic.egress(classifier, packet, iface, sport, dport, icmp_type)
        rule, _line, proxy = hit
        pair = self.engine.outbound_sa(rule.peer, packet.src, packet.dst)
        if pair is not None:
            self.encapsulate(packet, pair)
            return True
        now = self.env.now
        if rule.policy is not None:
            self._apply(self.engine.request_ipsec(now, iface.address or 0, rule.policy, proxy))
        self._events.emit_record(now, self.device.name, "drop", {
            "reason": "crypto-no-ipsec-sa", "interface": iface.name,
            "src": _dotted(packet.src), "dst": _dotted(packet.dst),
            "protocol": packet.protocol, "map": rule.label, "peer": rule.peer_text})
        return True

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
        if not self.isakmp_on:
            # IOS keeps ISAKMP off while no crypto map is applied: UDP 500 gets no answer
            self._events.emit(self.env.now, self.device.name, "drop", reason="isakmp-off",
                              src=_dotted(packet.src), dst=_dotted(packet.dst), protocol=17,
                              dport=udp.dport)
            return
        self._apply(self.engine.receive(self.env.now, udp.data, packet.src, udp.sport,
                                        packet.dst, udp.dport))

    def _apply(self, out: Output) -> None:
        pairs_changed = False
        if out.events:
            now = self.env.now        # one engine call's output all happens at one instant
            for event in out.events:
                self._log(event, now)
                if event.kind in PAIR_KINDS:
                    pairs_changed = True
        timers = self.timers
        for key in out.cancels:
            timers.cancel(key)
        for key, at in out.timers.items():
            timers.arm(key, at)
        node = self.node
        for d in out.sends:
            for tap in self.on_send:
                tap(self.env.now, d.src, d.sport, d.dst, d.dport, d.data)
            # own IKE: never through a crypto map (hooks=False), see the module docstring
            node.send_packet(udp_packet(d.src or 0, d.dst, d.sport, d.dport, d.data,
                                        ttl=node.default_ttl, ident=node.next_ip_ident()),
                             hooks=False)
        if self.on_keys:
            self._export_keys(out)
        if pairs_changed:
            self._pairs_changed()

    def _pairs_changed(self) -> None:
        """IPsec SA pairs came or went: VTI line protocols, dynamic-entry SAs, RRI routes."""
        self.dynamic.refresh(self._policies)
        for protector in self.protectors.values():
            protector.refresh()
        self.rri.refresh()

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

    def _log(self, event: Any, now: float) -> None:
        kind, serial = event.kind, event.sa_serial
        # one record dictionary, keys in JSON order: event, conn_id, sa, the engine's fields
        # (addresses as text, in place), then the cookies that tie it to captured datagrams
        record = {"event": kind, "conn_id": event.conn_id, "sa": serial, **event.fields}
        peer = record.get("peer")
        if type(peer) is int:
            record["peer"] = _dotted(peer)
        local = record.get("local")
        if type(local) is int:
            record["local"] = _dotted(local)
        device = self.device
        if serial:
            entry = self._sa_by_serial.get(serial) or self._sa_entry(serial)
            if entry is not None:
                record["icookie"] = entry.icookie
                # entry.rcookie_text(), inlined: this runs for every engine event
                rcookie = entry.sa.rcookie
                record["rcookie"] = entry.rcookie_hex if rcookie is entry.rcookie \
                    else entry.rcookie_text()
        self._events.emit_record(now, device.name, "ike", record)
        if serial and kind == "purge":
            self._sa_by_serial.pop(serial, None)
        debug = device.debug
        if "crypto isakmp" in debug:
            lines = format_event(device.dialect, event)
        elif kind in SYSLOG_KINDS:
            lines = [(s, t) for s, t in format_event(device.dialect, event) if t.startswith("%")]
        else:
            lines = []          # no other kind prints a `%` line: nothing to format
        if debug and "crypto ipsec" in debug:
            lines += format_ipsec_event(device.dialect, event)
        if lines:
            device.print_async(lines)
