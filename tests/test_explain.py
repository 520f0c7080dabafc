"""``ikesim explain`` (issue 12, item 2). The acceptance test iterates the fault catalogue: for
every fault the first cause is the right one, with evidence, and a repair is proven by a re-run;
the repaired lab then behaves like the fault's fixed twin, the repair touches what the twin
changes, and the twin itself has nothing to explain."""

from __future__ import annotations

import ipaddress
import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from ikesim.cli import main
from ikesim.explain import analyse, explain
from ikesim.explain.model import ConfigChange, LinkChange
from ikesim.explain.prove import apply_repair
from ikesim.scenario.loader import load_scenario, parse_scenario
from ikesim.scenario.runner import run_scenario
from ikesim.teach.pages import Run, config_diff

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "scenarios" / "catalogue"
SEED = ROOT / "scenarios" / "missing-return-route.yaml"

# fault -> (cause kind, device the cause names)
EXPECTED = {
    "aggressive-mode-disabled": ("aggressive-disabled", "HUB"),
    "aggressive-mode-identity-unmatched": ("no-psk", "HUB"),
    "aggressive-mode-weak-psk": ("aggressive-psk", "SPOKE1"),
    "rsa-sig-certificate-expired": ("certificate", "RT1"),
    "rsa-sig-identity-address": ("certificate", "RT1"),
    "rsa-sig-untrusted-ca": ("certificate", "RT1"),
    "auth-method-mismatch": ("isakmp-policy", "RT2"),
    "crypto-acl-mismatch": ("proxy-ids", "RT2"),
    "crypto-map-interface-shutdown": ("interface-shutdown", "RT2"),
    "dh-group-mismatch": ("isakmp-policy", "RT2"),
    "encryption-mismatch": ("isakmp-policy", "RT2"),
    "esp-blocked": ("acl", "ISP"),
    "hash-mismatch": ("isakmp-policy", "RT2"),
    "lifetime-difference": ("lifetime", "RT1"),
    "lifetime-difference-ios15": ("lifetime", "RT1"),
    "link-flap": ("link-down", "RT1"),
    "lossy-link": ("loss", "RT2"),            # the sender records the loss
    "missing-return-route": ("no-route", "RT2"),
    "missing-return-route-ios15": ("no-route", "RT2"),
    "missing-route-initiator": ("no-route", "RT1"),
    "no-psk-initiator": ("no-psk", "RT1"),
    "no-psk-responder": ("no-psk", "RT2"),
    "pfs-mismatch": ("pfs", "RT2"),
    "policy-priority": ("weaker-policy", "RT2"),
    "psk-mismatch": ("psk-mismatch", "RT2"),
    "psk-mismatch-ios15": ("psk-mismatch", "RT2"),
    "transform-set-mismatch": ("transform-set", "RT2"),
    "udp500-blocked": ("acl", "ISP"),
    "udp500-blocked-return": ("acl", "ISP"),
    "wrong-peer-address": ("wrong-peer", "RT1"),
    # NAT traversal and dead peer detection (ikesim.explain.natdpd)
    "natt-disabled": ("nat-t-off", "SITE-A"),
    "udp4500-blocked": ("acl", "ISP"),
    "pat-timeout-no-keepalive": ("nat-keepalive", "SITE-A"),
    "nat-exemption-missing": ("nat-exemption", "RT1"),
    "peer-rebooted": ("no-dpd", "RT1"),
    # route-based VPNs and crypto maps of real configurations (issue 9)
    "crypto-acl-covers-peers": ("proxy-ids", "RT2"),
    "dynamic-map-wildcard-key": ("no-psk", "HUB"),      # the failing one of the hub's two pairs
    "keyring-missing-peer-key": ("no-psk", "RT2"),
    "tunnel-destination-unroutable": ("no-route", "RT1"),
    "vti-transform-mismatch": ("transform-set", "RT1"),  # both initiate: RT1 refuses first
}
# Faults a configure event introduces during the run: explain names the first cause from the
# events, but its repair search edits the starting configuration, so it proves no fix.
MID_RUN = {"gre-ipsec-ospf-neighbour-lost": ("bad-message", "RT1")}


def _faults() -> list[tuple[str, str]]:
    out = []
    for path in sorted(CATALOGUE.glob("*.yaml")):
        teach = (yaml.safe_load(path.read_text()) or {}).get("teach") or {}
        if teach.get("fixed_variant"):
            out.append((path.stem, teach["fixed_variant"]))
    return out


FAULTS = [f for f in _faults() if f[0] not in MID_RUN]


def test_every_catalogue_fault_has_an_expectation() -> None:
    assert sorted(name for name, _ in _faults()) == sorted(EXPECTED | MID_RUN)


@pytest.mark.parametrize("fault", sorted(MID_RUN))
def test_a_fault_made_during_the_run_is_found_without_a_fix(fault: str) -> None:
    (pair,) = explain(load_scenario(CATALOGUE / f"{fault}.yaml")).pairs
    assert pair.cause is not None and (pair.cause.kind, pair.cause.device) == MID_RUN[fault]
    assert pair.cause.evidence and pair.fix is None


