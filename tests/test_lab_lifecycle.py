"""ISAKMP SA lifecycle in the lab, driven from the console: `clear crypto isakmp`, dst/src
orientation on both routers, purge timing, and IPsec SAs outliving their ISAKMP SA (IOS)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import RunResult, run_scenario

FIXED = Path(__file__).resolve().parent.parent / "scenarios" / "missing-return-route-fixed.yaml"
EXTRA = """\
  - {at: 32s, device: RT1, exec: clear crypto isakmp 1}
  - {at: 33s, device: RT1, exec: sh crypto isakmp sa}
  - {at: 33s, device: RT2, exec: sh crypto isakmp sa}
  - {at: 94s, device: RT1, exec: sh crypto isakmp sa}
  - {at: 95s, device: PC1, exec: ping 172.16.2.2}
"""


@pytest.fixture(scope="module")
def cleared() -> RunResult:
    text = FIXED.read_text().replace("duration: 40s", "duration: 120s") + EXTRA
    return run_scenario(parse_scenario(text, file=str(FIXED)))


def _shows(run: RunResult, device: str, at: float) -> str:
    (event,) = [e for e in run.events.events if e.kind == "console" and e.device == device
                and e.fields.get("command") == "sh crypto isakmp sa" and e.time == at]
    return "\n".join(event.fields["output"])


def test_both_routers_show_initiator_as_src_and_responder_as_dst(cleared: RunResult) -> None:
    for device in ("RT1", "RT2"):
        rows = _shows(cleared, device, 30.0).splitlines()[1]
        assert rows.split()[:4] == ["11.11.11.2", "10.10.10.2", "QM_IDLE", "1"]


def test_clear_deletes_on_both_sides_then_purges(cleared: RunResult) -> None:
    for device in ("RT1", "RT2"):
        assert _shows(cleared, device, 33.0).splitlines()[1].split() == [
            "11.11.11.2", "10.10.10.2", "MM_NO_STATE", "1", "0", "(deleted)"]
    assert _shows(cleared, "RT1", 94.0).splitlines()[1:] == []      # header only: purged
    ike = [(e.device, e.fields["event"], round(e.time)) for e in cleared.events.events
           if e.kind == "ike" and e.fields["event"] in ("delete", "purge")]
    assert ike == [("RT1", "delete", 32), ("RT2", "delete", 32),
                   ("RT1", "purge", 92), ("RT2", "purge", 92)]


def test_clear_debug_lines_follow_the_command_echo(cleared: RunResult) -> None:
    lines = cleared.transcript_text().splitlines()
    at = lines.index("RT1#clear crypto isakmp 1")
    assert lines[at + 1] == "RT1#"
    assert lines[at + 3].endswith('ISAKMP (0:1): deleting SA reason "No reason"')


def test_ipsec_sas_outlive_the_cleared_isakmp_sa(cleared: RunResult) -> None:
    pings = [e.fields["output"][3] for e in cleared.events.events if e.kind == "console"
             and e.fields.get("command", "").startswith("ping")]
    assert pings[-1] == "!!!!!"


def _with_ipsec_lifetime(extra_map_line: str, events: str, duration: str) -> RunResult:
    text = FIXED.read_text().replace("duration: 40s", f"duration: {duration}")
    text = text.replace("       set transform-set TS\n",
                        f"       set transform-set TS\n       {extra_map_line}\n")
    return run_scenario(parse_scenario(text + events, file=str(FIXED)))


def test_ipsec_sas_expire_after_their_lifetime_and_traffic_renegotiates() -> None:
    run = _with_ipsec_lifetime("set security-association lifetime seconds 120",
                               "  - {at: 240s, device: PC1, exec: ping 172.16.2.2}\n", "260s")
    expired = [(e.device, round(e.time), e.fields["reason"]) for e in run.events.events
               if e.kind == "ike" and e.fields["event"] == "ipsec_sa_expired"]
    # negotiated at ~10 s (first ping) and, as it carried traffic, renegotiated at its soft
    # lifetime (~105 s); both pairs go 120 s after they were made; the second one was idle, so
    # nothing renegotiated it (ikesim/ike/ipsec_sas.py)
    assert expired == [("RT1", 130, "lifetime seconds"), ("RT2", 130, "lifetime seconds"),
                       ("RT1", 225, "lifetime seconds"), ("RT2", 225, "lifetime seconds")]
    pings = [e.fields["output"][3] for e in run.events.events if e.kind == "console"
             and e.fields.get("command", "").startswith("ping")]
    assert pings == [".!!!!", "!!!!!", ".!!!!"]       # the third ping renegotiates
    qm = [round(e.time) for e in run.events.events if e.kind == "ike" and e.device == "RT1"
          and e.fields["event"] == "qm_begin"]
    assert qm == [10, 105, 240]


def test_ipsec_sas_are_renegotiated_before_their_volume_runs_out() -> None:
    run = _with_ipsec_lifetime("set security-association lifetime kilobytes 2560",
                               "  - {at: 30s, device: PC1, exec: ping 172.16.2.2 repeat 200 size "
                               "18000}\n", "120s")
    rekeys = [(e.device, e.fields["reason"]) for e in run.events.events
              if e.kind == "ike" and e.fields["event"] == "ipsec_rekey"]
    assert rekeys == [("RT1", "soft lifetime kilobytes")]
    (output,) = [e.fields["output"] for e in run.events.events if e.kind == "console"
                 and e.fields.get("command", "").startswith("ping 172.16.2.2 repeat")]
    marks = "".join(line for line in output if line and set(line) <= set("!.U"))
    assert marks == "!" * 200                # the new pair was ready before the old one ran out
