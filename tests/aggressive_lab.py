"""Aggressive-mode engine pairs for the tests: a spoke that initiates aggressive mode with an
identity of its choice (`crypto isakmp peer` + `set aggressive-mode …`) and a hub that looks
the key up by that identity."""

from __future__ import annotations

import ipaddress
import random

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPeer, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES

A = int(ipaddress.IPv4Address("192.0.2.10"))
B = int(ipaddress.IPv4Address("198.51.100.1"))
ANY = ipaddress.IPv4Address("0.0.0.0")


def policy(enc: str = "aes128", hash_kw: str = "sha", group: int = 2) -> IsakmpPolicy:
    return IsakmpPolicy(10, encryption=enc, hash=hash_kw, authentication="pre-share", group=group)


def spoke(endpoint: str | None = "fqdn spoke1.lab", password: str = "letmein",
          *pols: IsakmpPolicy) -> CryptoConfig:
    pols = pols or (policy(),)
    return CryptoConfig(policies={p.priority: p for p in pols},
                        peers=[IsakmpPeer(address=ipaddress.IPv4Address(B),
                                          aggressive_password=password,
                                          aggressive_client_endpoint=endpoint)])


def hub(*keys: PresharedKey, pols: tuple[IsakmpPolicy, ...] = (), **extra) -> CryptoConfig:
    pols = pols or (policy(),)
    return CryptoConfig(policies={p.priority: p for p in pols}, keys=list(keys), **extra)


def hostname_key(name: str, key: str = "letmein") -> PresharedKey:
    return PresharedKey(key, ANY, ANY, hostname=name)


def lab(ci: CryptoConfig, cr: CryptoConfig, drop=None, platform: str = "ios15") -> Loopback:
    p = PROFILES[platform]
    return Loopback({A: IsakmpEngine(crypto=ci, profile=p, rng=random.Random(7),
                                     local_addresses=[A]),
                     B: IsakmpEngine(crypto=cr, profile=p, rng=random.Random(8),
                                     local_addresses=[B])}, drop=drop)
