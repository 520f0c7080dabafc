"""Scenario expectations: schema errors with file:line, and every kind both holding and failing
on real runs of two small labs (tests/data/expect/stuck.yaml and fixed.yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.errors import InputError
from ikesim.scenario.expect import (
    CountExpect,
    Expectations,
    PingExpect,
    SaExpect,
    check_scenario,
    evaluate,
    expectations_of,
    prepare,
)
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import Runtime

DATA = Path(__file__).parent / "data" / "expect"
STUCK = (DATA / "stuck.yaml").read_text()
FIXED = (DATA / "fixed.yaml").read_text()


def head(text: str) -> str:
    """The scenario without its expect section (to append new expectations)."""
    cut = text.find("\nexpect:")
    return text if cut < 0 else text[:cut] + "\n"


def with_expect(text: str, expect: str) -> str:
    return head(text) + "expect:\n" + expect


def line_of(text: str, fragment: str) -> int:
    return next(i for i, s in enumerate(text.splitlines(), 1) if fragment in s)


def run(text: str, file: str = "lab.yaml"):  # type: ignore[no-untyped-def]
    return check_scenario(parse_scenario(text, file=file))[1]


def invalid(text: str) -> InputError:
    """The loader validates `expect:` as it reads the file (with the device list)."""
    with pytest.raises(InputError) as err:
        expectations_of(parse_scenario(text, file="lab.yaml"))
    return err.value


# -- the labs pass -----------------------------------------------------------------------------
@pytest.mark.parametrize("text", [STUCK, FIXED], ids=["stuck", "fixed"])
def test_reference_labs_meet_all_their_expectations(text: str) -> None:
    sc = parse_scenario(text, file="lab.yaml")
    exp = expectations_of(sc)
    assert len(exp) >= 9
    assert {e.kind for e in exp} == {"phase1", "sa", "log", "count", "ping", "drop"}
    assert run(text) == []


def test_model_of_a_validated_section() -> None:
    exp = expectations_of(parse_scenario(STUCK, file="lab.yaml"))
    sa = exp.items[1]
    assert isinstance(sa, SaExpect) and sa.device == "RT2" and sa.at == 10.0 and sa.exact
    assert dict(sa.rows[0]) == {"dst": "11.11.11.2", "src": "10.10.10.2", "state": "MM_SA_SETUP",
                                "conn_id": 1, "deleted": False}
    assert sa.line == line_of(STUCK, "  - sa:")
    count = exp.items[6]
    assert isinstance(count, CountExpect)
    assert count.where == (("reason", "death by retransmission P1"),)
    ping = exp.items[7]
    assert isinstance(ping, PingExpect) and (ping.success, ping.of, ping.marks) == (0, 5, ".....")


def test_no_expect_section_is_empty() -> None:
    text = head(STUCK)
    exp = expectations_of(parse_scenario(text, file="lab.yaml"))
    assert isinstance(exp, Expectations) and len(exp) == 0
    assert run(text) == []


# -- every kind can fail, with a diff that says where, what was expected and what happened ----
MUTATIONS = [
    # (lab, original fragment, replacement, words the rendered failure must contain)
    ("stuck", "outcome: failed, reason: death-by-retransmission", "outcome: established",
     ["between RT1 and RT2: established", "outcome: failed (death-by-retransmission)",
      "RT1: no completed phase 1 with RT2 (last state MM_NO_STATE)",
      "RT2 delete reason=death by retransmission P1"]),
    ("stuck", "reason: death-by-retransmission", "reason: no-proposal-chosen",
     ["failed (no-proposal-chosen)", "outcome: failed (death-by-retransmission)"]),
    ("fixed", "outcome: established, by: 3s", "outcome: established, by: 2.01s",
     ["established by 2.01s", "outcome: failed (incomplete)"]),
    ("stuck", "state: MM_SA_SETUP, conn_id: 1", "state: MM_KEY_EXCH, conn_id: 1",
     ["sa RT2 at 10s (exact table)", "row 1 differs: state: expected MM_KEY_EXCH, got "
      "MM_SA_SETUP", "11.11.11.2      10.10.10.2      MM_SA_SETUP           1 no      R"]),
    ("fixed", "at: 1s, rows: []", "at: 4s, rows: []",
     ["(empty table)", "expected 0 row(s), the table has 1", "QM_IDLE"]),
    ("stuck", "contains: [{state: MM_NO_STATE, conn_id: 1, deleted: true}]",
     "contains: [{state: MM_NO_STATE, conn_id: 1, deleted: false}]",
     ["(contains)", "no row matches expected row 1", "MM_NO_STATE           1 yes"]),
    ("stuck", "within: [10s, 15s]", "within: [3s, 11s]",
     ["within [3s, 11s]", "0 matching line(s)", "outside the window, first at 12.005s",
      "phase 1 packet is a duplicate of a previous packet."]),
    ("stuck", 'match: "QM_IDLE", absent: true', 'match: "NEW SA", absent: true',
     ["no line matching /NEW SA/", "1 matching line(s)",
      "2.005s 00:00:02: ISAKMP (0:0): received packet from 10.10.10.2 (N) NEW SA"]),
    ("fixed", "match: duplicate, absent: true", "match: 'MM_SA_SETUP', equals: 3",
     ["exactly 3 line(s) matching /MM_SA_SETUP/", "2 matching line(s)"]),
    ("stuck", "event: retransmit, equals: 5", "event: retransmit, min: 6",
     ["at least 6 'retransmit' event(s) on RT1", "5 'retransmit' event(s)",
      "52.001s RT1 conn-id 1 state=MM_NO_STATE"]),
    ("stuck", "where: {reason: death by retransmission P1}, equals: 1",
     "where: {reason: No reason}, equals: 1", ["reason='No reason'", "0 'delete' event(s)"]),
    ("fixed", "count: {event: retransmit, max: 0}", "count: {event: phase1_complete, max: 1}",
     ["at most 1 'phase1_complete' event(s) on all routers", "2 'phase1_complete' event(s)"]),
    ("stuck", 'success: 0, of: 5, marks: "....."', "success: 5, of: 5",
     ["5 replies of 5", "0 replies of 5, not 5", "Success rate is 0 percent (0/5)"]),
    ("stuck", 'success: 0, of: 5, marks: "....."', 'marks: "....!"',
     ["marks ....., not ....!"]),
    ("fixed", "marks_match: '\\.[.!]{4}'", "marks_match: '!+'",
     ["marks matching /!+/", "do not match /!+/", "PC1#ping 172.16.2.2 rep 5"]),
    ("fixed", "marks: '!!!'", "marks: '!!.'",
     ["3 replies of 3, marks !!.", "marks !!!, not !!.", "Success rate is 100 percent (3/3)"]),
    ("fixed", "to: 172.16.2.2, at: 2s", "to: 172.16.2.2, at: 3s", ["no such ping in the run"]),
    ("stuck", "reason: no-route, protocol: udp, min: 1", "reason: no-route, protocol: tcp",
     ["drop(s) on RT2: reason no-route, protocol tcp", "0 matching drop(s) on RT2",
      "all drops there: RT2 no-route x6"]),
    ("fixed", "within: [1s, 1.9s], max: 0", "within: [1s, 2.5s], max: 0",
     ["at most 0 drop(s) on RT1: reason crypto-no-ipsec-sa within [1s, 2.5s]",
      "1 matching drop(s) on RT1 within [1s, 2.5s]",
      "2.001s RT1 crypto-no-ipsec-sa on FastEthernet1/0: ICMP 172.16.1.2 > 172.16.2.2"]),
    ("fixed", "interface: Fa1/0, protocol: icmp, min: 1", "interface: Fa0/0, min: 1",
     ["at least 1 drop(s) on RT1: reason crypto-no-ipsec-sa, interface FastEthernet0/0",
      "0 matching drop(s) on RT1", "all drops there: RT1 crypto-no-ipsec-sa x"]),
]


@pytest.mark.parametrize(("lab", "old", "new", "words"), MUTATIONS,
                         ids=[f"{m[0]}-{i}" for i, m in enumerate(MUTATIONS)])
def test_each_kind_can_fail_with_a_useful_diff(lab: str, old: str, new: str,
                                               words: list[str]) -> None:
    text = {"stuck": STUCK, "fixed": FIXED}[lab]
    assert old in text
    mutated = text.replace(old, new, 1)
    failures = run(mutated)
    assert len(failures) == 1
    failure = failures[0]
    line = line_of(mutated, new.splitlines()[0])
    rendered = failure.render()
    assert 0 <= line - failure.line <= 4           # the expectation's first line
    assert rendered.startswith(f"lab.yaml:{failure.line}: expectation failed: ")
    assert "\n  expected:\n" in rendered and "\n  actual:\n" in rendered
    for word in words:
        assert word in rendered, f"{word!r} not in:\n{rendered}"
    assert failure.headline().startswith(f"lab.yaml:{failure.line}: ")


# -- phase 1 reasons follow from the IKE events -------------------------------------------
def _fixed_with(rt2_old: str, rt2_new: str) -> str:
    cut = FIXED.index("  RT2:")
    return FIXED[:cut] + FIXED[cut:].replace(rt2_old, rt2_new, 1)


@pytest.mark.parametrize(("old", "new", "reason"), [
    (" encr 3des", " encr aes", "no-proposal-chosen"),
    (" group 2", " group 5", "no-proposal-chosen"),
    ("key cisco123 address", "key cisco999 address", "bad-message"),
])
def test_failed_phase1_reason_is_derived_from_events(old: str, new: str, reason: str) -> None:
    text = with_expect(_fixed_with(old, new),
                       f"  - phase1: {{between: [RT2, RT1], outcome: failed, reason: {reason}}}\n"
                       "  - phase1: {between: [RT1, RT2], outcome: established}\n")
    failures = run(text)
    assert len(failures) == 1 and failures[0].kind == "phase1"
    assert f"outcome: failed ({reason})" in failures[0].render()


def test_no_psk_on_the_initiator() -> None:
    cut = FIXED.index("  ISP:")
    text = FIXED[:cut].replace(" crypto isakmp key cisco123 address 11.11.11.2\n", "") + \
        FIXED[cut:]
    text = with_expect(text, "  - phase1: {between: [RT1, RT2], outcome: failed, "
                             "reason: no-psk}\n"
                             "  - count: {device: RT1, event: sa_created, max: 0}\n")
    assert run(text) == []


def test_not_attempted_when_nothing_triggers_phase1() -> None:
    text = head(FIXED).replace("  - {at: 2s, device: PC1, exec: ping 172.16.2.2 rep 5}\n", "")
    assert run(with_expect(text, "  - phase1: {between: [RT1, RT2], outcome: failed, "
                                 "reason: not-attempted}\n")) == []


def test_ios15_conn_ids_in_sa_rows() -> None:
    text = FIXED.replace("platform: ios12", "platform: ios15")
    text = with_expect(text, "  - sa: {device: RT2, at: 5s, contains: [{state: QM_IDLE, "
                             "conn_id: 1001}]}\n")
    assert run(text) == []


# -- SA snapshots are taken during the run --------------------------------------------------
def test_snapshot_sees_the_table_at_that_time_not_at_the_end() -> None:
    text = with_expect(STUCK, "  - sa: {device: RT2, at: 3s, rows: [{state: MM_SA_SETUP}]}\n"
                              "  - sa: {device: RT2, at: 1s, rows: []}\n"
                              "  - sa: {device: RT2, at: 75s, rows: "
                              "[{state: MM_NO_STATE, deleted: true}]}\n")
    assert run(text) == []


def test_snapshot_is_taken_after_the_events_of_the_same_instant() -> None:
    text = head(FIXED).replace("events:\n", "events:\n  - {at: 1s, device: RT1, "
                                            "initiate: 11.11.11.2}\n", 1)
    text = with_expect(text, "  - sa: {device: RT1, at: 1s, rows: [{state: MM_NO_STATE, "
                             "conn_id: 1, role: I, deleted: false}]}\n"
                             "  - sa: {device: RT2, at: 1s, rows: []}\n")
    assert run(text) == []


def test_snapshot_after_the_end_of_the_run_fails() -> None:
    text = with_expect(STUCK, "  - sa: {device: RT2, at: 80s, rows: []}\n")
    failures = run(text)
    assert len(failures) == 1
    assert "the run ended at 75s, before the snapshot time" in failures[0].render()


def test_evaluate_without_prepare_reports_missing_snapshot() -> None:
    sc = parse_scenario(with_expect(STUCK, "  - sa: {device: RT2, at: 3s, rows: []}\n"),
                        file="lab.yaml")
    rt = Runtime(sc)
    result = rt.run()
    failures = evaluate(expectations_of(sc), result, rt)
    assert "prepare() not called" in failures[0].render()
    rt2 = Runtime(sc)
    prepare(expectations_of(sc), rt2)
    failures = evaluate(expectations_of(sc), rt2.run(), rt2)
    assert "row 1 differs" not in failures[0].render()
    assert "expected 0 row(s), the table has 1" in failures[0].render()


# -- schema errors name the file and the line ----------------------------------------------
@pytest.mark.parametrize(("expect", "reason"), [
    ("  - phase2: {between: [RT1, RT2]}\n", "unknown expectation 'phase2'"),
    ("  - phase1: {between: [RT1, RT2], outcome: established, colour: red}\n",
     "unknown setting 'colour'"),
    ("  - phase1: {between: [RT1], outcome: established}\n", "must name two routers"),
    ("  - phase1: {between: [RT1, PC1], outcome: established}\n", "'PC1' is not a router"),
    ("  - phase1: {between: [RT1, RT2], outcome: up}\n", "'outcome' must be one of"),
    ("  - phase1: {between: [RT1, RT2], outcome: established, reason: no-psk}\n",
     "'reason' goes with 'outcome: failed'"),
    ("  - phase1: {between: [RT1, RT2], outcome: failed, reason: gremlins}\n",
     "'reason' must be one of"),
    ("  - sa: {device: RT2, at: 5s}\n", "exactly one of 'rows'"),
    ("  - sa: {device: RT2, rows: []}\n", "missing 'at'"),
    ("  - sa: {device: RT9, at: 5s, rows: []}\n", "unknown device 'RT9'"),
    ("  - sa: {device: PC1, at: 5s, rows: []}\n", "'PC1' is a host, not a router"),
    ("  - sa: {device: RT2, at: soon, rows: []}\n", "sa at must be a time"),
    ("  - sa: {device: RT2, at: 5s, rows: [{state: MM_WAIT}]}\n", "'state' must be one of"),
    ("  - sa: {device: RT2, at: 5s, rows: [{conn: 1}]}\n", "unknown row field 'conn'"),
    ("  - sa: {device: RT2, at: 5s, rows: [{dst: 1.2.3}]}\n", "'dst' must be an IPv4"),
    ("  - sa: {device: RT2, at: 5s, rows: [{deleted: maybe}]}\n", "'deleted' must be true"),
    ("  - sa: {device: RT2, at: 5s, contains: []}\n", "'contains' needs at least one row"),
    ("  - log: {device: RT2, match: 'MM_(SA'}\n", "not a valid regular expression"),
    ("  - log: {device: RT2, match: x, within: [9s, 3s]}\n", "'within' ends before it starts"),
    ("  - log: {device: RT2, match: x, within: 9s}\n", "'within' must be [START, END]"),
    ("  - log: {device: RT2, match: x, absent: true, min: 2}\n", "already means 'equals: 0'"),
    ("  - log: {device: RT2}\n", "missing 'match'"),
    ("  - count: {device: RT1, event: retransmits}\n",
     "unknown IKE event 'retransmits' (did you mean retransmit"),
    ("  - count: {device: RT1, event: zzz}\n", "kinds are listed in ikesim/ike/events.py"),
    ("  - count: {event: retransmit, equals: 2, min: 1}\n", "either 'equals' or 'min'/'max'"),
    ("  - count: {event: retransmit, min: 3, max: 2}\n", "'min' (3) is greater than 'max'"),
    ("  - count: {event: retransmit, min: -1}\n", "'min' must be an integer >= 0"),
    ("  - count: {event: retransmit, where: {peer: [1, 2]}}\n", "must be a single value"),
    ("  - ping: {device: PC1}\n", "say what to check"),
    ("  - ping: {device: PC1, success: 6, of: 5}\n", "'success' (6) is greater than 'of'"),
    ("  - ping: {device: PC1, marks: '!!x'}\n", "'marks' is a string of ping marks"),
    ("  - ping: {device: PC1, rate: 101}\n", "'rate' must be an integer 0..100"),
    ("  - drop: {device: RT2, reason: no-routes}\n", "'reason' must be one of"),
    ("  - drop: {device: RT2, protocol: gre}\n", "'protocol' must be"),
    ("  - drop: {interface: Bogus9/9}\n", "'interface' is not an interface name"),
    ("  - drop: {dst: 300.1.1.1}\n", "'dst' must be an IPv4 address"),
    ("  - just-a-string\n", "each expectation is one of"),
    ("  - sa: 5\n", "'sa' needs a mapping"),
])
def test_schema_errors_name_file_and_line(expect: str, reason: str) -> None:
    text = with_expect(STUCK, "  - log: {device: RT2, match: ok}\n" + expect)
    err = invalid(text)
    assert reason in str(err), str(err)
    assert err.file == "lab.yaml"
    assert err.line == len(text.splitlines())       # the offending expectation's line
    assert str(err).startswith(f"lab.yaml:{err.line}: ")


def test_error_line_points_into_multiline_expectation() -> None:
    text = with_expect(STUCK, "  - sa:\n      device: RT2\n      at: 5s\n      rows:\n"
                              "        - {state: QM_IDLE}\n        - {state: MM_BOGUS}\n"
                              "        - {state: QM_IDLE}\n")
    err = invalid(text)
    assert err.line == line_of(text, "MM_BOGUS")


def test_expect_must_be_a_list() -> None:
    text = with_expect(STUCK, "  phase1: {between: [RT1, RT2], outcome: established}\n")
    err = invalid(text)
    assert "expect must be a list" in str(err) and err.line == line_of(text, "  phase1:")


def test_unknown_device_names_are_rejected_when_the_file_loads() -> None:
    text = with_expect(STUCK, "  - phase1: {between: [RT1, RT9], outcome: established}\n")
    err = invalid(text)
    assert "'RT9' is not a router of this scenario" in str(err)
    assert err.line == len(text.splitlines())


def test_every_example_in_the_docs_is_valid() -> None:
    doc = (Path(__file__).parent.parent / "docs" / "expectations.md").read_text()
    blocks = [b.split("```")[0] for b in doc.split("```yaml\n")[1:]]
    items = [b for b in blocks if b.lstrip().startswith(("- ", "expect:"))]
    assert len(items) >= 7
    for block in items:
        body = block.split("expect:\n", 1)[1] if block.startswith("expect:") else \
            "".join(f"  {s}\n" for s in block.splitlines())
        sc = parse_scenario(with_expect(STUCK, body), file="doc.yaml")
        assert len(expectations_of(sc)) >= 1, block
