"""Two Linux gateways in one lab, lifetimes across vendors, and the seed's fault seen from a
Linux initiator (issue 15, docs/linux/): every lab passes its expectations, every fault has a
fixed twin that passes its own, and a fault's expectations fail on its fixed twin (they are
about the fault, not about any run). Then the behaviours behind them, each with its source:
pluto's replacement schedule (libreswan 4.10 ikev1.c, rekeyfuzz.c), charon's own IKE_SA timers
and its indifference to RESPONDER-LIFETIME (strongSwan 5.9.8 ike_sa.c, informational.c)."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from ikesim.check import run_all, run_one
from ikesim.linux.rekey import replace_delay, replace_margin
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import run_scenario

ROOT = Path(__file__).resolve().parent.parent
MIXED = ROOT / "scenarios" / "linux" / "mixed"
FAULTS = ("libreswan-strongswan-proposal-mismatch", "libreswan-strongswan-id-mismatch",
          "libreswan-strongswan-pfs-mismatch", "ios-strongswan-lifetime-mismatch",
          "ios-libreswan-lifetime-mismatch", "strongswan-ios-missing-route")
LABS = [MIXED / f"{name}.yaml" for name in FAULTS] + \
    [MIXED / f"{name}-fixed.yaml" for name in FAULTS] + \
    [MIXED / "libreswan-strongswan-healthy.yaml", MIXED / "ios15-libreswan-lifetime.yaml"]


def _run(name: str) -> str:
    return run_scenario(load_scenario(MIXED / f"{name}.yaml")).transcript_text()


def test_every_lab_and_fixed_twin_passes_its_expectations() -> None:
    outcomes = run_all(LABS, 2)
    assert [(o.file, o.status, o.failures) for o in outcomes if o.status != "pass"] == []
    assert all(o.expectations >= 5 for o in outcomes)


@pytest.mark.parametrize("fault", FAULTS)
def test_a_fault_s_expectations_fail_on_its_fixed_twin(tmp_path: Path, fault: str) -> None:
    fixed = yaml.safe_load((MIXED / f"{fault}-fixed.yaml").read_text())
    fixed["expect"] = yaml.safe_load((MIXED / f"{fault}.yaml").read_text())["expect"]
    path = tmp_path / f"{fault}.yaml"
    path.write_text(yaml.safe_dump(fixed, sort_keys=False))
    outcome = run_one(str(path))
    assert outcome.status == "fail", outcome
    assert outcome.failures


def test_two_linux_daemons_build_a_tunnel_and_report_it() -> None:
    """pluto numbers its quick mode #2 in every line, `ipsec status` lists the IPsec SA with
    its eroute, and charon's side shows the same SPIs."""
    text = _run("libreswan-strongswan-healthy")
    assert '"gw2" #2: initiating Quick Mode' in text
    spis = re.search(r'"gw2" #2: IPsec SA established tunnel mode \{ESP=>0x([0-9a-f]{8}) '
                     r'<0x([0-9a-f]{8})', text)
    assert spis is not None and "#3" not in text
    assert f"CHILD_SA lan{{1}} established with SPIs {spis[1]}_i {spis[2]}_o" in text
    assert "erouted; eroute owner: #2" in text
    assert "newest ISAKMP SA: #1; newest IPsec SA: #2;" in text
    assert "IPsec SAs: total(1), authenticated(1), anonymous(0)" in text
    assert f'#2: "gw2" esp.{int(spis[1], 16):x}@11.11.11.2' in text
    # the PRF of the proposal names the FIPS minimum (crypt_prf.c: half the key size)
    assert "too short for HMAC_SHA2_256 PRF in FIPS mode (16 bytes required)" in text


