"""Per-message engine cost against the number of SAs (issue 13): a responder holding 10 or
10,000 half-open SAs (one per peer, as a flood of spoofed MM1s leaves them) handles

- a new MM1 (admission check, cookie index, policy check, MM2),
- a repeated MM1 of an existing SA (cookie lookup, duplicate handling),
- a retransmission timer of an existing SA,

and the ratio of the per-message cost at 10,000 to that at 10 is reported (target ≤ 1.5×),
in CPU time and in Python calls per message (the latter free of cache effects and noise).
The two engines are measured alternately in the same run; medians over rounds.

    python3 -m bench.engine_scaling [--quick]
"""

from __future__ import annotations

import ipaddress
import random
import statistics
import sys
import time
from collections.abc import Callable

from ikesim.ike import lifecycle, proposals
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.isakmp import Header, Message, encode_message

LOCAL = int(ipaddress.IPv4Address("192.0.2.1"))
FIRST_PEER = int(ipaddress.IPv4Address("10.0.0.0"))


def _crypto() -> CryptoConfig:
    policy = IsakmpPolicy(1, "aes128", "sha", "pre-share", 2)
    return CryptoConfig(policies={1: policy},
                        keys=[PresharedKey("k", ipaddress.IPv4Address("0.0.0.0"),
                                           ipaddress.IPv4Address("0.0.0.0"))])


def mm1(icookie: bytes) -> bytes:
    offer = proposals.initiator_sa([IsakmpPolicy(1, "aes128", "sha", "pre-share", 2)])
    return encode_message(Message(Header(icookie, bytes(8), 0, 2), [offer]))


def responder(half_open: int) -> tuple[IsakmpEngine, list[tuple[int, bytes]]]:
    """A responder with ``half_open`` SAs in MM_SA_SETUP, one per peer; their (peer, MM1)."""
    engine = IsakmpEngine(crypto=_crypto(), profile=PROFILES["ios12"], rng=random.Random(1))
    sas = []
    for n in range(half_open):
        peer, data = FIRST_PEER + n, mm1(n.to_bytes(8, "big"))
        if not engine.receive(0.0, data, peer, 500, LOCAL, 500).sends:
            raise RuntimeError("set-up MM1 not answered")
        sas.append((peer, data))
    assert engine.half_open() == half_open
    return engine, sas


def _time(engine: IsakmpEngine, fn: Callable[[], object], repeat: int) -> float:
    """CPU seconds per call (process time: the machine is shared); SAs the calls created are
    removed afterwards (untimed), so every batch starts from the same population."""
    before = engine._ctx.sadb.last_serial
    start = time.process_time()
    for _ in range(repeat):
        fn()
    elapsed = (time.process_time() - start) / max(repeat, 1)
    _drop_new(engine, before)
    return elapsed


def _drop_new(engine: IsakmpEngine, before: int) -> None:
    ctx = engine._ctx
    for serial in range(before + 1, ctx.sadb.last_serial + 1):
        sa = ctx.sadb.get(serial)
        if sa is not None:
            lifecycle.delete(ctx, 1.0, sa, "bench", notify_peer=False)
            lifecycle.purge(ctx, sa)


NEW_PEERS = int(ipaddress.IPv4Address("100.0.0.0"))


def _cases(engine: IsakmpEngine, sas: list[tuple[int, bytes]],
           counter: list[int]) -> dict[str, Callable[[], object]]:
    """The timed messages. "any SA" picks among all SAs (a flood's real access pattern: with
    10,000 SAs most are cold in the CPU caches); "same 10 SAs" picks among the first ten in
    both engines, which isolates the engine's own work from memory locality."""
    rng = random.Random(len(sas))

    def new_mm1() -> object:
        counter[0] += 1
        return engine.receive(1.0, mm1(b"\xff" + counter[0].to_bytes(7, "big")),
                              NEW_PEERS + counter[0], 500, LOCAL, 500)

    def repeated_mm1(pool: int) -> Callable[[], object]:
        def go() -> object:
            peer, data = sas[rng.randrange(pool)]
            return engine.receive(1.0, data, peer, 500, LOCAL, 500)
        return go

    def timer(pool: int) -> Callable[[], object]:
        def go() -> object:
            sa = engine.sa(1 + rng.randrange(pool))
            assert sa is not None and not sa.deleted
            key = ("retransmit", sa.serial)
            sa.deadlines[key], sa.resends = 0.5, 0   # due, never exhausted: the resend path
            return engine.timer_expired(1.0, key)
        return go

    return {"new MM1": new_mm1,
            "repeated MM1, same 10 SAs": repeated_mm1(10),
            "retransmit timer, same 10 SAs": timer(10),
            "repeated MM1, any SA": repeated_mm1(len(sas)),
            "retransmit timer, any SA": timer(len(sas))}


def run(quick: bool = False) -> dict:
    big_n = 2_000 if quick else 10_000
    rounds, batch = (3, 100) if quick else (9, 300)
    engines = {n: responder(n) for n in (10, big_n)}
    counters = {n: [0] for n in engines}
    cases = {n: _cases(*engines[n], counters[n]) for n in engines}
    samples: dict[tuple[int, str], list[float]] = {}
    for _ in range(rounds):
        for name in cases[10]:
            for n in engines:                       # interleaved: drift hits both alike
                samples.setdefault((n, name), []).append(
                    _time(engines[n][0], cases[n][name], batch))
    out: dict[str, float | int] = {"half-open SAs (large)": big_n}
    worst = 0.0
    for name in cases[10]:
        small = statistics.median(samples[(10, name)])
        large = statistics.median(samples[(big_n, name)])
        out[f"{name}: µs at 10 SAs"] = small * 1e6
        out[f"{name}: µs at {big_n} SAs"] = large * 1e6
        out[f"{name}: ratio"] = large / small
        if "any SA" not in name:
            worst = max(worst, large / small)
    out["worst ratio, engine work (target ≤ 1.5)"] = worst
    # The same in interpreter work, free of cache effects and machine noise: Python calls per
    # message (equal when no code path scans the SAs).
    for name in cases[10]:
        calls = [_calls(engines[n][0], cases[n][name], 200) for n in engines]
        out[f"{name}: calls/message ratio"] = calls[1] / calls[0]
    return out


def _calls(engine: IsakmpEngine, fn: Callable[[], object], repeat: int) -> int:
    count = [0]
    before = engine._ctx.sadb.last_serial

    def tracer(frame: object, event: str, arg: object) -> None:
        if event in ("call", "c_call"):
            count[0] += 1

    sys.setprofile(tracer)
    try:
        for _ in range(repeat):
            fn()
    finally:
        sys.setprofile(None)
    _drop_new(engine, before)
    return count[0]


if __name__ == "__main__":
    for key, value in run("--quick" in sys.argv).items():
        print(f"{key:<40} {value:,.3f}" if isinstance(value, float) else f"{key:<40} {value}")
