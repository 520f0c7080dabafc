"""Issue 6 acceptance on the seed lab fixed: `.!!!!` then `!!!!!`, and RT1's IPsec counters
equal the echoes that went through the tunnel."""

from __future__ import annotations

import re
from pathlib import Path

from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario

LAB = Path(__file__).resolve().parent.parent / "scenarios" / "missing-return-route-fixed.yaml"


def test_fixed_lab_pings_across_the_tunnel_and_counts_packets() -> None:
    result = run_scenario(load_scenario(LAB))
    console = [e for e in result.events.events if e.kind == "console" and "command" in e.fields]
    pings = [e.fields["output"] for e in console if e.fields["command"].startswith("ping")]
    assert [p[3] for p in pings] == [".!!!!", "!!!!!"]
    tunnelled = sum(p[3].count("!") for p in pings)                 # 9 echoes, 9 replies
    (ipsec,) = [e for e in console if e.fields["command"] == "sh crypto ipsec sa"
                and e.device == "RT1"]
    text = "\n".join(ipsec.fields["output"])
    assert f"#pkts encaps: {tunnelled}, #pkts encrypt: {tunnelled}, #pkts digest {tunnelled}" \
        in text
    assert f"#pkts decaps: {tunnelled}, #pkts decrypt: {tunnelled}, #pkts verify {tunnelled}" \
        in text
    # The ESP packets really crossed the ISP: one per echo and one per reply.
    esp_hops = [e for e in result.events.events if e.kind == "esp"]
    assert len(esp_hops) >= 2 * tunnelled
    isakmp = [e for e in console if e.fields["command"] == "sh crypto isakmp sa"]
    for show in isakmp:
        assert re.search(r"11\.11\.11\.2\s+10\.10\.10\.2\s+QM_IDLE\s+1\s+0",
                         "\n".join(show.fields["output"]))