def test_each_daemon_refuses_a_proposal_in_its_own_words() -> None:
    text = _run("libreswan-strongswan-proposal-mismatch")
    pluto = [ln for ln in text.splitlines() if ln.startswith("Jan 01") and '"gw2" #2' in ln]
    assert [ln.split(": ", 2)[2] for ln in pluto] == [
        "responding to Main Mode",
        "WARNING: connection gw2 PSK length of 8 bytes is too short for HMAC_SHA2_256 PRF in "
        "FIPS mode (16 bytes required)",
        "no acceptable Oakley Transform",
        "sending notification NO_PROPOSAL_CHOSEN to 11.11.11.2:500"]
    # pluto keeps the refused responder state: no "deleting state" for it (STF_FAIL_v1N)
    assert '"gw2" #2: deleting state' not in text
    # its notify goes out before any key exists, with message ID 0 (v1_MAINMODE_MSGID)
    assert "<gw1|6> parsed INFORMATIONAL_V1 request 0 [ N(NO_PROP) ]" in text


def test_pluto_ignores_a_protected_refusal_and_keeps_resending_qm1() -> None:
    text = _run("libreswan-strongswan-pfs-mismatch")
    assert text.count("ignoring informational payload NO_PROPOSAL_CHOSEN, msgid=00000000, "
                      "length=16") == 8          # QM1 and its 7 resends
    assert text.count("no matching proposal found, sending NO_PROPOSAL_CHOSEN") == 8
    assert "#3:" not in text                      # one quick mode, resent, never a new one


def test_charon_drops_messages_for_an_unknown_ike_sa_silently() -> None:
    """process_message_job.c: no IKE_SA checked out, no answer (IOS would send
    INVALID-COOKIE)."""
    text = _run("libreswan-strongswan-id-mismatch")
    assert "<1> no peer config found" in text
    assert "INVAL_COOKIE" not in text
    assert text.count("STATE_MAIN_I3: retransmission") == 7


# -- lifetimes -------------------------------------------------------------------------------
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=86400),
       st.one_of(st.none(), st.integers(min_value=1, max_value=86400)),
       st.integers(min_value=0, max_value=7200), st.integers(min_value=0, max_value=500))
def test_pluto_replaces_within_the_shorter_lifetime(seed: int, own: int,
                                                    negotiated: int | None,
                                                    margin: int, fuzz: int) -> None:
    rng = random.Random(seed)
    initiator = replace_margin("I", margin, rng, fuzz)
    assert margin <= initiator <= margin * (100 + fuzz) / 100     # 100 + [0..rekeyfuzz] %
    assert replace_margin("R", margin, rng, fuzz) == margin / 2
    agreed = min(own, negotiated) if negotiated else own
    delay = replace_delay(own, negotiated, initiator)
    # ikev1.c: a replacement only when the lifetime outlasts the margin, else EVENT_SA_EXPIRE
    assert (delay is None) == (agreed <= initiator)
    assert delay is None or 0 < delay <= agreed


def test_pluto_replacement_figures() -> None:
    """Worked figures of libreswan's rule: an hour less a 9-minute margin; a 10-minute
    lifetime under an 18-minute margin is not replaced but expires."""
    assert replace_delay(3600, None, 540) == 3060
    assert replace_delay(28800, 3600, 540) == 3060          # the shorter lifetime counts
    assert replace_delay(600, None, 1080) is None


def _variant(tmp_path: Path, name: str, duration: str, extra: str = "") -> str:
    """A lab of MIXED with another duration and, if given, extra ipsec.conf lines after
    ``ikelifetime=1h``; its transcript."""
    text = (MIXED / f"{name}.yaml").read_text().split("\nexpect:")[0] + "\n"
    text = re.sub(r"(?m)^duration: .*$", f"duration: {duration}", text)
    assert "          ikelifetime=1h\n" in text
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace("          ikelifetime=1h\n", "          ikelifetime=1h\n" + extra))
    return run_scenario(load_scenario(path)).transcript_text()


