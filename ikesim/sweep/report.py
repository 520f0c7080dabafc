"""A sweep's results: the Parquet table (one row per run) and the plots made from it."""

from __future__ import annotations

import math
from collections import defaultdict
from pathlib import Path
from statistics import mean
from typing import Any

_MAX_LINES = 8        # more combinations of the other parameters than this: one pooled line


def write_parquet(rows: list[dict[str, Any]], path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(rows), path)


def read_parquet(path: Path) -> list[dict[str, Any]]:
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def summarise(rows: list[dict[str, Any]], params: list[str], by: str
              ) -> dict[tuple, dict[Any, tuple[float, float, float]]]:
    """For each combination of the parameters other than ``by`` (a line), per value of ``by``:
    (probability of an IPsec SA, probability of phase 1, mean time to QM_IDLE of the runs
    that got there, NaN when none did)."""
    others = [p for p in params if p != by]
    groups: dict[tuple, dict[Any, list[dict[str, Any]]]] = defaultdict(lambda: defaultdict(list))
    for row in rows:
        groups[tuple(row[p] for p in others)][row[by]].append(row)
    if len(groups) > _MAX_LINES:            # too many lines to read: pool the others
        pooled: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for per_value in groups.values():
            for value, runs in per_value.items():
                pooled[value].extend(runs)
        groups = {(): pooled}
    out: dict[tuple, dict[Any, tuple[float, float, float]]] = {}
    for line, per_value in groups.items():
        out[line] = {}
        for value, runs in per_value.items():
            ipsec = sum(r["outcome"] == "ipsec" for r in runs) / len(runs)
            phase1 = sum(r["outcome"] != "failed" for r in runs) / len(runs)
            times = [r["time_to_qm_idle"] for r in runs if not math.isnan(r["time_to_qm_idle"])]
            out[line][value] = (ipsec, phase1, mean(times) if times else math.nan)
    return out


def plot(rows: list[dict[str, Any]], params: list[str], stem: Path) -> list[Path]:
    """One PNG per parameter: success probability (IPsec SA, and phase 1) and mean time to
    QM_IDLE against the parameter's values; one line per combination of the others."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    written = []
    for by in params:
        others = [p for p in params if p != by]
        table = summarise(rows, params, by)
        fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 7), sharex=True)
        for line, per_value in sorted(table.items(), key=lambda kv: str(kv[0])):
            values = sorted(per_value, key=_order)
            xs = list(range(len(values))) if _categorical(values) else values
            label = ", ".join(f"{p}={v}" for p, v in zip(others, line, strict=False)) or "all runs"
            top.plot(xs, [per_value[v][0] for v in values], marker="o", label=f"IPsec SA ({label})")
            top.plot(xs, [per_value[v][1] for v in values], marker="x", linestyle="--",
                     label=f"phase 1 ({label})")
            bottom.plot(xs, [per_value[v][2] for v in values], marker="o", label=label)
            if _categorical(values):
                bottom.set_xticks(xs, [str(v) for v in values])
        top.set_ylabel("success probability")
        top.set_ylim(-0.05, 1.05)
        top.legend(fontsize="small")
        top.grid(True, alpha=0.3)
        bottom.set_ylabel("mean time to QM_IDLE (s)")
        bottom.set_xlabel(by)
        bottom.grid(True, alpha=0.3)
        runs = len(rows)
        fig.suptitle(f"{stem.name}: {runs} runs, against {by}")
        path = stem.with_name(f"{stem.name}-{by.replace('.', '_')}.png")
        fig.savefig(path, dpi=100)
        plt.close(fig)
        written.append(path)
    return written


def _categorical(values: list[Any]) -> bool:
    return any(isinstance(v, str) for v in values)


def _order(value: Any) -> tuple[int, Any]:
    return (1, str(value)) if isinstance(value, str) else (0, value)
