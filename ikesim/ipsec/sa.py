"""IPsec SA records (one per direction) and the pair quick mode creates (RFC 2409 §5.5)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ikesim.ipsec.transforms import EspTransform

REPLAY_WINDOW = 64          # RFC 4303 §3.4.3 (IOS default window)


@dataclass(frozen=True, slots=True)
class Proxy:
    """Proxy identities as seen from one router (ID_IPV4_ADDR_SUBNET, RFC 2407 §4.6.2.4):
    the local and remote networks/masks and the IP protocol (0 = any) and ports."""

    local_net: int
    local_mask: int
    remote_net: int
    remote_mask: int
    protocol: int = 0
    local_port: int = 0
    remote_port: int = 0
    # The hash the generated __hash__ would give, computed once: every interesting packet
    # looks a proxy up several times (SA pair, quick mode, pending request). Not compared,
    # not shown; a frozen object's fields never change, and replace() builds a new one.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_hash", hash((
            self.local_net, self.local_mask, self.remote_net, self.remote_mask,
            self.protocol, self.local_port, self.remote_port)))

    def __hash__(self) -> int:
        return self._hash

    def mirrored(self) -> Proxy:
        return Proxy(self.remote_net, self.remote_mask, self.local_net, self.local_mask,
                     self.protocol, self.remote_port, self.local_port)

    def covers(self, other: Proxy) -> bool:
        """Whether ``other``'s networks lie inside ours (IOS accepts a narrower offer)."""
        def inside(net: int, mask: int, onet: int, omask: int) -> bool:
            return (omask & mask) == mask and (onet & mask) == net & mask
        return (inside(self.local_net, self.local_mask, other.local_net, other.local_mask)
                and inside(self.remote_net, self.remote_mask, other.remote_net,
                           other.remote_mask)
                and self.protocol in (0, other.protocol))

    def permits(self, src: int, dst: int) -> bool:
        """Outbound traffic src → dst falls under these identities."""
        return ((src & self.local_mask) == self.local_net & self.local_mask
                and (dst & self.remote_mask) == self.remote_net & self.remote_mask)


@dataclass(eq=False)
class IpsecSa:
    """One direction of an ESP SA. ``inbound`` SAs carry the SPI this router chose."""

    spi: int
    inbound: bool
    src: int                         # outer source (the sender's peer address)
    dst: int
    transform: EspTransform
    enc_key: bytes
    auth_key: bytes
    lifetime_seconds: int
    lifetime_kb: int
    created_at: float
    conn_id: int = 0
    seq: int = 0                     # outbound: last sequence number sent
    replay_top: int = 0              # inbound: highest sequence number accepted
    replay_bitmap: int = 0           # bit i set = (replay_top - i) seen
    packets: int = 0
    octets: int = 0
    replay_drops: int = 0
    auth_failures: int = 0
    replay_window: int = REPLAY_WINDOW   # `crypto ipsec security-association replay
                                         #  window-size` (64 … 1024)


@dataclass(eq=False)
class IpsecSaPair:
    """The two SAs of one quick mode, with what `show crypto ipsec sa` needs around them."""

    local: int                       # our tunnel endpoint
    peer: int
    proxy: Proxy
    inbound: IpsecSa
    outbound: IpsecSa
    pfs_group: int | None
    map_name: str = ""
    map_sequence: int = 0
    isakmp_serial: int = 0
    message_id: int = 0
    deleted: bool = False
    errors: dict[str, int] = field(default_factory=dict)
    # UDP-encapsulated ESP (RFC 3948): the UDP ports ESP travels in (0: plain ESP, protocol 50)
    udp_sport: int = 0
    udp_dport: int = 0

    @property
    def udp_encapsulated(self) -> bool:
        return self.udp_sport != 0