def _twin_touches(fault: str, twin: str) -> set[str]:
    """Routers whose configuration the twin changes, and 'links'/'events' when it changes those."""
    def run(name: str) -> Run:
        path = CATALOGUE / f"{name}.yaml"
        return Run(path, None, [], yaml.safe_load(path.read_text()))  # type: ignore[arg-type]
    touched = set()
    for line in config_diff(run(fault), run(twin)):
        m = re.match(r"@@ (?:router )?(\S+) @@", line)
        if m:
            touched.add(m.group(1))
    return touched


def _outcome(scenario_events: tuple, ends: tuple[str, str]) -> tuple[str, str, bool]:
    scenario, events = scenario_events
    (pair,) = [p for p in analyse(scenario, events).pairs if (p.a, p.b) == ends]
    return pair.main_mode.outcome, pair.quick_mode.outcome, pair.status == "healthy"


@pytest.mark.parametrize(("fault", "twin"), FAULTS, ids=[f for f, _ in FAULTS])
def test_first_cause_and_proven_fix_match_the_fixed_twin(fault: str, twin: str) -> None:
    scenario = load_scenario(CATALOGUE / f"{fault}.yaml")
    explanation = explain(scenario)
    (pair,) = [p for p in explanation.pairs if p.cause is not None]   # the failing pair
    assert all(p.status == "healthy" for p in explanation.pairs if p is not pair)
    kind, device = EXPECTED[fault]
    assert pair.cause is not None, f"{fault}: no cause found"
    assert (pair.cause.kind, pair.cause.device) == (kind, device), pair.cause.summary
    assert pair.cause.evidence and all(e.text for e in pair.cause.evidence)
    assert pair.fix is not None and pair.fix.verdict.proven, [a.as_json() for a in pair.tried]
    # the repaired fault behaves like the twin
    repaired = apply_repair(scenario, pair.fix.repair)
    twin_sc = load_scenario(CATALOGUE / f"{twin}.yaml")
    ends = (pair.a, pair.b)
    got = _outcome((repaired, run_scenario(repaired).events.events), ends)
    want = _outcome((twin_sc, run_scenario(twin_sc).events.events), ends)
    assert got == want == ("established", "established", True)
    # ... and touches what the twin changes
    places = {c.device if isinstance(c, ConfigChange) else "link" for c in
              pair.fix.repair.changes}
    touched = _twin_touches(fault, twin)
    if "link" in places:
        assert touched & {"links", "events"}, touched
    else:
        assert places <= touched, (places, touched)
    # the twin has nothing to explain
    for twin_pair in explain(twin_sc).pairs:
        assert twin_pair.status == "healthy" and twin_pair.cause is None
        assert twin_pair.fix is None


def test_seed_lab_fix_is_a_route_on_rt2_covering_the_peer() -> None:
    (pair,) = explain(load_scenario(SEED)).pairs
    assert pair.cause is not None and pair.cause.kind == "no-route"
    assert pair.cause.facts["dst"] == "10.10.10.2" and pair.cause.facts["count"] == 12
    assert "RT2 discarded ISAKMP datagram 11.11.11.2 > 10.10.10.2: no-route, 12 times" in \
        pair.cause.evidence[0].text
    assert pair.main_mode.reached == "MM1"
    assert "MM2 RT2 -> RT1: 12 sent, 0 received (12 discarded at RT2: no-route)" in \
        pair.main_mode.lines
    assert pair.fix is not None
    (change,) = pair.fix.repair.changes
    assert isinstance(change, ConfigChange) and change.device == "RT2"
    (line,) = change.lines
    m = re.fullmatch(r"ip route (\S+) (\S+) (\S+)", line)
    assert m is not None
    assert ipaddress.IPv4Address("10.10.10.2") in ipaddress.IPv4Network(
        f"{m.group(1)}/{m.group(2)}")
    assert m.group(3) == "11.11.11.1"
    # the host route was tried first and shown not to be enough (the echo replies need a route)
    first = pair.tried[0]
    assert not first.verdict.proven and first.verdict.phase1 == "established"
    assert first.verdict.cause is not None and "172.16.1.2" in first.verdict.cause.summary


def test_attribute_evidence_names_offered_and_configured_values() -> None:
    (pair,) = explain(load_scenario(CATALOGUE / "dh-group-mismatch.yaml"), search=False).pairs
    assert pair.cause is not None
    (mismatch,) = pair.cause.facts["mismatches"]
    assert mismatch == {"transform": 1, "priority": 1, "attribute": "group", "offered": "2",
                        "configured": "5"}
    assert "Diffie-Hellman group offered 2, policy 1 has 5" in pair.cause.evidence[0].text
    assert pair.fix is None and not pair.searched


