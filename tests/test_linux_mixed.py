"""Mixed-vendor faults (issue 15, docs/linux/): IOS 12.2 against strongSwan 5.9 with each side's
own texts. Every lab passes its expectations, and breaking the fault (the healthy settings back)
makes them fail: the expectations are about the fault, not about any run."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.check import run_all, run_one

ROOT = Path(__file__).resolve().parent.parent
MIXED = ROOT / "scenarios" / "linux" / "mixed"
FILES = sorted(f for f in MIXED.glob("ios-strongswan-*.yaml")   # others: tests/test_linux_pair.py
               if "lifetime" not in f.stem)
# (lab, the faulty line, the healthy lab's line)
HEALED = (
    ("ios-strongswan-proposal-mismatch", "proposals = aes256-sha256-modp2048",
     "proposals = 3des-sha1-modp1024"),
    ("ios-strongswan-id-mismatch", "id = rt1.example.com", "id = 10.10.10.2"),
    ("ios-strongswan-pfs-mismatch", "esp_proposals = 3des-sha1-modp1024",
     "esp_proposals = 3des-sha1"),
)


def test_every_mixed_fault_passes_its_expectations() -> None:
    assert {f.stem for f in FILES} == {lab for lab, _, _ in HEALED}
    outcomes = run_all(FILES, 1)
    assert [(o.file, o.status, o.failures) for o in outcomes if o.status != "pass"] == []
    assert all(o.expectations >= 5 for o in outcomes)


@pytest.mark.parametrize(("lab", "faulty", "healthy"), HEALED, ids=[h[0] for h in HEALED])
def test_the_healed_lab_fails_the_fault_expectations(tmp_path: Path, lab: str, faulty: str,
                                                     healthy: str) -> None:
    text = (MIXED / f"{lab}.yaml").read_text()
    assert faulty in text
    path = tmp_path / f"{lab}.yaml"
    path.write_text(text.replace(faulty, healthy))
    outcome = run_one(str(path))
    assert outcome.status == "fail", outcome
    assert outcome.failures


def test_the_healthy_mixed_lab_carries_pings() -> None:
    """The reference the faults differ from: IOS and strongSwan agree, ESP carries the pings
    (the first echo starts the negotiation and is lost, as on IOS)."""
    from ikesim.scenario.loader import load_scenario
    from ikesim.scenario.runner import run_scenario

    text = run_scenario(load_scenario(ROOT / "scenarios" / "linux" /
                                      "ios-strongswan-healthy.yaml")).transcript_text()
    assert "Success rate is 80 percent (4/5)" in text
    assert "rt1: #1, ESTABLISHED, IKEv1" in text
    assert "11.11.11.2      10.10.10.2      QM_IDLE" in text
