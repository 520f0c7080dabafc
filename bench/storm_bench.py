"""Storm of N spokes against one hub (issue 14): time above the direct-library floor, for the
bare engines and for the whole lab, and memory per established SA.

    python -m bench.storm_bench [N ...] [--group 2|14] [--quick-mode] [--profile]

Time: ``engine`` is ``bench.storm_lab.run_engine_storm`` (hub + N spoke engines, no network),
``lab`` is ``Runtime.run`` of ``storm_scenario`` (the build is timed apart: ``build_s``), with the event stream not kept (``EventLog(keep=False)``, as long
runs use it). The
floor is ``bench.direct_floor.tunnel`` for every spoke (the floor has no shared state, so it is
measured on up to ``FLOOR_SAMPLE`` spokes and scaled to N); it is measured just before and just
after each timed run and the mean taken, so machine drift on a shared box hits both alike.

Memory: tracemalloc over the lab run after the build, the retained growth split into what the
crypto calls allocated (``ikesim/crypto``, ``cryptography``, ``hashlib``/``hmac``: keys, DH values,
ciphertexts) and the rest (SA records, timers, indexes, event record), per spoke; once with the
event record kept (as ``ikesim run`` keeps it) and once streamed (each event handed to its
subscribers and dropped).
"""

from __future__ import annotations

import cProfile
import gc
import io
import pstats
import sys
import time
import tracemalloc
from collections.abc import Callable

from bench import direct_floor
from bench.storm_lab import build_engine_storm, run_engine_storm, storm_scenario
from ikesim.net.events import EventLog, SimEvent
from ikesim.scenario.runner import Runtime

FLOOR_SAMPLE = 200
ECHOES = 4
_CRYPTO_FILES = ("/ikesim/crypto/", "/cryptography/", "/hashlib.py", "/hmac.py",
                 "bench/direct_floor.py")


class _Clock:
    """Wall and CPU seconds of one measured stretch. On a shared machine a process waiting
    for a core loses wall time but not CPU time, so the CPU ratio is the steadier figure."""

    def __init__(self, wall: float = 0.0, cpu: float = 0.0) -> None:
        self.wall, self.cpu = wall, cpu

    @classmethod
    def of(cls, fn: Callable[[], object]) -> _Clock:
        wall, cpu = time.perf_counter(), time.process_time()
        fn()
        return cls(time.perf_counter() - wall, time.process_time() - cpu)

    def __add__(self, other: _Clock) -> _Clock:
        return _Clock(self.wall + other.wall, self.cpu + other.cpu)

    def scaled(self, factor: float) -> _Clock:
        return _Clock(self.wall * factor, self.cpu * factor)


def _floor(group: int, n: int, quick: bool) -> _Clock:
    """Seconds the direct-library floor takes for ``n`` spokes."""
    sample = min(n, FLOOR_SAMPLE)

    def spokes() -> None:
        for i in range(sample):
            direct_floor.tunnel(group, i, quick=quick, echoes=ECHOES)

    return _Clock.of(spokes).scaled(n / sample)


def _timed(fn: Callable[[], object]) -> _Clock:
    return _Clock.of(fn)


class _Outcome:
    """Counts, from the event stream, what the storm must have achieved."""

    def __init__(self) -> None:
        self.established = self.esp_in = 0

    def __call__(self, event: SimEvent) -> None:
        if event.device != "HUB":
            return
        if event.kind == "ike" and event.fields.get("event") == "phase1_complete":
            self.established += 1
        elif event.kind == "esp" and event.fields.get("direction") == "in":
            self.esp_in += 1

    def check(self, n: int, quick: bool) -> None:
        if quick and self.esp_in < n * ECHOES:
            raise RuntimeError(f"lab storm: {self.esp_in} ESP echoes reached the hub, "
                               f"want {n * ECHOES}")
        if self.established < n:
            raise RuntimeError(f"lab storm: {self.established} of {n} spokes established")


def _runtime(group: int, n: int, quick: bool, *, keep: bool) -> tuple[Runtime, _Outcome]:
    outcome = _Outcome()
    events = EventLog(keep=keep)
    events.subscribe(outcome, kinds=("ike", "esp"))    # what the check counts
    return Runtime(storm_scenario(group, n, quick=quick, echoes=ECHOES), events=events), outcome


def _engine_time(group: int, n: int, quick: bool) -> _Clock:
    storm = build_engine_storm(group, n)
    return _timed(lambda: run_engine_storm(storm, quick=quick, echoes=ECHOES))


def measure_time(group: int, n: int, quick: bool, *, lab: bool = True) -> dict[str, float]:
    """Wall-time figures (``*_s``, ``*_ratio``) and the same in CPU time (``*_cpu``)."""
    direct_floor.tunnel(group, 0, quick=quick, echoes=ECHOES)        # warm-up
    figures: dict[str, float] = {}
    before = _floor(group, n, quick)
    engine = _engine_time(group, n, quick)
    floor = (before + _floor(group, n, quick)).scaled(0.5)
    figures.update(floor_s=floor.wall, engine_s=engine.wall, engine_ratio=engine.wall / floor.wall,
                   engine_ratio_cpu=engine.cpu / floor.cpu)
    if lab:
        gc.collect()
        rt_outcome: list[tuple[Runtime, _Outcome]] = []
        build = _timed(lambda: rt_outcome.append(_runtime(group, n, quick, keep=False)))
        rt, outcome = rt_outcome[0]
        before = _floor(group, n, quick)
        run = _timed(rt.run)
        floor_lab = (before + _floor(group, n, quick)).scaled(0.5)
        outcome.check(n, quick)
        figures.update(build_s=build.wall, build_ms_per_router=build.wall * 1e3 / (n + 2),
                       build_cpu_ms_per_router=build.cpu * 1e3 / (n + 2),
                       lab_s=run.wall, lab_ratio=run.wall / floor_lab.wall,
                       lab_ratio_cpu=run.cpu / floor_lab.cpu)
    return figures


