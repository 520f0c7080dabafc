"""``ikesim sweep`` and ``ikesim check --dask``: parameter grammar, deterministic rows, a real
Dask scheduler and two workers started as separate processes on loopback, the same table with 1
or 4 workers, Parquet and plots written."""

from __future__ import annotations

import math
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.errors import InputError
from ikesim.sweep import Sweep, run_sweep
from ikesim.sweep.params import grid, parse_param
from ikesim.sweep.runs import run_one

ROOT = Path(__file__).resolve().parents[1]
FIXED = ROOT / "scenarios" / "missing-return-route-fixed.yaml"
MAIN_MODE = ROOT / "scenarios" / "main-mode-lab.yaml"
BIN = Path(sys.executable).parent


# ------------------------------------------------------------------------------ parameters
def test_range_is_inclusive_and_decimal() -> None:
    p = parse_param("link.loss=0..0.5:0.05")
    assert p.name == "link.loss" and len(p.values) == 11
    assert p.values[3] == 0.15 and p.values[-1] == 0.5
    assert parse_param("platform=ios12,ios15").values == ("ios12", "ios15")
    assert parse_param("link.wan.delay=0.002").values == (0.002,)
    assert len(grid([p, parse_param("platform=ios12,ios15")])) == 22
    assert grid([]) == [{}]


@pytest.mark.parametrize("text, reason", [
    ("link.loss", "expected NAME=VALUES"),
    ("colour=1", "unknown parameter"),
    ("link.loss=0..x:0.1", "is not a number"),
    ("link.loss=0..0.5:-1", "step must be positive"),
    ("link.loss=0.5..0.1:0.1", "is empty"),
    ("link.loss=0..2:0.5", "outside 0..1"),
    ("link.delay=-1", "cannot be negative"),
    ("platform=ios99", "unknown platform"),
    ("link.loss=0..1:0.00001", "at most"),
])
def test_bad_parameters_are_refused(text: str, reason: str) -> None:
    with pytest.raises(InputError, match=reason):
        parse_param(text)


def test_cli_refuses_bad_input_with_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    bad_link = runner.invoke(main, ["sweep", str(MAIN_MODE), "--param", "link.nope.loss=0.1",
                                    "--out", str(tmp_path / "x.parquet"), "--no-progress"])
    assert bad_link.exit_code == 2 and "no link 'nope'" in bad_link.output
    bad_param = runner.invoke(main, ["sweep", str(MAIN_MODE), "--param", "link.loss=2"])
    assert bad_param.exit_code == 2 and "outside 0..1" in bad_param.output
    missing = runner.invoke(main, ["sweep", str(tmp_path / "none.yaml")])
    assert missing.exit_code == 2 and "none.yaml" in missing.output


# ------------------------------------------------------------------------------------ rows
def test_a_run_is_a_function_of_parameters_and_seed() -> None:
    text = FIXED.read_text()
    clean = run_one(text, str(FIXED), {"link.loss": 0.0}, 1)
    assert clean["outcome"] == "ipsec" and clean["retransmissions"] == 0
    assert clean["loss_drops"] == 0 and 0 < clean["time_to_qm_idle"] < 1
    lossy = [run_one(text, str(FIXED), {"link.loss": 0.3}, seed) for seed in range(4)]
    again = [run_one(text, str(FIXED), {"link.loss": 0.3}, seed) for seed in range(4)]
    assert lossy == again or all(_same(a, b) for a, b in zip(lossy, again, strict=True))
    assert len({r["loss_drops"] for r in lossy}) > 1       # the seed changes what is lost
    assert all(r["loss_drops"] > 0 for r in lossy)
    failed = run_one(MAIN_MODE.read_text(), str(MAIN_MODE), {"link.loss": 1.0}, 0)
    assert failed["outcome"] == "failed" and math.isnan(failed["time_to_qm_idle"])


def _same(a: dict, b: dict) -> bool:
    return all(a[k] == b[k] or (isinstance(a[k], float) and math.isnan(a[k])
                                and math.isnan(b[k])) for k in a)


def _table(rows: list[dict]) -> list[tuple]:
    return [tuple("nan" if isinstance(v, float) and math.isnan(v) else v for v in r.values())
            for r in rows]


def test_same_table_with_one_or_four_workers() -> None:
    job = Sweep(MAIN_MODE.read_text(), str(MAIN_MODE),
                [parse_param("link.loss=0,0.4"), parse_param("platform=ios12,ios15")], range(3))
    one = run_sweep(job, workers=1)
    four = run_sweep(job, workers=4)
    assert len(one) == 12 and _table(one) == _table(four)
    assert [(r["link.loss"], r["platform"], r["seed"]) for r in one][:4] == [
        (0.0, "ios12", 0), (0.0, "ios12", 1), (0.0, "ios12", 2), (0.0, "ios15", 0)]
    assert {r["outcome"] for r in one if r["link.loss"] == 0} == {"phase1"}


# ------------------------------------------------------------------- a real Dask cluster
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """``dask scheduler`` and two ``dask worker`` processes on loopback."""
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [subprocess.Popen([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1",
                               "--port", str(port), "--no-dashboard"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              start_new_session=True)]
    for _ in range(2):
        procs.append(subprocess.Popen(
            [str(BIN / "dask"), "worker", address, "--nthreads", "1", "--no-dashboard",
             "--host", "127.0.0.1"], env=env, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True))
    try:
        from dask.distributed import Client

        deadline = time.monotonic() + 120
        while True:
            try:
                with Client(address, timeout="5s") as client:
                    client.wait_for_workers(2, timeout=max(1, deadline - time.monotonic()))
                break
            except (OSError, TimeoutError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
        yield address
    finally:
        for proc in procs:
            os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


def test_sweep_through_a_real_scheduler_writes_parquet_and_plots(scheduler: str,
                                                                 tmp_path: Path) -> None:
    out = tmp_path / "fixed.parquet"
    result = subprocess.run(
        [str(BIN / "ikesim"), "sweep", str(FIXED), "--param", "link.loss=0..0.4:0.2",
         "--param", "platform=ios12,ios15", "--seeds", "2", "--scheduler", scheduler,
         "--out", str(out), "--no-progress"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "12 runs (6 combinations x 2 seeds)" in result.stdout
    rows = pq.read_table(out).to_pylist()
    text = FIXED.read_text()
    want = [run_one(text, str(FIXED), {"link.loss": loss, "platform": platform}, seed)
            for loss in (0.0, 0.2, 0.4) for platform in ("ios12", "ios15") for seed in (0, 1)]
    assert _table(rows) == _table(want)
    for name in ("fixed-link_loss.png", "fixed-platform.png"):
        png = (tmp_path / name).read_bytes()
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000


def test_check_on_a_real_scheduler_gives_the_local_outcomes(scheduler: str) -> None:
    files = [str(MAIN_MODE), str(ROOT / "scenarios" / "missing-return-route.yaml")]
    runner = CliRunner()
    remote = runner.invoke(main, ["check", "--dask", "--scheduler", scheduler, *files])
    local = runner.invoke(main, ["check", "-j", "1", *files])
    assert remote.exit_code == local.exit_code == 0, remote.output
    assert remote.output.count("PASS") == local.output.count("PASS") == 2


def test_unreachable_scheduler_is_invalid_input(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["sweep", str(MAIN_MODE), "--scheduler",
                                       f"tcp://127.0.0.1:{_free_port()}", "--no-progress",
                                       "--out", str(tmp_path / "x.parquet")])
    assert result.exit_code == 2 and "cannot reach the Dask scheduler" in result.output
