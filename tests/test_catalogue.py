"""The fault catalogue (scenarios/catalogue/): every scenario passes `ikesim check`, every fault
has a fixed variant, expectations can fail, the teaching pages are up to date; phase-2 labs get
quick-mode ladders and their own index section."""

from __future__ import annotations

import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ikesim.check import run_all, run_one, write_junit
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario
from ikesim.teach import build, facts
from ikesim.teach.pages import HEADER, Run, config_diff, data_drop_table

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "scenarios" / "catalogue"
DOCS = ROOT / "docs"
FILES = sorted(CATALOGUE.glob("*.yaml"))
HEALTHY = [f for f in FILES if f.stem.startswith("healthy-")]     # references: nothing to fix
FAULTS = [f for f in FILES if not f.stem.endswith("-fixed") and f not in HEALTHY]
REQUIRED = (
    "missing-return-route", "missing-route-initiator", "udp500-blocked", "udp500-blocked-return",
    "wrong-peer-address", "crypto-map-interface-shutdown", "no-psk-initiator",
    "no-psk-responder", "psk-mismatch", "encryption-mismatch", "hash-mismatch",
    "dh-group-mismatch", "auth-method-mismatch", "policy-priority", "lifetime-difference",
    "lossy-link", "link-flap", "missing-return-route-ios15",
)
REQUIRED_PHASE2 = ("transform-set-mismatch", "crypto-acl-mismatch", "pfs-mismatch", "esp-blocked")


@pytest.fixture(scope="module")
def outcomes():
    return run_all(FILES, 2)


def test_catalogue_passes_check(outcomes, tmp_path: Path) -> None:
    assert len(FILES) >= 20
    bad = [(o.file, o.status, o.failures) for o in outcomes if o.status != "pass"]
    assert bad == []
    assert all(o.expectations >= 5 for o in outcomes)
    report = tmp_path / "junit.xml"
    write_junit(outcomes, report, 1.0)
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None and suite.get("tests") == str(len(FILES))
    assert suite.get("failures") == "0" and suite.get("errors") == "0"


def test_required_faults_and_fixed_variants() -> None:
    names = {f.stem for f in FAULTS}
    assert set(REQUIRED) <= names and set(REQUIRED_PHASE2) <= names
    assert {f.stem for f in HEALTHY} == {"healthy-tunnel", "healthy-tunnel-aes256-pfs"}
    for lab in HEALTHY:
        teach = load_scenario(lab).teach
        assert teach.get("title") and teach.get("why") and teach.get("diagnose"), lab
        assert "fixed_variant" not in teach and "fix" not in teach
    for fault in FAULTS:
        sc = load_scenario(fault)
        assert sc.teach.get("title") and sc.teach.get("why") and sc.teach.get("fix"), fault
        fixed = CATALOGUE / f"{fault.stem}-fixed.yaml"
        assert fixed.exists(), f"{fault.name} has no fixed variant"
        assert sc.teach["fixed_variant"] == fixed.stem
        assert sc.expect is not None and load_scenario(fixed).expect is not None
        if "dialect_of" in sc.teach:
            base = load_scenario(CATALOGUE / f"{sc.teach['dialect_of']}.yaml")
            peers = ("RT1", "RT2")
            assert {base.devices[n].platform for n in peers} != \
                {sc.devices[n].platform for n in peers}


def test_dialect_pair_runs_on_different_platforms() -> None:
    sc = load_scenario(CATALOGUE / "missing-return-route-ios15.yaml")
    assert {sc.devices[n].platform for n in ("RT1", "RT2")} == {"ios15"}


# -- every kind of expectation can fail, with a useful diff ------------------------------------
MUTATIONS = [
    ("phase1", "reason: death-by-retransmission}", "reason: no-psk}",
     ["phase1 between RT1 and RT2: failed (no-psk)", "outcome: failed (death-by-retransmission)"]),
    ("sa", "state: MM_SA_SETUP, conn_id: 1", "state: MM_KEY_EXCH, conn_id: 1",
     ["state: expected MM_KEY_EXCH, got MM_SA_SETUP", "table of RT2 at 30s"]),
    ("log", "previous packet', equals: 5", "previous packet', equals: 4",
     ["phase 1 packet is a duplicate"]),
    ("count", "event: retransmit, equals: 5", "event: retransmit, equals: 4",
     ["retransmit"]),
    ("ping", "marks: '.....'", "marks: '.!!!!'", ["marks ....., not .!!!!"]),
    ("drop", "reason: no-route, protocol: udp, dst: 10.10.10.2, equals: 6",
     "reason: acl-in, protocol: udp, dst: 10.10.10.2, equals: 6", ["no-route"]),
]


