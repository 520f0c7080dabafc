"""The ESP data path of an IOS router's crypto service (RFC 4303 tunnel and transport mode,
RFC 3948 UDP encapsulation): encrypting what a crypto map or a protected tunnel hands over, and
verifying, decrypting and delivering protocol 50 / UDP 4500 arriving for one of our SPIs.

A mixin of :class:`ikesim.ios.crypto.CryptoService`, which owns the state it uses (engine, node,
taps, seeded IV generator) and the engine I/O (``_apply``, ``_on_datagram``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.ios.crypto_records import dotted as _dotted
from ikesim.ipsec.esp import NEXT_HEADER_IPV4, EspError, encapsulate, open_esp, peek_spi
from ikesim.ipsec.udp_encap import NATT_PORT, classify
from ikesim.net.acl import PROTO_ESP
from ikesim.net.packet import (
    ICMP_UNREACHABLE,
    IP_HEADER_LEN,
    UNREACH_PROTOCOL,
    Packet,
    encode_header,
    encode_packet,
    encode_payload,
    udp_packet,
)
from ikesim.net.packet_decode import DecodeError, decode_packet

if TYPE_CHECKING:
    import random
    from collections.abc import Callable

    from ikesim.ike.engine import IsakmpEngine, Output
    from ikesim.ios.device import IosDevice
    from ikesim.ios.tunnel_protection import TunnelProtector


class EspDataPath:
    """ESP in and out; the attributes below belong to ``CryptoService``."""

    __slots__ = ()
    if TYPE_CHECKING:
        device: IosDevice
        node: Any
        env: Any
        engine: IsakmpEngine
        isakmp_on: bool
        esp_drops: dict[str, int]
        on_esp: list[Callable[[float, int, int, bytes], None]]
        _esp_rng: random.Random
        _events: Any
        _by_map: dict[str, TunnelProtector]

        def _apply(self, out: Output) -> None: ...

        def _on_datagram(self, packet: Any, iface: Any) -> None: ...

    def encapsulate(self, packet: Packet, pair: Any) -> None:
        """Encrypt ``packet`` under ``pair`` and send it to the peer: tunnel mode wraps the
        whole packet (outer addresses: the SA's endpoints), transport mode the payload (the
        packet's own addresses stay, RFC 4303 §3.1.1)."""
        sa = pair.outbound
        iv = self._esp_rng.randbytes(sa.transform.cipher.block)
        if sa.transform.mode == "transport":
            esp = encapsulate(sa, encode_payload(packet), iv, next_header=packet.protocol)
            src, dst = packet.src, packet.dst
        else:
            esp = encapsulate(sa, encode_packet(packet), iv)
            src, dst = pair.local, pair.peer
        if pair.udp_encapsulated:      # RFC 3948 §2.1: the ESP header right after UDP's
            outer = udp_packet(src, dst, pair.udp_sport, pair.udp_dport, esp,
                               ttl=self.node.default_ttl, ident=self.node._next_ip_ident())
        else:
            outer = Packet(src, dst, PROTO_ESP, self.node.default_ttl, esp,
                           IP_HEADER_LEN + len(esp), self.node._next_ip_ident())
        for tap in self.on_esp:
            tap(self.env.now, outer.src, outer.dst, esp)
        self._events.emit_record(self.env.now, self.device.name, "esp", {
            "direction": "out", "spi": sa.spi, "esp_seq": sa.seq, "peer": _dotted(pair.peer),
            "inner": packet.summary(), "udp": pair.udp_dport or None})
        self.node.send_packet(outer, hooks=False)
        self._apply(self.engine.ipsec_traffic(self.env.now, pair, inbound=False))

    def _esp_drop(self, reason: str, packet: Packet, spi: int | None, text: str | None) -> None:
        self.esp_drops[reason] = self.esp_drops.get(reason, 0) + 1
        self._events.emit(self.env.now, self.device.name, "drop",
                                    reason=f"esp-{reason}", spi=spi,
                                    src=_dotted(packet.src), dst=_dotted(packet.dst), protocol=50)
        if text:
            self.device.print_async([(True, text)])

    def _on_natt(self, packet: Any, iface: Any) -> None:
        """UDP 4500 (RFC 3948 §2.2-2.3): IKE behind the non-ESP marker goes to the engine,
        ESP to the data path; NAT-keepalives are discarded (§2.3), anything else dropped. With
        ISAKMP off (no crypto map) nothing listens on 4500, as on 500."""
        if not self.isakmp_on:
            self._on_datagram(packet, iface)           # the "isakmp-off" drop
            return
        found = classify(packet.payload.data)
        if found.kind == "ike":
            self._on_datagram(packet, iface)           # the engine removes the marker
        elif found.kind == "esp":
            self._on_esp(packet, iface, found.body)
        else:
            self._events.emit(
                self.env.now, self.device.name, "drop",
                reason="natt-keepalive" if found.kind == "keepalive" else "natt-invalid",
                detail=found.reason or None, src=_dotted(packet.src), protocol=17,
                dport=NATT_PORT)

    def _on_esp(self, packet: Packet, iface: Any, udp_esp: bytes | None = None) -> None:
        if not self.isakmp_on and udp_esp is None:
            # guess: with no crypto map IOS has no IPsec to hand protocol 50 to and answers
            # like any unused protocol (as the network model does without a handler)
            self.node.drop("protocol-unreachable", packet, iface)
            self.node.icmp_error(packet, ICMP_UNREACHABLE, UNREACH_PROTOCOL)
            return
        esp = udp_esp if udp_esp is not None else (
            bytes(packet.payload) if isinstance(packet.payload, bytes | bytearray) else b"")
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
        transport = pair.inbound.transform.mode == "transport"
        try:
            next_header, payload = open_esp(pair.inbound, esp,
                                            None if transport else NEXT_HEADER_IPV4)
            if transport:    # the original header again, with the protocol ESP carried
                stub = Packet(packet.src, packet.dst, next_header, packet.ttl, b"",
                              IP_HEADER_LEN + len(payload), packet.ident)
                payload = encode_header(stub, len(payload)) + payload
            inner = decode_packet(payload)
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
        now = self.env.now
        self._events.emit_record(now, self.device.name, "esp", {
            "direction": "in", "spi": spi, "esp_seq": pair.inbound.replay_top, "peer": src,
            "inner": inner.summary()})
        self._apply(self.engine.ipsec_traffic(now, pair, inbound=True))
        protector = self._by_map.get(pair.map_name)
        tunnels = self.node.tunnels
        if protector is not None and tunnels is not None:
            tunnels.deliver(self.node.interfaces[protector.name], inner)
            return
        self.node.receive(inner, iface)