def test_psk_evidence_names_both_keys() -> None:
    (pair,) = explain(load_scenario(CATALOGUE / "psk-mismatch.yaml"), search=False).pairs
    assert pair.cause is not None
    assert (pair.cause.facts["key"], pair.cause.facts["partner_key"]) == ("cisco124", "cisco123")


def test_acl_evidence_names_the_matching_line() -> None:
    (pair,) = explain(load_scenario(CATALOGUE / "udp500-blocked.yaml"), search=False).pairs
    assert pair.cause is not None
    assert pair.cause.facts["entry"] == "access-list 110 deny udp any any eq 500"
    assert pair.cause.facts["direction"] == "in" and pair.cause.facts["interface"] == \
        "FastEthernet0/0"


LONELY = """
name: lonely
duration: 40s
routers:
  RT1:
    config: |
      hostname RT1
      crypto isakmp policy 1
       encr 3des
       authentication pre-share
       group 2
      crypto isakmp key k address 10.0.0.9
      crypto ipsec transform-set TS esp-3des esp-sha-hmac
      crypto map CMAP 10 ipsec-isakmp
       set peer 10.0.0.9
       set transform-set TS
       match address 101
      interface FastEthernet0/0
       ip address 172.16.1.1 255.255.255.0
      interface FastEthernet1/0
       ip address 10.0.0.1 255.255.255.0
       crypto map CMAP
      access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255
  R2:
    config: |
      hostname R2
      interface FastEthernet0/0
       ip address 10.0.0.2 255.255.255.0
hosts:
  PC1: {address: 172.16.1.2/24, gateway: 172.16.1.1}
links:
  - {a: PC1 Fa0/0, b: RT1 Fa0/0}
  - {a: RT1 Fa1/0, b: R2 Fa0/0}
events:
  - {at: 5s, device: PC1, exec: ping 172.16.2.2}
"""


def test_a_peer_nobody_is_explained_without_a_fix(tmp_path: Path) -> None:
    path = tmp_path / "lonely.yaml"
    path.write_text(LONELY)
    result = CliRunner().invoke(main, ["explain", str(path)])
    assert result.exit_code == 1, result.output
    assert "RT1 <-> 10.0.0.9 (10.0.0.1 <-> 10.0.0.9): FAILED" in result.output
    # first, RT1 has no route for the protected traffic; a route gets the traffic to the
    # crypto map, and then the re-run shows the real dead end: the peer does not exist
    assert "first cause: RT1 has no route to 172.16.2.2" in result.output
    assert "no repair proven (2 tried)" in result.output
    assert result.output.count("then: RT1's peer 10.0.0.9 is no device of the lab") == 2


def test_a_lab_without_crypto_has_nothing_to_explain() -> None:
    sc = parse_scenario("name: bare\nrouters:\n  R1: {config: 'hostname R1'}\nlinks: []\nevents: []\n")
    explanation = analyse(sc, run_scenario(sc).events.events)
    assert explanation.pairs == [] and "no IPsec peer pair" in explanation.notes[0]


def test_explain_json_and_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(main, ["explain", "--json", str(CATALOGUE / "no-psk-responder.yaml")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    (pair,) = data["pairs"]
    assert pair["cause"]["kind"] == "no-psk" and pair["fix"]["verdict"]["proven"] is True
    assert pair["fix"]["repair"]["changes"] == [
        {"device": "RT2", "configure": ["crypto isakmp key cisco123 address 10.10.10.2"]}]
    healthy = runner.invoke(main, ["explain", "--json", str(CATALOGUE / "healthy-tunnel.yaml")])
    assert healthy.exit_code == 0 and json.loads(healthy.output)["pairs"][0]["status"] == \
        "healthy"
    missing = runner.invoke(main, ["explain", str(tmp_path / "nope.yaml")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_link_repairs_change_the_lab_not_a_router() -> None:
    (pair,) = explain(load_scenario(CATALOGUE / "lossy-link.yaml")).pairs
    assert pair.fix is not None
    (change,) = pair.fix.repair.changes
    assert change == LinkChange("ISP-RT2", no_loss=True)


def test_run_prints_the_outcome_after_the_transcript_on_stderr() -> None:
    result = CliRunner().invoke(main, ["run", str(SEED)])
    assert result.exit_code == 0
    golden = SEED.with_name("missing-return-route.transcript.txt").read_text()
    assert result.stdout == golden                       # the transcript is untouched
    assert result.stderr.startswith("\n=== ikesim: outcome of missing-return-route ===")
    assert "first cause: RT2 has no route to 10.10.10.2" in result.stderr
    assert "ikesim explain SCENARIO searches and proves the smallest fix" in result.stderr
    quiet = CliRunner().invoke(main, ["run", str(SEED), "--no-outcome"])
    assert quiet.stderr == ""
    proven = CliRunner().invoke(main, ["run", str(SEED), "--explain"])
    assert "RT2(config)# ip route 0.0.0.0 0.0.0.0 11.11.11.1" in proven.stderr