def test_mutated_phase2_expectation_fails(tmp_path: Path) -> None:
    """The notification count of a quick-mode refusal is checked, with the events as evidence."""
    text = (CATALOGUE / "crypto-acl-mismatch.yaml").read_text()
    old = "where: {notify_type: INVALID_ID_INFORMATION, protocol: 3}, equals: 20}"
    assert text.count(old) == 2
    path = tmp_path / "mutated.yaml"
    path.write_text(text.replace(old, old.replace("INVALID_ID_INFORMATION",
                                                  "NO_PROPOSAL_CHOSEN"), 1))
    outcome = run_one(str(path))
    assert outcome.status == "fail" and len(outcome.failures) == 1
    assert "expectation failed: count" in outcome.failures[0]
    assert "notify_tx" in outcome.failures[0]


@pytest.mark.parametrize(("kind", "old", "new", "shown"), MUTATIONS,
                         ids=[m[0] for m in MUTATIONS])
def test_mutated_expectation_fails(tmp_path: Path, kind: str, old: str, new: str,
                                   shown: list[str]) -> None:
    text = (CATALOGUE / "missing-return-route.yaml").read_text()
    assert text.count(old) == 1
    path = tmp_path / "mutated.yaml"
    path.write_text(text.replace(old, new))
    outcome = run_one(str(path))
    assert outcome.status == "fail"
    assert len(outcome.failures) == 1
    failure = outcome.failures[0]
    assert f"expectation failed: {kind}" in failure
    assert "expected:" in failure and "actual:" in failure
    for piece in shown:
        assert piece in failure, failure


def test_mutated_fixed_variant_fails(tmp_path: Path) -> None:
    """A fixed variant is not vacuous: with the fault put back, its expectations fail."""
    text = (CATALOGUE / "missing-return-route-fixed.yaml").read_text()
    path = tmp_path / "refaulted.yaml"
    path.write_text(text.replace("      ip route 0.0.0.0 0.0.0.0 11.11.11.1\n", ""))
    outcome = run_one(str(path))
    assert outcome.status == "fail"
    assert any("established by 6s" in f and "outcome: failed (incomplete)" in f
               for f in outcome.failures)
    assert any("state: expected QM_IDLE, got MM_SA_SETUP" in f for f in outcome.failures)


# -- facts behind the teaching pages ---------------------------------------------------------
def _run(name: str) -> Run:
    import yaml

    path = CATALOGUE / f"{name}.yaml"
    sc = load_scenario(path)
    return Run(path, sc, run_scenario(sc).events.events, yaml.safe_load(path.read_text()))


def test_ladder_of_the_seed_fault() -> None:
    run = _run("missing-return-route")
    msgs = facts.ladder(run.scenario, run.events)
    assert [(m.label, m.sender, m.fate) for m in msgs[:3]] == [
        ("MM1", "RT1", "delivered"), ("MM2", "RT2", "dropped"), ("MM1", "RT1", "delivered")]
    assert (msgs[1].drop_device, msgs[1].drop_reason) == ("RT2", "no-route")
    assert msgs[2].retransmission and "duplicate of a previous packet" in msgs[2].notes
    assert sum(m.fate == "dropped" for m in msgs) == 6
    p1 = facts.phase1(run.scenario, run.events, "RT1", "RT2")
    assert (p1.outcome, p1.reason) == ("failed", "death-by-retransmission")


def test_ladder_of_rejections_and_success() -> None:
    psk = _run("psk-mismatch")
    mm5 = next(m for m in facts.ladder(psk.scenario, psk.events) if m.label == "MM5")
    assert mm5.fate == "delivered" and mm5.notes == ["cannot decrypt/verify: IKMP_BAD_MESSAGE"]
    enc = _run("encryption-mismatch")
    labels = [m.label for m in facts.ladder(enc.scenario, enc.events)]
    assert labels[:2] == ["MM1", "INFO NO_PROPOSAL_CHOSEN"] and "MM2" not in labels
    ok = _run("missing-return-route-fixed")
    msgs = facts.ladder(ok.scenario, ok.events)
    assert [m.label for m in msgs] == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6"]
    assert all(m.fate == "delivered" and not m.retransmission for m in msgs)
    assert facts.phase1(ok.scenario, ok.events, "RT1", "RT2").outcome == "established"


