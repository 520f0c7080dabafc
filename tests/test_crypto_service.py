"""The router's ISAKMP service at scale: timers on one heap, compiled crypto-map and ACL
classifiers that agree with the literal IOS walk, and debug text formatted only for consoles
that listen."""

from __future__ import annotations

import ipaddress
from pathlib import Path

import simpy
from hypothesis import given, settings
from hypothesis import strategies as st

import ikesim.ios.crypto as crypto_module
import ikesim.ios.crypto_map as crypto_map_module
from ikesim.ike.events import IkeEvent
from ikesim.ike.policy import CryptoMapEntry, TransformSet
from ikesim.ios.crypto import SYSLOG_KINDS
from ikesim.ios.crypto_map import MapClassifier, proxy_of
from ikesim.ios.crypto_timers import EngineTimers
from ikesim.ios.isakmp_log import EVENT_KINDS, format_event
from ikesim.net.acl import Acl, AclEntry, PortMatch
from ikesim.net.config import DeviceConfig
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.runner import Runtime

ROOT = Path(__file__).resolve().parents[1]


# ---------------------------------------------------------------------------------- timers
def _heap() -> tuple[simpy.Environment, EngineTimers, list[tuple[float, object]]]:
    env = simpy.Environment()
    fired: list[tuple[float, object]] = []
    return env, EngineTimers(env, lambda key: fired.append((env.now, key))), fired


def test_timers_fire_in_time_then_arm_order_and_cancelled_ones_never() -> None:
    env, timers, fired = _heap()
    timers.arm("b", 2.0)
    timers.arm("a", 1.0)
    timers.arm("c", 2.0)
    timers.arm("gone", 1.5)
    timers.cancel("gone")
    timers.arm("moved", 0.5)
    timers.arm("moved", 3.0)          # re-armed: only the new time counts
    env.run()
    assert fired == [(1.0, "a"), (2.0, "b"), (2.0, "c"), (3.0, "moved")]
    assert len(timers) == 0


def test_cancelled_timers_leave_no_process_or_callback_behind() -> None:
    env, timers, fired = _heap()
    for i in range(1000):
        timers.arm(("retransmit", i), 10.0 + i)
        timers.cancel(("retransmit", i))
    for i in range(1000):                # re-arming the same keys leaves one live timer each
        timers.arm(("lifetime", i % 10), 100.0 + i)
    queued = [event for _, _, _, event in env._queue]
    assert not any(isinstance(e, simpy.Process) for e in queued)      # bare timeouts only
    assert sum(1 for e in queued if e.callbacks) == len(timers) == 10
    env.run()
    assert [key for _, key in fired] == [("lifetime", k) for k in range(10)]


def test_timer_armed_while_firing_for_the_same_instant_fires_after() -> None:
    env = simpy.Environment()
    fired: list[object] = []

    def fire(key: object) -> None:
        fired.append(key)
        if key == "first":
            timers.arm("same-instant", env.now)
            timers.arm("later", env.now + 1)

    timers = EngineTimers(env, fire)
    timers.arm("first", 1.0)
    timers.arm("second", 1.0)
    env.run()
    assert fired == ["first", "second", "same-instant", "later"]
    assert env.now == 2.0


def test_timers_fire_at_the_float_time_a_simpy_timeout_would() -> None:
    """Armed at 12.342 for 31.313: a timeout armed then fires at exactly 31.313, where one
    scheduled later from 12.961 could only reach 31.312999999999995 (runs stay identical)."""
    env, timers, fired = _heap()
    env.run(until=12.341999999999999)
    timers.arm("a", 31.313)
    timers.arm("b", 12.961)
    env.run()
    assert fired == [(12.961, "b"), (31.313, "a")]


# --------------------------------------------------------------------------- compiled ACLs
_addresses = st.sampled_from([0x0A000001, 0x0A000101, 0x0A0001FF, 0xC0A80001, 0xC0A80101,
                              0xAC100001])
_wildcards = st.sampled_from([0, 0xFF, 0xFFFF, 0xFFFFFFFF, 0x0000FF00, 0x7F])
_ports = st.one_of(st.none(), st.builds(PortMatch, st.sampled_from(["eq", "lt", "gt", "neq"]),
                                        st.sampled_from([22, 500, 1024])))
