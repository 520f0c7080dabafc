"""Engine pairs authenticating with RSA signatures: each router holds lab-PKI credentials
(``ikesim.pki``) for its trustpoints and has a clock."""

from __future__ import annotations

import datetime as dt
import ipaddress
import random

from ikesim.ike.auth_rsa import RouterPki
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPeer, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.pki import CERT_ISSUED, LAB_EPOCH, enroll

A = int(ipaddress.IPv4Address("192.0.2.10"))
B = int(ipaddress.IPv4Address("198.51.100.1"))
SEED = 11


def rsa_policy(hash_kw: str = "sha", group: int = 2) -> IsakmpPolicy:
    return IsakmpPolicy(10, encryption="aes128", hash=hash_kw, authentication="rsa-sig",
                        group=group)


def crypto(name: str, identity: str = "hostname", *, aggressive_to: int | None = None,
           policies: tuple[IsakmpPolicy, ...] = ()) -> CryptoConfig:
    pols = policies or (rsa_policy(),)
    c = CryptoConfig(policies={p.priority: p for p in pols}, identity=identity,
                     local_fqdn=f"{name.lower()}.lab")
    if aggressive_to is not None:       # a key-less peer entry makes it initiate aggressive mode
        c.peers = [IsakmpPeer(address=ipaddress.IPv4Address(aggressive_to),
                              aggressive_client_endpoint=f"fqdn {name.lower()}.lab")]
        c.keys = [PresharedKey("unused", ipaddress.IPv4Address(aggressive_to))]
    return c


def pki(name: str, trustpoints: tuple[str, ...] = ("LAB",), *, clock: dt.datetime = LAB_EPOCH,
        issued: dt.datetime = CERT_ISSUED, lifetime_days: int = 365,
        enrolled_as: str | None = None) -> RouterPki:
    creds = tuple(enroll(SEED, name, tp, enrolled_as or f"{name.lower()}.lab", issued=issued,
                         lifetime_days=lifetime_days) for tp in trustpoints)
    return RouterPki(creds, clock)


def lab(ci: CryptoConfig, cr: CryptoConfig, pki_i: RouterPki | None, pki_r: RouterPki | None,
        drop=None, seeds: tuple[int, int] = (21, 22)) -> Loopback:
    p = PROFILES["ios15"]
    ea = IsakmpEngine(crypto=ci, profile=p, rng=random.Random(seeds[0]), local_addresses=[A])
    eb = IsakmpEngine(crypto=cr, profile=p, rng=random.Random(seeds[1]), local_addresses=[B])
    ea.set_pki(pki_i)
    eb.set_pki(pki_r)
    return Loopback({A: ea, B: eb}, drop=drop)
