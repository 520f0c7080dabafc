"""``ikesim check scenarios/`` wall time, serial (-j 1) against two workers (-j 2).

Both runs are whole ``python -m ikesim.check`` subprocesses (interpreter start-up, imports,
process pool included): what a user or CI pays. Target (issue 5): the whole catalogue in
<= 5 s on 2 cores.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _scenarios(path: Path) -> int:
    return sum(1 for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())


def _timed(jobs: int, path: Path) -> float:
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "ikesim.check", str(path), "-j", str(jobs)],
                          cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"ikesim check -j {jobs} failed ({proc.returncode}):\n"
                           f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return wall


def run(path: Path | None = None, repeats: int = 1) -> dict:
    path = path or ROOT / "scenarios"
    n = _scenarios(path)
    serial = min(_timed(1, path) for _ in range(repeats))
    parallel = min(_timed(2, path) for _ in range(repeats))
    return {
        "scenarios": n,
        "wall -j 1 (s)": serial,
        "wall -j 2 (s)": parallel,
        "ratio -j 1 / -j 2": serial / parallel,
        "per-scenario mean -j 1 (ms)": 1000 * serial / n,
        "per-scenario mean -j 2 (ms)": 1000 * parallel / n,
        "target -j 2 <= 5 s": parallel <= 5.0,
    }


if __name__ == "__main__":  # pragma: no cover
    for key, value in run(repeats=3).items():
        print(f"{key:<30} {value:.3f}" if isinstance(value, float) else f"{key:<30} {value}")