def _split(before: tracemalloc.Snapshot, after: tracemalloc.Snapshot) -> tuple[int, int]:
    crypto = other = 0
    for stat in after.compare_to(before, "filename"):
        name = stat.traceback[0].filename
        if any(part in name for part in _CRYPTO_FILES):
            crypto += stat.size_diff
        else:
            other += stat.size_diff
    return crypto, other


def measure_memory(group: int, n: int, quick: bool, *, streamed: bool) -> dict[str, float]:
    """Bytes retained per spoke by the lab run (after the build), crypto objects apart."""
    rt, outcome = _runtime(group, n, quick, keep=not streamed)
    gc.collect()
    tracemalloc.start(1)
    before = tracemalloc.take_snapshot()
    rt.run()
    gc.collect()
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    outcome.check(n, quick)
    crypto, other = _split(before, after)
    return {"crypto_B_per_spoke": crypto / n, "other_B_per_spoke": other / n}


def profile(group: int, n: int, quick: bool, *, lab: bool) -> str:
    prof = cProfile.Profile()
    if lab:
        rt, _ = _runtime(group, n, quick, keep=False)
        prof.runcall(rt.run)
    else:
        storm = build_engine_storm(group, n)
        prof.runcall(lambda: run_engine_storm(storm, quick=quick, echoes=ECHOES))
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("tottime").print_stats(30)
    return buf.getvalue()


if __name__ == "__main__":
    args = sys.argv[1:]
    group = int(args[args.index("--group") + 1]) if "--group" in args else 2
    quick_mode = "--quick-mode" in args
    sizes = [int(a) for a in args if a.isdigit() and a != str(group)] or [100]
    for size in sizes:
        if "--profile" in args:
            print(profile(group, size, quick_mode, lab="--engine" not in args))
            continue
        print(size, measure_time(group, size, quick_mode))


def _key(group: int, quick: bool, n: int) -> str:
    return f"g{group} {'qm' if quick else 'mm'} N={n}"


def run(quick: bool = False) -> dict[str, float | int | str]:
    """All storm figures. Full: N = 100 and 1,000 for groups 2 and 14, main mode and quick
    mode + pings; N = 10,000 for group 2 main mode (its lab only when the lab build is linear,
    else the projected build time is reported instead); memory at each N. ``quick``: N = 20
    and 100 (a sanity run, not the acceptance figures)."""
    sizes = (20, 100) if quick else (100, 1000)
    figures: dict[str, float | int | str] = {"floor": "bench.direct_floor (libraries directly)"}
    for group in (2, 14):
        for quick_mode in (False, True):
            for n in sizes:
                m = measure_time(group, n, quick_mode)
                key = _key(group, quick_mode, n)
                figures[f"{key} engine_ratio"] = round(m["engine_ratio"], 3)
                figures[f"{key} lab_ratio"] = round(m["lab_ratio"], 3)
                figures[f"{key} engine/lab ratio (CPU time)"] = \
                    f"{m['engine_ratio_cpu']:.3f} / {m['lab_ratio_cpu']:.3f}"
                figures[f"{key} floor_s"] = round(m["floor_s"], 3)
                figures[f"{key} build_ms_per_router"] = round(m["build_ms_per_router"], 3)
    small, large = sizes
    per_router = [figures[f"{_key(2, False, n)} build_ms_per_router"] for n in sizes]
    linear = float(per_router[1]) <= 1.5 * float(per_router[0])
    figures["build per router large/small"] = round(float(per_router[1]) / float(per_router[0]),
                                                   3)
    memory_sizes = list(sizes)
    if not quick:
        huge = 10_000
        m = measure_time(2, huge, False, lab=linear)
        key = _key(2, False, huge)
        figures[f"{key} engine_ratio"] = round(m["engine_ratio"], 3)
        figures[f"{key} engine ratio / N={small}"] = round(
            m["engine_ratio"] / float(figures[f"{_key(2, False, small)} engine_ratio"]), 3)
        if linear:
            figures[f"{key} lab_ratio"] = round(m["lab_ratio"], 3)
            figures[f"{key} lab ratio / N={small}"] = round(
                m["lab_ratio"] / float(figures[f"{_key(2, False, small)} lab_ratio"]), 3)
            memory_sizes.append(huge)
        else:
            projected = float(per_router[1]) * (huge / large) * huge / 1e3
            figures[f"{key} lab"] = f"skipped: build not linear (projected {projected:,.0f} s)"
    for n in memory_sizes:
        for streamed in (False, True):
            tag = "events streamed" if streamed else "events kept"
            mm = measure_memory(2, n, False, streamed=streamed)
            qm = measure_memory(2, n, True, streamed=streamed)
            figures[f"mem N={n} B/ISAKMP SA beyond crypto ({tag})"] = round(
                mm["other_B_per_spoke"])
            figures[f"mem N={n} B/IPsec tunnel beyond crypto ({tag})"] = round(
                qm["other_B_per_spoke"] - mm["other_B_per_spoke"])
        figures[f"mem N={n} crypto B/spoke (mm, qm)"] = \
            f"{mm['crypto_B_per_spoke']:,.0f}, {qm['crypto_B_per_spoke']:,.0f}"
    figures["targets"] = ("N=1000 mm engine/lab <= 1.25, qm <= 1.5; N=10000/N=100 <= 1.1; "
                          "<= 8192 B/SA, <= 16384 B/tunnel")
    return figures