_entries = st.builds(
    AclEntry, st.sampled_from(["permit", "deny"]), st.sampled_from([None, 1, 6, 17]),
    _addresses, _wildcards, _addresses, _wildcards, _ports, _ports,
    st.sampled_from([None, 0, 8]))
_packets = st.tuples(_addresses, _addresses, st.sampled_from([1, 6, 17, 50]),
                     st.sampled_from([None, 22, 500, 4000]), st.sampled_from([None, 22, 500]),
                     st.sampled_from([None, 0, 8]))


def _literal(entries: list[AclEntry], packet: tuple) -> AclEntry | None:
    return next((e for e in entries if e.matches(*packet)), None)


@settings(max_examples=200, deadline=None)
@given(st.lists(_entries, max_size=8), st.lists(_packets, min_size=1, max_size=10))
def test_compiled_acl_is_the_literal_first_match(entries: list[AclEntry],
                                                 packets: list[tuple]) -> None:
    acl = Acl("X", "extended", list(entries))
    for packet in packets:
        assert acl.evaluate(*packet) is _literal(entries, packet)
        want = _literal(entries, packet)
        assert acl.filter(*packet) is (want is not None and want.action == "permit")


def test_compiled_acl_follows_edits_of_its_entries() -> None:
    permit = AclEntry("permit", None, 0x0A000001, 0)
    deny = AclEntry("deny", None, 0x0A000001, 0)
    acl = Acl("X", "extended", [permit])
    assert acl.permits(0x0A000001, 1, 1)
    acl.entries.insert(0, deny)          # as `ip access-list` edits do
    assert not acl.permits(0x0A000001, 1, 1)
    del acl.entries[0]
    assert acl.permits(0x0A000001, 1, 1)
    acl.entries[0] = deny
    assert not acl.permits(0x0A000001, 1, 1)


# ---------------------------------------------------------------------- crypto map classifier
def _map_config(acls: list[list[AclEntry]], with_peer: list[bool]) -> DeviceConfig:
    config = DeviceConfig(hostname="R")
    config.crypto.transform_sets["TS"] = TransformSet("TS", ["esp-3des", "esp-sha-hmac"])
    entries = []
    for i, (lines, peer) in enumerate(zip(acls, with_peer, strict=True)):
        config.acls[f"A{i}"] = Acl(f"A{i}", "extended", list(lines))
        entries.append(CryptoMapEntry("M", 10 * (len(acls) - i), [ipaddress.IPv4Address(
            0x01010100 + i)] if peer else [], ["TS"], f"A{i}"))
    config.crypto.maps["M"] = entries            # deliberately out of sequence order
    return config


def _literal_map(config: DeviceConfig, packet: tuple) -> tuple[int, AclEntry] | None:
    for entry in config.crypto.map_entries("M"):
        acl = config.acls[entry.match_acl]
        if not entry.peers:
            continue
        line = _literal(acl.entries, packet)
        if line is not None and line.action == "permit":
            return int(entry.peers[0]), line
    return None


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(_entries, min_size=1, max_size=4), st.booleans()),
                min_size=1, max_size=6),
       st.lists(_packets, min_size=1, max_size=10))
def test_map_classifier_is_the_literal_sequence_order_walk(maps: list, packets: list) -> None:
    config = _map_config([m[0] for m in maps], [m[1] for m in maps])
    classifier = MapClassifier(config, "M", "FastEthernet0/0")
    for packet in packets:
        hit = classifier.classify(*packet)
        got = None if hit is None else (hit[0].peer, hit[1])
        want = _literal_map(config, packet)
        assert got == want and (got is None or got[1] is want[1])
        if hit is not None:             # what the rule computed once, as computed per packet
            rule, line, proxy = hit
            assert proxy == proxy_of(line)
            assert rule.label == f"M {rule.entry.sequence}"
            assert rule.peer_text == str(ipaddress.IPv4Address(rule.peer))