def test_quick_mode_ladders() -> None:
    ok = _run("healthy-tunnel")
    assert ok.phase2_lab and ok.healthy
    msgs = facts.ladder(ok.scenario, ok.events, ok.exchanges)
    assert [m.label for m in msgs] == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6",
                                       "QM1", "QM2", "QM3"]
    assert [m.sender for m in msgs[6:]] == ["RT1", "RT2", "RT1"]
    # the initiator installs its SAs on QM2, the responder on QM3
    assert msgs[7].notes == msgs[8].notes == ["IPsec SAs created (phase 2 complete)"]
    p2 = ok.p2
    assert (p2.outcome, p2.reason) == ("established", "")
    assert p2.esp_sent == {"RT1": 9, "RT2": 9} == p2.esp_received and p2.esp_lost == 0
    ts = _run("transform-set-mismatch")
    labels = [m.label for m in facts.ladder(ts.scenario, ts.events, ts.exchanges)]
    # each refusal deletes phase 1 and main mode runs once more (trace 07): twice per echo
    assert labels == ["MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1",
                      "INFO NO_PROPOSAL_CHOSEN"] * 20
    qm1 = facts.ladder(ts.scenario, ts.events, ts.exchanges)[6]
    assert qm1.notes == ["transform set not acceptable", "SA not acceptable: IKMP_MODE_FAILURE"]
    assert (ts.p1.outcome, ts.p2.outcome, ts.p2.reason) == \
        ("established", "failed", "no-proposal-chosen")
    # the phase-1 ladder (default exchanges) leaves quick mode out
    assert "QM1" not in [m.label for m in facts.ladder(ts.scenario, ts.events)]


@pytest.mark.parametrize(("name", "reason", "note"), [
    ("crypto-acl-mismatch", "invalid-id", "proxy identities not supported"),
    ("pfs-mismatch", "no-proposal-chosen", "PFS group not acceptable"),
])
def test_phase2_refusals(name: str, reason: str, note: str) -> None:
    run = _run(name)
    assert run.phase2_lab and not run.healthy
    assert (run.p2.outcome, run.p2.reason) == ("failed", reason)
    qm1 = next(m for m in facts.ladder(run.scenario, run.events, run.exchanges)
               if m.label == "QM1")
    assert note in qm1.notes and qm1.fate == "delivered"
    assert run.p2.esp_sent == {"RT1": 0, "RT2": 0}


def test_esp_blocked_is_phase2_with_esp_lost() -> None:
    run = _run("esp-blocked")
    assert run.p2.outcome == "established" and run.phase2_lab
    assert run.p2.esp_sent == {"RT1": 9, "RT2": 0}
    assert run.p2.esp_received == {"RT1": 0, "RT2": 0} and run.p2.esp_lost == 9
    drops = facts.data_drops(run.events)
    assert [(d.device, d.fields["reason"]) for d in drops].count(("ISP", "acl-in")) == 9
    table = "\n".join(data_drop_table(run))
    assert "| ISP | acl-in | ESP 10.10.10.2 > 11.11.11.2 | 9 |" in table
    assert "| RT1 | crypto-no-ipsec-sa | ICMP 172.16.1.2 > 172.16.2.2 | 1 |" in table


@pytest.mark.parametrize("name", ["policy-priority", "lossy-link", "link-flap",
                                  "missing-return-route", "psk-mismatch-fixed"])
def test_phase1_labs_stay_phase1(name: str) -> None:
    """Phase 1 labs whose tunnel comes up (even with losses) are not phase-2 labs."""
    assert not _run(name).phase2_lab


def test_fix_is_the_config_difference() -> None:
    assert config_diff(_run("missing-return-route"), _run("missing-return-route-fixed")) == [
        "@@ router RT2 @@", "+ip route 0.0.0.0 0.0.0.0 11.11.11.1"]
    assert config_diff(_run("psk-mismatch"), _run("psk-mismatch-fixed")) == [
        "@@ router RT2 @@", "-crypto isakmp key cisco124 address 10.10.10.2",
        "+crypto isakmp key cisco123 address 10.10.10.2"]
    assert config_diff(_run("pfs-mismatch"), _run("pfs-mismatch-fixed")) == [
        "@@ router RT1 @@", "+ set pfs group5"]
    assert config_diff(_run("esp-blocked"), _run("esp-blocked-fixed")) == [
        "@@ router ISP @@", "-access-list 120 deny esp any any",
        "+access-list 120 permit esp any any"]


