"""Two engines with a PAT device between them (loopback), as in the lab of trace 05: the
initiator SITE-A (inside 100.64.1.2) is seen by HQ (61.128.1.1) as 103.1.1.1, UDP 500 -> 512
and 4500 -> 4501."""

from __future__ import annotations

import ipaddress
import random
from dataclasses import replace

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ike.sa import Datagram
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords


def ip(text: str) -> int:
    return int(ipaddress.IPv4Address(text))


SITE_A, HQ, PUBLIC = ip("100.64.1.2"), ip("61.128.1.1"), ip("103.1.1.1")
NET_A, NET_HQ = ip("1.1.1.0"), ip("3.3.3.0")
M24 = 0xFFFFFF00
PROXY_A = Proxy(NET_A, M24, NET_HQ, M24)
PAT_PORTS = {500: 512, 4500: 4501}


class Pat:
    """A PAT device: SITE-A's datagrams leave as PUBLIC with mapped ports; HQ's answers to
    PUBLIC come back to SITE-A. ``expired`` drops everything coming back (a mapping that
    timed out); ``blocked`` drops UDP to the given destination ports."""

    def __init__(self, ports: dict[int, int] | None = None,
                 blocked: frozenset[int] = frozenset()) -> None:
        self.ports = dict(PAT_PORTS if ports is None else ports)
        self.back = {v: k for k, v in self.ports.items()}
        self.blocked = blocked
        self.expired = False

    def __call__(self, now: float, d: Datagram) -> Datagram | None:
        if d.dport in self.blocked:
            return None
        if d.src == SITE_A:
            return replace(d, src=PUBLIC, sport=self.ports.get(d.sport, d.sport))
        if d.dst == PUBLIC:
            if self.expired or d.dport not in self.back:
                return None
            return replace(d, dst=SITE_A, dport=self.back[d.dport])
        return d


def crypto(peer: int, **extra: object) -> CryptoConfig:
    config = CryptoConfig(policies={10: IsakmpPolicy(10, encryption="3des", hash="sha",
                                                     authentication="pre-share", group=2,
                                                     lifetime=6000)},
                          keys=[PresharedKey("cisco", ipaddress.IPv4Address(peer))])
    for name, value in extra.items():
        setattr(config, name, value)
    return config


def policy(peer: int, proxy: Proxy) -> Phase2Policy:
    return Phase2Policy("VPN", 10, peer, (("TS", from_keywords(["esp-3des", "esp-sha-hmac"])),),
                        (proxy,), None, 3600, 4608000, "GigabitEthernet1")


def nat_lab(*, profile: str = "iosxe", pat: Pat | None = None, site: dict | None = None,
            hq: dict | None = None, hq_profile: str | None = None) -> Loopback:
    """SITE-A behind ``pat`` (None: a plain PAT) initiating to HQ. HQ's key is for PUBLIC (the
    address it sees), SITE-A's for HQ."""
    ea = IsakmpEngine(crypto=crypto(HQ, **(site or {})), profile=PROFILES[profile],
                      rng=random.Random(5), local_addresses=[SITE_A])
    eb = IsakmpEngine(crypto=crypto(PUBLIC, **(hq or {})),
                      profile=PROFILES[hq_profile or profile], rng=random.Random(6),
                      local_addresses=[HQ])
    ea.set_phase2_policies([policy(HQ, PROXY_A)])
    eb.set_phase2_policies([policy(PUBLIC, PROXY_A.mirrored())])
    return Loopback({SITE_A: ea, HQ: eb}, translate=pat if pat is not None else Pat())


def up(lb: Loopback, until: float = 2.0) -> Loopback:
    lb.request_ipsec(SITE_A, policy(HQ, PROXY_A), PROXY_A)
    lb.run(until)
    return lb