def test_map_rules_are_compiled_again_when_the_acl_changes() -> None:
    """The proxies, label and compiled ACL a rule keeps belong to the configuration they were
    compiled from: configuring the router (a new ACL line) compiles the map again."""
    rt = Runtime(load_scenario(ROOT / "scenarios" / "missing-return-route.yaml"))
    rt1 = rt.devices["RT1"]
    packet = (0xAC100105, 0xC0A80105, 1, None, None, 8)        # 172.16.1.5 -> 192.168.1.5
    assert rt1.crypto._classifiers["FastEthernet1/0"].classify(*packet) is None
    rt1.configure(["access-list 101 permit ip 172.16.1.0 0.0.0.255 192.168.1.0 0.0.0.255"],
                  file=None, line_offset=0)
    rule, line, proxy = rt1.crypto._classifiers["FastEthernet1/0"].classify(*packet)
    assert line.dst == 0xC0A80100 and proxy.remote_net == 0xC0A80100
    assert proxy.remote_mask == 0xFFFFFF00 and rule.label == "CMAP 10"
    assert rule.peer_text == "11.11.11.2"


@settings(max_examples=60, deadline=None)
@given(st.lists(_entries, min_size=1, max_size=4), st.lists(_packets, min_size=1, max_size=12))
def test_map_classifier_memo_answers_as_the_walk_and_stays_bounded(entries: list,
                                                                    packets: list) -> None:
    """A packet 6-tuple is classified once (its verdict memoised on the classifier, which a
    new configuration replaces: test above); asked again, or after the memo was emptied for
    being full, the answer is the walk's."""
    config = _map_config([entries], [True])
    classifier = MapClassifier(config, "M", "FastEthernet0/0")
    limit = 3
    original = crypto_map_module.CLASSIFY_MEMO_LIMIT
    crypto_map_module.CLASSIFY_MEMO_LIMIT = limit
    try:
        for packet in packets + packets:
            assert classifier.classify(*packet) == classifier._classify(*packet)
            assert len(classifier._memo) <= limit
    finally:
        crypto_map_module.CLASSIFY_MEMO_LIMIT = original


def test_map_classifier_builds_each_policy_once_with_its_interface() -> None:
    line = AclEntry("permit", None, 0xAC100100, 0xFF, 0xAC100200, 0xFF)
    config = _map_config([[line], [line]], [True, False])
    classifier = MapClassifier(config, "M", "FastEthernet1/0")
    (policy,) = classifier.policies()          # the entry without a peer is ignored
    assert policy.interface == "FastEthernet1/0" and policy.proxies[0].remote_net == 0xAC100200


# ------------------------------------------------------------------------------ debug text
class _AnyFields(dict):
    """Every field a formatter asks for, with a plausible value."""

    VALUES = {"attributes": [["encryption", "3DES-CBC"], ["hash", "SHA"]],
              "attribute": "encryption", "role": "I", "state": "MM_NO_STATE",
              "old": "IKE_READY", "new": "IKE_I_MM1", "input": "IKE_MESG_INTERNAL",
              "reason": "x", "transform": "esp-3des esp-sha-hmac", "method": "pre-shared key",
              "id_type": "ID_IPV4_ADDR", "payload": "SA", "local_groups": [2]}

    def __missing__(self, name: str) -> object:
        return self.VALUES.get(name, 1)


def test_syslog_kinds_are_exactly_the_kinds_that_can_print_a_percent_line() -> None:
    for dialect in ("12.2", "15"):
        for kind in EVENT_KINDS:
            event = IkeEvent(kind, 1, 1, _AnyFields(peer=0x0A000001, local=0x0B000002))
            texts = [t for _, t in format_event(dialect, event)]
            assert any(t.startswith("%") for t in texts) == (kind in SYSLOG_KINDS), kind


def test_no_debug_text_is_formatted_when_no_console_listens(monkeypatch) -> None:
    scenario = load_scenario(ROOT / "scenarios" / "main-mode-lab.yaml")
    scenario.events = [e for e in scenario.events if "debug" not in e.command]
    calls: list[str] = []
    real = crypto_module.format_event
    monkeypatch.setattr(crypto_module, "format_event",
                        lambda dialect, event: calls.append(event.kind) or real(dialect, event))
    rt = Runtime(scenario)
    rt.run()
    assert calls == []
    # the structured record is complete all the same: six main-mode messages, cookies on them
    tx = [e for e in rt.events.events if e.kind == "ike" and e.fields["event"] == "tx"]
    assert len(tx) == 6 and all(len(e.fields["icookie"]) == 16 for e in tx)
    assert rt.devices["RT1"].crypto.engine.established_sa(
        int(ipaddress.IPv4Address("11.11.11.2"))) is not None