def test_pluto_does_not_revive_a_connection_a_newer_sa_carries(tmp_path: Path) -> None:
    """Each replaced ISAKMP SA expires after its replacement is up: revival.c should_revive()
    skips it ("have newer #N"); only replacements follow, one an hour."""
    text = _variant(tmp_path, "ios-libreswan-lifetime-mismatch-fixed", "18000s")
    assert "supposed to remain up" not in text
    assert len(re.findall(r"initiating IKEv1 Main Mode connection to replace #\d+", text)) >= 4


def test_pluto_with_rekey_no_lets_the_sa_expire(tmp_path: Path) -> None:
    text = _variant(tmp_path, "ios-libreswan-lifetime-mismatch-fixed", "3500s",
                    "          rekey=no\n")
    assert "to replace #1" not in text
    assert re.search(r'#1: "rt1":500 STATE_MAIN_I4 \(IKE SA established\); newest;', text)


def test_pluto_replaces_its_isakmp_sa_when_ipsec_status_says() -> None:
    text = _run("ios-libreswan-lifetime-mismatch-fixed")
    shown = re.search(r'#1: "rt1":500 STATE_MAIN_I4 \(IKE SA established\); REPLACE in '
                      r'(\d+)s', text)
    assert shown is not None
    started = re.search(r'Jan 01 (\d\d):(\d\d):(\d\d)\.\d+: "rt1" #3: initiating IKEv1 Main '
                        r'Mode connection to replace #1', text)
    assert started is not None
    at = int(started[1]) * 3600 + int(started[2]) * 60 + int(started[3])
    assert abs(at - (30 + int(shown[1]))) <= 1           # `ipsec status` ran at 30 s
    # 3600 s less the initiator's margin: 540 s × (100 + 0..100) %
    assert 3600 - 1080 <= at - 2 <= 3600 - 540


def test_ios_12_2_refuses_a_longer_lifetime_from_pluto() -> None:
    text = _run("ios-libreswan-lifetime-mismatch")
    assert "life duration (basic) of 28800" in text
    assert "atts are not acceptable" in text
    assert "IKE SA established" not in text


def test_charon_keeps_its_own_timers_whatever_ios_notifies() -> None:
    """IOS 15 keeps 600 s and says so (RESPONDER-LIFETIME); charon logs the unnamed notify
    and schedules from swanctl.conf; the engine does not shorten its SA either."""
    scenario = load_scenario(MIXED / "ios-strongswan-lifetime-mismatch.yaml")
    result = run_scenario(scenario)
    text = result.transcript_text()
    assert "restart ike sa timer" not in text
    rekey = int(re.search(r"<rt1\|1> scheduling rekeying in (\d+)s", text)[1])
    maximum = int(re.search(r"<rt1\|1> maximum IKE_SA lifetime (\d+)s", text)[1])
    assert 14400 - 1440 <= rekey <= 14400 and maximum == rekey + 1440
    events = [e.as_json() for e in result.events.events if e.kind == "ike"]
    assert not [e for e in events if e["device"] == "GW2" and
                e.get("event") == "responder_lifetime"]
    deletes = [e["time"] for e in events if e["device"] == "RT1" and e.get("event") == "delete"]
    assert deletes and all(600 < t < 603 for t in deletes)
    # the CHILD_SA goes with the IKE_SA: the kernel SAs are deleted, RT1's stay
    assert text.count("deleted SAD entry with SPI") == 2
    assert "Success rate is 0 percent (0/5)" in text


def test_charon_reports_the_ios_phase2_lifetimes_it_does_not_use() -> None:
    """quick_mode.c apply_lifetimes(): IOS offers 3600 s and 4608000 KB; charon logs them
    (bytes = 1000 × KB) and keeps life_time 3960 s for its kernel SAs."""
    text = run_scenario(load_scenario(ROOT / "scenarios" / "linux" /
                                      "ios-strongswan-healthy.yaml")).transcript_text()
    assert "received 3600s lifetime, configured 3960s" in text
    assert "received 4608000000 lifebytes, configured 0" in text
    assert re.search(r"installed \d+s ago, rekeying in \d+s, expires in 39\d\ds", text)
