"""Bounded work per message (issue 13): the audit's hostile 61 KB MM1 (2,550 transforms in 10
proposals) costs the engine less than decoding it would — RFC 2409 §5 allows one proposal in a
phase-1 SA payload, and that is read from the raw octets before anything is decoded.

Figures: the engine's cost for that MM1 (target < 10 ms), the baseline of decoding the same
bytes with the codec alone, their ratio; and, for scale, a legal single proposal of 255
transforms (the one-octet count's maximum) checked against 10 policies, against its decode.
CPU time (process time), medians over rounds, measured alternately in one run.

    python3 -m bench.engine_hostile [--quick]
"""

from __future__ import annotations

import ipaddress
import random
import statistics
import sys
import time
from collections.abc import Callable

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.isakmp import (
    Attribute,
    Header,
    Message,
    Proposal,
    SaPayload,
    Transform,
    decode_message,
    encode_message,
)

PEER = int(ipaddress.IPv4Address("203.0.113.7"))
LOCAL = int(ipaddress.IPv4Address("192.0.2.1"))


def hostile_mm1(proposals: int = 10, transforms: int = 255, icookie: bytes = b"\x42" * 8
                ) -> bytes:
    """2,550 four-attribute transforms (3DES/SHA/group 2/pre-share): 61 KB."""
    attrs = [Attribute(1, 5, tv=True), Attribute(2, 2, tv=True), Attribute(4, 2, tv=True),
             Attribute(3, 1, tv=True)]
    sa = SaPayload([Proposal(p + 1, 1, b"", [Transform(t + 1, 1, attrs)
                                             for t in range(transforms)])
                    for p in range(proposals)])
    return encode_message(Message(Header(icookie, bytes(8), 0, 2), [sa]))


def responder(policies: int = 10) -> IsakmpEngine:
    """Ten AES policies (none matches the 3DES offer: every transform is checked)."""
    crypto = CryptoConfig(
        policies={p: IsakmpPolicy(p, "aes256", "sha256", "pre-share", 14, 3600 + p)
                  for p in range(1, policies + 1)},
        keys=[PresharedKey("k", ipaddress.IPv4Address(PEER))])
    return IsakmpEngine(crypto=crypto, profile=PROFILES["ios12"], rng=random.Random(1))


def _cpu(fn: Callable[[], object], repeat: int) -> float:
    start = time.process_time()
    for _ in range(repeat):
        fn()
    return (time.process_time() - start) / repeat


def run(quick: bool = False) -> dict:
    rounds, repeat = (3, 3) if quick else (9, 10)
    big = hostile_mm1()
    single = hostile_mm1(1, 255)
    engine, refuser = responder(), responder()
    counter = [0]

    def engine_big() -> object:
        out = refuser.receive(0.0, big, PEER, 500, LOCAL, 500)
        assert [e.kind for e in out.events] == ["rx", "bad_message"] and not refuser.sas()
        return out

    def engine_single() -> object:
        counter[0] += 1      # a fresh cookie each time: a new SA, checked and refused
        data = counter[0].to_bytes(8, "big") + single[8:]
        return engine.receive(0.0, data, PEER, 500, LOCAL, 500)

    cases = {"hostile MM1 (engine)": (engine_big, repeat * 10),
             "hostile MM1 (codec decode)": (lambda: decode_message(big), repeat),
             "255-transform MM1 (engine)": (engine_single, repeat),
             "255-transform MM1 (codec decode)": (lambda: decode_message(single), repeat)}
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(rounds):
        for name, (fn, n) in cases.items():
            samples[name].append(_cpu(fn, n))
    ms = {name: statistics.median(v) * 1e3 for name, v in samples.items()}
    events = len(engine.receive(0.0, b"\x01" * 8 + single[8:], PEER, 500, LOCAL, 500).events)
    return {
        "hostile MM1 octets": len(big),
        "hostile MM1: engine ms (< 10)": ms["hostile MM1 (engine)"],
        "hostile MM1: codec decode ms": ms["hostile MM1 (codec decode)"],
        "hostile MM1: decode / engine (x faster)": ms["hostile MM1 (codec decode)"]
        / ms["hostile MM1 (engine)"],
        "255 transforms x 10 policies: engine ms": ms["255-transform MM1 (engine)"],
        "255 transforms: codec decode ms": ms["255-transform MM1 (codec decode)"],
        "255 transforms: engine / decode": ms["255-transform MM1 (engine)"]
        / ms["255-transform MM1 (codec decode)"],
        "255 transforms x 10 policies: events": events,
    }


if __name__ == "__main__":
    for key, value in run("--quick" in sys.argv).items():
        print(f"{key:<42} {value:,.5f}" if isinstance(value, float) else f"{key:<42} {value}")
