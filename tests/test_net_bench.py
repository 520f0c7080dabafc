"""Smoke test of the generated-topology benchmark (small size)."""

from __future__ import annotations

from bench.net_bench import build, run
from ikesim.net.addr import ip_to_int


def test_generated_grid_routes_every_lan_and_bench_reports_figures() -> None:
    lab = build(12)
    r0 = lab.devices["R0"]
    assert len(r0.table) == 12 + len(r0.interfaces) - 1  # 12 LANs + link /30s
    route = r0.table.lookup(ip_to_int("172.16.11.2"))
    assert route is not None and route.code == "S"
    figures = run(n_routers=12, sim_seconds=1.0)
    assert set(figures) >= {
        "packet_hops",
        "wall_s",
        "hops_per_wall_s",
        "bare_simpy_events_per_s",
        "ratio",
    }
    assert figures["packet_hops"] > 0 and figures["drops"] == 0
    assert figures["echo_replies"] >= 12 * 3  # 4 echoes each in 1 s, last may fly
    assert 0 < figures["ratio"] < 10