# -- the generated docs ----------------------------------------------------------------------
def test_docs_are_up_to_date() -> None:
    """Regenerate the pages and compare with docs/: a stale page fails (run `make docs`)."""
    pages = build(CATALOGUE, src_root=ROOT)
    committed = {f"faults/{p.name}" for p in (DOCS / "faults").glob("*.md")} | {"index.md"}
    assert set(pages) == committed
    assert {f"faults/{f.stem}.md" for f in FAULTS + HEALTHY} <= set(pages)
    for rel, text in pages.items():
        assert text.startswith(HEADER.split("{src}")[0]), rel
        assert (DOCS / rel).read_text(encoding="utf-8") == text, f"docs/{rel} is stale"
    index = pages["index.md"]
    for fault in FAULTS:
        assert f"(faults/{fault.stem}.md)" in index
    for state in ("MM_NO_STATE", "MM_SA_SETUP", "MM_KEY_EXCH", "QM_IDLE"):
        assert state in index
    page = pages["faults/missing-return-route.md"]
    assert "RT2--xRT1: 5.005s MM2 lost at RT2: no-route" in page
    assert "+ip route 0.0.0.0 0.0.0.0 11.11.11.1" in page
    assert "11.11.11.2      10.10.10.2      MM_SA_SETUP           1       0" in page
    assert "QM1" not in page and "show crypto ipsec sa" not in page


def test_phase2_pages_and_index_section() -> None:
    pages = build(CATALOGUE, src_root=ROOT)
    index = pages["index.md"]
    phase1, phase2 = index.split("## The fault catalogue: phase 2")
    assert "## Phase 2: quick mode in three messages" in phase1
    assert "RT1->>RT2: 10.025s QM1" in phase1 and "RT1->>RT2: 10.033s QM3" in phase1
    for name in (*REQUIRED_PHASE2, "healthy-tunnel", "healthy-tunnel-aes256-pfs"):
        assert f"(faults/{name}.md)" in phase2 and f"(faults/{name}.md)" not in phase1
    assert "| established | failed (invalid-id) | `.....` `.....` |" in phase2
    page = pages["faults/transform-set-mismatch.md"]
    assert "RT1->>RT2: 10.025s QM1" in page
    assert "RT2->>RT1: 10.029s INFO NO_PROPOSAL_CHOSEN" in page
    assert "| phase 2 (quick mode) between RT1 and RT2 | **failed (no-proposal-chosen)** |" \
        in page
    assert "IPSEC(validate_proposal): transform proposal (prot 3, trans 3, hmac_alg 2)" in page
    assert "RT1#show crypto ipsec sa" in page and "Session status: DOWN" in page
    assert "+crypto ipsec transform-set TS esp-3des esp-sha-hmac" in page
    assert "phase 2 **established**; pings `.!!!!`" in page
    blocked = pages["faults/esp-blocked.md"]
    assert "| ESP RT1 to RT2 | 9 sent, 0 received |" in blocked
    assert "ISP#show access-lists" in blocked
    healthy = pages["faults/healthy-tunnel.md"]
    assert "## What this lab shows" in healthy and "## The fix" not in healthy
    assert "RT2->>RT1: 10.029s QM2" in healthy


def test_teach_cli_rejects_missing_catalogue(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "ikesim.teach", str(tmp_path),
                           "--catalogue", str(tmp_path / "nope")], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2 and "no such folder" in proc.stderr
    assert not (tmp_path / "faults").exists()


def test_pytest_collects_one_test_per_scenario() -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-o", "addopts=",
                           "-q", "-p", "no:cacheprovider", "scenarios/catalogue"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    items = [ln for ln in proc.stdout.splitlines() if "::" in ln]
    assert len(items) == len(FILES)
    assert "scenarios/catalogue/psk-mismatch.yaml::psk-mismatch" in items


def test_esp_drop_reasons_are_accepted(tmp_path: Path) -> None:
    """ESP drop reasons the receiving router records (esp-icv, esp-invalid-spi …) can be
    expected; an unknown one is rejected when the file loads."""
    text = (CATALOGUE / "healthy-tunnel.yaml").read_text()
    anchor = "  - drop: {protocol: esp, max: 0}\n"
    assert text.count(anchor) == 1
    ok = tmp_path / "ok.yaml"
    ok.write_text(text.replace(anchor, anchor + "  - drop: {device: RT2, reason: esp-icv, max: 0}\n"
                               "  - drop: {reason: esp-invalid-spi, max: 0}\n"))
    assert run_one(str(ok)).status == "pass"
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace(anchor, anchor + "  - drop: {reason: esp-bogus}\n"))
    outcome = run_one(str(bad))
    assert outcome.status == "invalid"


def test_topology_picture_comes_from_the_scenario() -> None:
    from ikesim.scenario.loader import load_scenario
    from ikesim.teach.pages import topology_lines

    lines = topology_lines(load_scenario(CATALOGUE / "lossy-link.yaml"))
    assert lines[0] == "```mermaid" and lines[1] == "graph LR" and lines[-1] == "```"
    assert '    PC1(["PC1<br/>172.16.1.2/24"])' in lines
    assert '    ISP ---|"Fa1/0 .1 — 11.11.11.0/24 — Fa1/0 .2 (30% loss)"| RT2' in lines
    assert sum("---|" in line for line in lines) == 4
