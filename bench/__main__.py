"""Run every benchmark and print its figures (``make bench`` / ``python -m bench``).

Each figure is a ratio against a floor measured in the same run on the same machine, so the
numbers compare across machines; absolute wall times are printed for context only.
"""

from __future__ import annotations

import argparse
import json
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (for a smoke run)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    from bench import (
        check_bench,
        main_mode_bench,
        net_bench,
        net_build_bench,
        net_ospf_bench,
        seed_lab_bench,
    )

    results: dict[str, dict] = {}
    results["network (issue 2)"] = net_bench.run(n_routers=100 if args.quick else 500,
                                                 sim_seconds=5.0 if args.quick else 20.0)
    results["main mode vs crypto floor (issue 3)"] = main_mode_bench.run(
        rounds=3 if args.quick else 20)
    results["seed lab speed (issue 4)"] = seed_lab_bench.run(repeats=1 if args.quick else 5)
    results["catalogue check -j 2 vs -j 1 (issue 5)"] = check_bench.run()
    results["lab build per router, N=1000 vs N=100 (issue 14)"] = net_build_bench.run(pairs=3 if args.quick else 7)
    results.update(__import__("bench.engine_bench", fromlist=["run"]).run(args.quick))
    results["OSPF lab converging (issue 9)"] = net_ospf_bench.run(20 if args.quick else 50)
    if args.json:
        print(json.dumps(results, indent=2, sort_keys=True))
    else:
        for title, figures in results.items():
            print(f"== {title}")
            for key, value in figures.items():
                shown = f"{value:,.3f}" if isinstance(value, float) else f"{value:,}" \
                    if isinstance(value, int) else str(value)
                print(f"   {key:<34} {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
