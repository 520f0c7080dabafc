"""The data path of dynamic crypto map entries (`crypto map M N ipsec-isakmp dynamic D`).

A dynamic entry is a template the peer's offer fills in; it cannot initiate (Cisco PIX
Firewall and VPN Configuration Guide 78-15033-01, "Using Dynamic Crypto Maps", the crypto map
model IOS shares: "Dynamic crypto maps can only be used for negotiating SAs with remote peers
that initiate the connection"). Once the router accepted an offer it installs the negotiated
proxies as a temporary entry: outbound traffic they cover is encrypted with that SA. Traffic a
dynamic entry's ACL permits without an SA is dropped ("if outbound traffic matches a permit
statement in an access list and the corresponding security association is not yet
established, the PIX Firewall will drop the traffic"); an entry without an ACL claims only
what its SAs cover.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.ike.quick import Phase2Policy
from ikesim.ipsec.sa import IpsecSaPair
from ikesim.net.addr import int_to_ip
from ikesim.net.packet import Packet

if TYPE_CHECKING:
    from ikesim.ios.crypto import CryptoService
    from ikesim.ios.crypto_map import MapClassifier


class DynamicSas:
    """The SA pairs one router made through dynamic entries, by crypto map."""

    __slots__ = ("service", "pairs")

    def __init__(self, service: CryptoService) -> None:
        self.service = service
        self.pairs: dict[str, list[IpsecSaPair]] = {}

    def refresh(self, policies: list[Phase2Policy]) -> None:
        """SA pairs came or went: the temporary entries are the live pairs of dynamic
        entries."""
        entries = {(p.map_name, p.sequence) for p in policies if p.dynamic}
        self.pairs = {}
        if entries:
            for pair in self.service.engine.ipsec_pairs():
                if (pair.map_name, pair.map_sequence) in entries:
                    self.pairs.setdefault(pair.map_name, []).append(pair)

    def egress(self, classifier: MapClassifier, packet: Packet, iface: Any,
               sport: int | None, dport: int | None, icmp_type: int | None) -> bool:
        """A packet no static entry of the map claims: True when it was consumed (encrypted
        under a dynamic entry's SA, or dropped because a dynamic ACL claims it)."""
        if not classifier.dynamic:
            return False
        service = self.service
        for pair in reversed(self.pairs.get(classifier.map_name, ())):
            if not pair.deleted and pair.proxy.permits(packet.src, packet.dst):
                service.encapsulate(packet, pair)
                return True
        if not classifier.dynamic_claims(packet.src, packet.dst, packet.protocol, sport, dport,
                                         icmp_type):
            return False
        service.device.lab.events.emit(
            service.env.now, service.device.name, "drop", reason="crypto-no-ipsec-sa",
            interface=iface.name, src=int_to_ip(packet.src), dst=int_to_ip(packet.dst),
            protocol=packet.protocol,
            map=f"{classifier.map_name} {classifier.dynamic[0].sequence}", peer="dynamic")
        return True


__all__ = ["DynamicSas"]
