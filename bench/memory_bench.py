"""Peak memory of a long run against a short one (issue 13 target: a 24 h lab within 2x of a
1 h lab), measured with tracemalloc from before the scenario is read to the end of the run.

The lab is the catalogue's healthy tunnel kept busy: debug on, a ping through the tunnel every
five minutes, ``show crypto isakmp sa`` every half hour (IPsec SAs expire hourly and are
renegotiated), with expectations checked — run the way ``ikesim run --json`` and ``ikesim check`` run it: events
streamed to their consumers (the JSON writer, the transcript, the expectations) and not kept.
The same 24 h lab with the whole event history kept (``EventLog(keep=True)``, the library's
default) is measured too, for contrast, and with the event keeper that ``ikesim run`` attaches
for its outcome block (ikesim/explain/keep.py: it keeps the IKE, drop and ESP records).

``ikesim explain`` of the same lab is measured for HOURS and for 1 h too (it runs the lab
streaming and keeps a bounded summary of the events, ikesim/explain/keep.py).

``python -m bench.memory_bench [HOURS]`` prints the figures for a HOURS-long lab against 1 h.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "scenarios" / "catalogue" / "healthy-tunnel.yaml"

EVENTS = """\
events:
  - {at: 1s, device: RT1, exec: debug crypto isakmp}
  - {at: 1s, device: RT2, exec: debug crypto ipsec}
  - {at: 10s, device: PC1, exec: ping 172.16.2.2, every: 300s}
  - {at: 300s, device: RT1, exec: sh crypto isakmp sa, every: 1800s}
expect:
  - phase1: {between: [RT1, RT2], outcome: established, by: 11s}
  - count: {device: RT1, event: ipsec_sa_created, min: 2}
  - count: {event: notify_tx, max: 0}
  - log: {device: RT1, match: 'QM_IDLE', min: 1}
  - ping: {device: PC1, at: 310s, marks: "!!!!!"}
  - drop: {reason: crypto-no-ipsec-sa, protocol: icmp, min: 1}
"""


def scenario_text(hours: float) -> str:
    """The healthy-tunnel lab with its own events replaced by the busy ones, lasting HOURS."""
    text = LAB.read_text()
    head = text[:text.index("\nevents:")] + "\n"
    head = head.replace("duration: 40s", f"duration: {hours:g}h")
    assert f"duration: {hours:g}h" in head
    return head + EVENTS


def measure(hours: float, *, keep: bool = False, outcome: bool = False) -> dict:
    """Peak traced memory (bytes) of loading and running the lab for ``hours``."""
    from ikesim.export.transcript import Transcript
    from ikesim.net.events import EventLog
    from ikesim.scenario.expect import evaluate, expectations_of, prepare
    from ikesim.scenario.loader import parse_scenario
    from ikesim.scenario.runner import Runtime

    text = scenario_text(hours)
    printed = [0]

    def count_lines(block: list[str]) -> None:
        printed[0] += len(block)

    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    scenario = parse_scenario(text, file=f"busy-{hours:g}h.yaml", base_dir=LAB.parent)
    runtime = Runtime(scenario, events=EventLog(keep=keep),
                      transcript=Transcript(sink=count_lines))
    expectations = expectations_of(scenario)
    prepare(expectations, runtime)
    if outcome:             # what `ikesim run` adds for its outcome block (ikesim/explain)
        from ikesim.explain.keep import EventKeeper

        EventKeeper.attach(runtime)
    with open(os.devnull, "w", encoding="utf-8") as sink:
        writer = _DevNullJson(sink)
        runtime.events.subscribe(writer)
        result = runtime.run()
    failures = evaluate(expectations, result, runtime)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    wall = time.perf_counter() - started
    return {"hours": hours, "peak_bytes": peak, "events": runtime.events.count,
            "transcript_lines": printed[0], "expectation_failures": len(failures),
            "wall_s": wall}


def measure_explain(hours: float) -> dict:
    """Peak traced memory (bytes) of ``ikesim explain`` (no repair search: the lab is healthy)
    on the lab lasting ``hours``."""
    from ikesim.explain import explain
    from ikesim.scenario.loader import parse_scenario

    text = scenario_text(hours)
    gc.collect()
    tracemalloc.start()
    started = time.perf_counter()
    scenario = parse_scenario(text, file=f"busy-{hours:g}h.yaml", base_dir=LAB.parent)
    explanation = explain(scenario, search=False)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"peak_bytes": peak, "wall_s": time.perf_counter() - started,
            "status": [p.status for p in explanation.pairs]}


class _DevNullJson:
    """The ``--json`` writer's work (one JSON line per event) into /dev/null."""

    def __init__(self, handle) -> None:   # type: ignore[no-untyped-def]
        from ikesim.cli.common import json_default

        self.handle, self.default = handle, json_default

    def __call__(self, event) -> None:    # type: ignore[no-untyped-def]
        self.handle.write(json.dumps(event.as_json(), sort_keys=True, default=self.default)
                          + "\n")


def run(hours: float = 24.0) -> dict:
    measure(0.1)                # warm-up: imports and caches are not the lab's memory
    short = measure(1.0)
    long = measure(hours)
    kept = measure(hours, keep=True)
    with_outcome = measure(hours, outcome=True)
    explain_short, explain_long = measure_explain(1.0), measure_explain(hours)
    return {
        "short_lab_h": short["hours"], "long_lab_h": long["hours"],
        "short_peak_MiB": short["peak_bytes"] / 2**20,
        "long_peak_MiB": long["peak_bytes"] / 2**20,
        "long_vs_short_peak": long["peak_bytes"] / short["peak_bytes"],
        "long_events_streamed": long["events"],
        "long_transcript_lines": long["transcript_lines"],
        "expectation_failures": short["expectation_failures"] + long["expectation_failures"],
        "kept_history_peak_MiB": kept["peak_bytes"] / 2**20,
        "kept_vs_short_peak": kept["peak_bytes"] / short["peak_bytes"],
        "outcome_keeper_peak_MiB": with_outcome["peak_bytes"] / 2**20,
        "outcome_keeper_vs_short_peak": with_outcome["peak_bytes"] / short["peak_bytes"],
        "long_wall_s": long["wall_s"],
        "explain_short_peak_MiB": explain_short["peak_bytes"] / 2**20,
        "explain_long_peak_MiB": explain_long["peak_bytes"] / 2**20,
        "explain_long_vs_short_peak": explain_long["peak_bytes"] / explain_short["peak_bytes"],
        "explain_long_status": ",".join(explain_long["status"]),
        "target": "long_vs_short_peak <= 2 and explain_long_vs_short_peak <= 2",
    }


if __name__ == "__main__":
    figures = run(float(sys.argv[1]) if len(sys.argv) > 1 else 24.0)
    for key, value in figures.items():
        print(f"{key:<28} {value:,.3f}" if isinstance(value, float) else f"{key:<28} {value}")
