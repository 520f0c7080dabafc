"""Start-up (issue 14): the seed lab as a whole process against ``ikesim --help`` and
``ikesim validate`` (subprocess wall times, best of ``repeats``, interleaved so that machine
drift hits them alike), and which heavy modules ``validate`` and ``--help`` import.

Target: ``ikesim run`` of the seed lab ≤ 1.5 × ``ikesim --help``.

The processes run with the package's bytecode compiled, as an installed ikesim has it (pip
compiles on install): the package is byte-compiled first and ``PYTHONDONTWRITEBYTECODE`` is not
passed on, else a shell that sets it makes every process recompile each module changed since
the last compilation, and the figure measures the compiler, not ikesim.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED_LAB = ROOT / "scenarios" / "missing-return-route.yaml"
IKESIM = [sys.executable, "-m", "ikesim"]
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
HEAVY = ("networkx", "simpy", "cryptography", "matplotlib", "dask", "pyarrow", "yaml")


def _wall(args: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(IKESIM + args, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, cwd=ROOT, env=ENV)
    return time.perf_counter() - start


def _imports(args: list[str]) -> list[str]:
    """Heavy top-level packages imported by ``ikesim ARGS`` (``python -X importtime``)."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "ikesim", *args],
                          capture_output=True, text=True, cwd=ROOT, env=ENV)
    names = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
             if line.startswith("import time:")}
    return sorted(h for h in HEAVY if h in names)


def run(repeats: int = 5) -> dict[str, float | str]:
    compileall.compile_dir(ROOT / "ikesim", quiet=1)
    commands = {"help": ["--help"], "validate": ["validate", str(SEED_LAB)],
                "run": ["run", str(SEED_LAB)]}
    best = {name: float("inf") for name in commands}
    for _ in range(repeats):
        for name, args in commands.items():
            best[name] = min(best[name], _wall(args))
    return {"help_s": best["help"], "validate_s": best["validate"], "run_s": best["run"],
            "run / help": best["run"] / best["help"],
            "validate / help": best["validate"] / best["help"],
            "help imports": ", ".join(_imports(["--help"])) or "none",
            "validate imports": ", ".join(_imports(commands["validate"])) or "none",
            "target": "run / help <= 1.5"}
