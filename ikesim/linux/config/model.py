"""A Linux VPN gateway's configuration as plain data: what the parsers produce (one model for
both daemons) and what ``build`` turns into the network model's and the engine's data."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ikesim.ipsec.transforms import EspTransform

# RFC 2407 §4.6.2.1 identification types.
ID_IPV4_ADDR, ID_FQDN, ID_USER_FQDN = 1, 2, 3
DAEMONS = ("strongswan", "libreswan")


@dataclass(frozen=True, slots=True)
class Identity:
    """An IKE identity as configured (``id = …``, ``leftid=…``): an address, an FQDN
    (``@host.example.com`` or a dotted name) or an e-mail address; ``None`` kind = any."""

    kind: int                     # ID_IPV4_ADDR | ID_FQDN | ID_USER_FQDN
    value: str

    @property
    def wire(self) -> bytes:
        if self.kind == ID_IPV4_ADDR:
            return ipaddress.IPv4Address(self.value).packed
        return self.value.encode()

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class IkeProposal:
    """One phase-1 proposal (IKEv1: one transform): IOS-style keywords for the engine."""

    encryption: str               # "des" | "3des" | "aes128" | "aes192" | "aes256"
    hash: str                     # "md5" | "sha" | "sha256" | "sha384" | "sha512"
    group: int                    # MODP group number
    text: str = ""                # as written


@dataclass(frozen=True, slots=True)
class EspProposal:
    transform: EspTransform
    pfs_group: int | None = None
    text: str = ""


@dataclass(slots=True)
class Child:
    """``children { NAME { … } }`` (swanctl) or the subnets of a libreswan ``conn``."""

    name: str
    local_ts: list[ipaddress.IPv4Network] = field(default_factory=list)
    remote_ts: list[ipaddress.IPv4Network] = field(default_factory=list)
    esp: list[EspProposal] = field(default_factory=list)
    mode: str = "tunnel"
    start_action: str = "none"    # "none" | "trap" | "start"
    rekey_time: int = 3600
    life_time: int = 3960         # the lifetime offered in quick mode
    life_bytes: int = 0           # swanctl.conf(5) life_bytes (0: no volume limit)
    line: int = 0


@dataclass(frozen=True, slots=True)
class CharonTimers:
    """strongSwan's IKE_SA timers in seconds (swanctl.conf(5) rekey_time, reauth_time,
    over_time, rand_time); 0 = off."""

    rekey: int = 14400
    reauth: int = 0
    over: int = 1440
    rand: int = 1440

    def schedule(self, serial: int) -> tuple[int, int, int]:
        """An IKE_SA's schedule as ike_sa.c set_state() logs it: (rekey in, reauthentication
        in, maximum lifetime), 0 = none. peer_cfg.c get_rekey_time() and get_reauth_time()
        subtract a random share of rand_time (one draw each in charon)."""
        # guess: one fixed share per SA, derived from its serial, for both timers
        jitter = (serial * 2654435761) % (self.rand + 1) if self.rand else 0
        rekey = max(0, self.rekey - jitter) if self.rekey else 0
        reauth = max(0, self.reauth - jitter) if self.reauth else 0
        first = min(x for x in (rekey, reauth) if x) if rekey or reauth else 0
        return rekey, reauth, first + self.over if first else 0


@dataclass(slots=True)
class Connection:
    name: str
    local_addrs: list[ipaddress.IPv4Address] = field(default_factory=list)
    remote_addrs: list[ipaddress.IPv4Network] = field(default_factory=list)  # /32 or %any
    proposals: list[IkeProposal] = field(default_factory=list)
    local_id: Identity | None = None      # None: the local address
    remote_id: Identity | None = None     # None: any (the peer's address for PSK lookup)
    auth: str = "psk"
    ike_lifetime: int = 15840             # offered in MM1 (strongSwan: rekey + over time)
    keyingtries: int = 1
    aggressive: bool = False
    children: list[Child] = field(default_factory=list)
    # libreswan per-connection timers (retransmit-interval / retransmit-timeout), None = daemon
    retransmit_interval: float | None = None
    retransmit_timeout: float | None = None
    auto: str = ""                        # libreswan auto= (add, start, ondemand, route, ignore)
    rekey_margin: int = 540               # libreswan rekeymargin= (seconds before replacing)
    rekey_fuzz: int = 100                 # libreswan rekeyfuzz= (percent)
    rekey: bool = True                    # libreswan rekey= (no: SAs expire, not replaced)
    timers: CharonTimers = field(default_factory=CharonTimers)   # strongSwan
    line: int = 0


@dataclass(slots=True)
class Secret:
    """A pre-shared key and the identities it is for (none = any peer)."""

    secret: str
    ids: list[Identity] = field(default_factory=list)
    line: int = 0
    file: str = ""


@dataclass(slots=True)
class Address:
    """``ip addr add A/N dev IF``."""

    interface: str
    address: ipaddress.IPv4Interface
    line: int = 0


@dataclass(slots=True)
class Route:
    """``ip route add PREFIX [via GW] [dev IF] [metric N]``."""

    prefix: ipaddress.IPv4Network
    via: ipaddress.IPv4Address | None = None
    dev: str | None = None
    metric: int = 0
    line: int = 0


@dataclass(slots=True)
class LinuxConfig:
    hostname: str
    daemon: str                                    # "strongswan" | "libreswan"
    addresses: list[Address] = field(default_factory=list)
    routes: list[Route] = field(default_factory=list)
    links_down: set[str] = field(default_factory=set)    # `ip link set IF down`
    forwarding: bool = False                       # net.ipv4.ip_forward (kernel default 0)
    connections: list[Connection] = field(default_factory=list)
    secrets: list[Secret] = field(default_factory=list)
    kernel_ipsec: bool = True                      # the kernel has an ESP transform
    file: str = ""                                 # where the daemon configuration came from
    setup: dict[str, str] = field(default_factory=dict)   # libreswan `config setup`

    @property
    def interfaces(self) -> list[str]:
        return list(dict.fromkeys(a.interface for a in self.addresses))
