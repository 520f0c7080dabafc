"""Main-mode benchmark (issue 3): one complete main mode between two ``IsakmpEngine``s driven
directly (sans-I/O), and one through the lab (``Runtime`` on scenarios/main-mode-lab.yaml until
both routers are QM_IDLE), against the bare crypto of a main mode made
with the libraries directly (``bench.direct_floor.main_mode``: ``cryptography``, ``hashlib``,
``hmac``, no ikesim code) measured in the same run.

    python3 -m bench.main_mode_bench [ROUNDS] [--profile]

Each round times them in turn (interleaved, so machine drift hits them alike); the figures are
medians over the rounds, the ratios median/median (target: engine ≤ 1.25 × floor).

Same inputs: the floor draws 256-bit DH private values, as the engine does (DH_PRIVATE_LEN
octets), so both do the same modular exponentiations.
"""

from __future__ import annotations

import copy
import cProfile
import ipaddress
import pstats
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench import direct_floor
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import QM_IDLE, Datagram
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.model import Scenario
from ikesim.scenario.runner import Runtime

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "main-mode-lab.yaml"
PSK = "cisco123"
A = int(ipaddress.IPv4Address("10.10.10.2"))
B = int(ipaddress.IPv4Address("11.11.11.2"))
LAB_UNTIL = 5.1          # the scenario initiates at 5 s; main mode takes 20 ms of lab time
# (label, IOS encryption, IOS hash, group); bench.direct_floor.SUITES has the same algorithms
CASES = (("g2", "3des", "sha", 2), ("g14", "aes256", "sha256", 14))


def _crypto(peer: int, encryption: str, hash_: str, group: int) -> CryptoConfig:
    return CryptoConfig(
        policies={1: IsakmpPolicy(1, encryption, hash_, "pre-share", group)},
        keys=[PresharedKey(PSK, ipaddress.IPv4Address(peer))])


def engine_pair(encryption: str, hash_: str, group: int,
                seed: int = 0) -> tuple[IsakmpEngine, IsakmpEngine]:
    profile = PROFILES["ios12"]
    return (IsakmpEngine(crypto=_crypto(B, encryption, hash_, group), profile=profile,
                         rng=random.Random(seed), local_addresses=[A]),
            IsakmpEngine(crypto=_crypto(A, encryption, hash_, group), profile=profile,
                         rng=random.Random(seed + 1), local_addresses=[B]))


def engine_main_mode(initiator: IsakmpEngine, responder: IsakmpEngine) -> int:
    """Drive one main mode to completion by handing each datagram to the other engine (timers
    ignored). Returns the number of datagrams exchanged; raises if it does not complete."""
    engines = {A: initiator, B: responder}
    queue: list[Datagram] = list(initiator.initiate(0.0, A, B).sends)
    exchanged = 0
    while queue:
        d = queue.pop(0)
        exchanged += 1
        queue.extend(engines[d.dst].receive(0.0, d.data, d.src, d.sport, d.dst, d.dport).sends)
    sa_i, sa_r = initiator.established_sa(B), responder.established_sa(A)
    if sa_i is None or sa_r is None or sa_i.cipher_key != sa_r.cipher_key:
        raise RuntimeError("engine main mode did not complete")
    return exchanged


def lab_scenario(encryption: str, hash_: str, group: int) -> Scenario:
    sc = load_scenario(SCENARIO)
    for name in ("RT1", "RT2"):
        policy = sc.devices[name].config.crypto.policies[1]
        policy.encryption, policy.hash, policy.group = encryption, hash_, group
    return sc


def lab_main_mode(sc: Scenario) -> Runtime:
    """Build the lab and run it until main mode has completed (both SAs QM_IDLE)."""
    rt = Runtime(sc)
    rt.run(LAB_UNTIL)
    for name, peer in (("RT1", B), ("RT2", A)):
        sa = rt.devices[name].crypto.engine.established_sa(peer)
        if sa is None or sa.state != QM_IDLE:
            raise RuntimeError(f"lab main mode did not complete on {name}")
    return rt


def _timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(encryption: str, hash_: str, group: int, rounds: int) -> dict[str, float]:
    base = lab_scenario(encryption, hash_, group)
    suite = direct_floor.SUITES[group]
    # warm-up: imports, group tables, OpenSSL named-group lookups
    direct_floor.main_mode(suite, 0)
    engine_main_mode(*engine_pair(encryption, hash_, group))
    lab_main_mode(copy.deepcopy(base))
    floor, engine, lab = [], [], []
    for i in range(rounds):
        floor.append(_timed(lambda: direct_floor.main_mode(suite, i)))   # noqa: B023
        pair = engine_pair(encryption, hash_, group, seed=2 * i)   # fresh SAs every round
        engine.append(_timed(lambda: engine_main_mode(*pair)))     # noqa: B023 (called now)
        sc = copy.deepcopy(base)
        lab.append(_timed(lambda: lab_main_mode(sc)))               # noqa: B023 (called now)
    f, e, la = (statistics.median(x) for x in (floor, engine, lab))
    return {"floor_ms": f * 1e3, "engine_ms": e * 1e3, "lab_ms": la * 1e3,
            "floor_best_ms": min(floor) * 1e3, "engine_best_ms": min(engine) * 1e3,
            "engine_ratio": e / f, "lab_ratio": la / f}


def run(rounds: int = 20) -> dict:
    """Figures for groups 2 and 14: median wall times (ms) and ratios to the crypto floor."""
    figures: dict[str, float | int | str] = {"rounds": rounds}
    for label, encryption, hash_, group in CASES:
        figures[f"{label} algorithms"] = f"{encryption}/{hash_}/group {group}"
        for key, value in measure(encryption, hash_, group, rounds).items():
            figures[f"{label} {key}"] = round(value, 3)
    figures["engine_ratio_target"] = 1.25
    return figures


def profile(encryption: str = "aes256", hash_: str = "sha256", group: int = 14,
            rounds: int = 20) -> str:
    """cProfile of ``rounds`` engine main modes: the top functions by cumulative time."""
    pairs = [engine_pair(encryption, hash_, group, seed=2 * i) for i in range(rounds)]
    prof = cProfile.Profile()
    prof.enable()
    for pair in pairs:
        engine_main_mode(*pair)
    prof.disable()
    import io

    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(25)
    return buf.getvalue()


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 20
    if "--profile" in sys.argv:
        print(profile(rounds=n))
    for k, v in run(n).items():
        print(f"{k:<40} {v}")
