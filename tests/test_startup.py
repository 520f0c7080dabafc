"""Start-up: `ikesim --help` and `ikesim validate` import only what they need — no simulator
(simpy, networkx), no crypto, no Dask/Arrow/matplotlib (checked in a fresh interpreter)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("networkx", "simpy", "cryptography", "dask", "distributed", "pyarrow", "matplotlib")
PROBE = """
import json, sys
from click.testing import CliRunner
from ikesim.cli import main
result = CliRunner().invoke(main, sys.argv[1:])
print(json.dumps([result.exit_code, sorted(m for m in {heavy} if m in sys.modules)]))
"""


def _imports(*args: str) -> tuple[int, list[str]]:
    out = subprocess.run([sys.executable, "-c", PROBE.format(heavy=HEAVY), *args],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    code, heavy = json.loads(out.stdout.strip().splitlines()[-1])
    return code, heavy


@pytest.mark.parametrize("args", [
    ("--help",),
    ("validate", "scenarios/missing-return-route.yaml"),
    ("sweep", "--help"),
    ("check", "--help"),
])
def test_light_commands_import_no_heavy_package(args: tuple[str, ...]) -> None:
    assert _imports(*args) == (0, [])


def test_run_does_import_the_simulator() -> None:      # the probe can see an import at all
    code, heavy = _imports("run", "scenarios/main-mode-lab.yaml")
    assert code == 0 and "simpy" in heavy and "dask" not in heavy
