"""Run every benchmark and print its figures (``make bench`` / ``python -m bench``).

Each figure is a ratio against a floor measured in the same run on the same machine, so the
numbers compare across machines; absolute wall times are printed for context only.
``--quick`` runs small sizes (a sanity run for CI, not the acceptance figures); ``--only NAME``
runs the benchmarks whose title contains NAME.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable


def _benchmarks(quick: bool) -> dict[str, Callable[[], dict]]:
    from bench import (
        check_bench,
        config_bench,
        engine_hostile,
        engine_scaling,
        main_mode_bench,
        memory_bench,
        net_bench,
        net_build_bench,
        net_ospf_bench,
        seed_lab_bench,
        startup_bench,
        storm_bench,
        sweep_bench,
    )

    return {
        "network (issue 2)": lambda: net_bench.run(n_routers=100 if quick else 500,
                                                   sim_seconds=5.0 if quick else 20.0),
        "main mode vs direct-library floor (issue 3)": lambda: main_mode_bench.run(
            rounds=3 if quick else 20),
        "seed lab speed in-process (issues 4, 14)": lambda: seed_lab_bench.run(
            repeats=1 if quick else 20),
        "catalogue check -j 2 vs -j 1 (issue 5)": check_bench.run,
        "lab build per router, N=1000 vs N=100 (issue 14)": lambda: net_build_bench.run(
            pairs=3 if quick else 7),
        "engine: per-message cost, 10 vs many half-open SAs (issue 13)": lambda: (
            engine_scaling.run(quick)),
        "engine: hostile 61 KB MM1, 2,550 transforms (issue 13)": lambda: (
            engine_hostile.run(quick)),
        "OSPF lab converging (issue 9)": lambda: net_ospf_bench.run(20 if quick else 50),
        "peak memory, 24 h lab vs 1 h lab (issue 13)": lambda: memory_bench.run(
            6 if quick else 24),
        "storm of spokes vs direct-library floor (issue 14)": lambda: storm_bench.run(quick),
        "start-up: seed lab process vs --help (issue 14)": lambda: startup_bench.run(
            repeats=2 if quick else 5),
        "sweep parallel efficiency on Dask (issue 14)": lambda: sweep_bench.run(
            *((3, 10) if quick else (10, 100))),
        "config load vs split-and-lookup floor (issue 9)": lambda: config_bench.run(
            repeats=5 if quick else 20),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--only", default=None, metavar="NAME",
                        help="only the benchmarks whose title contains NAME")
    args = parser.parse_args(argv)

    results: dict[str, dict] = {}
    for title, bench in _benchmarks(args.quick).items():
        if args.only and args.only.lower() not in title.lower():
            continue
        results[title] = bench()
        if not args.json:
            _print(title, results[title])
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    return 0


def _print(title: str, figures: dict) -> None:
    print(f"== {title}", flush=True)
    for key, value in figures.items():
        shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" \
            if isinstance(value, int) else str(value)
        print(f"   {key:<52} {shown}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
