"""Data layout and lazy work behind the performance figures (issue 14): compact SA records that
drop what only one main-mode step needs, engines that hold no output between calls, SA indexes
that stay consistent, one OpenSSL key per DH object, and networkx loaded only on demand."""

from __future__ import annotations

import ipaddress
import json
import random
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from ikesim.crypto import DiffieHellman, private_value_from_bytes
from ikesim.crypto import dh as dh_module
from ikesim.ike.context import IDLE
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import QM_IDLE, IsakmpSa
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.net.lab import Lab

ROOT = Path(__file__).resolve().parents[1]
A = int(ipaddress.IPv4Address("10.10.10.2"))
B = int(ipaddress.IPv4Address("11.11.11.2"))
C = int(ipaddress.IPv4Address("12.12.12.2"))


def _crypto(*peers: int, group: int = 2) -> CryptoConfig:
    policy = IsakmpPolicy(1, encryption="aes256", hash="sha", authentication="pre-share",
                          group=group)
    return CryptoConfig(policies={1: policy},
                        keys=[PresharedKey("k3y", ipaddress.IPv4Address(p)) for p in peers])


def _engines(group: int = 2) -> Loopback:
    p = PROFILES["ios12"]
    return Loopback({
        A: IsakmpEngine(crypto=_crypto(B, group=group), profile=p, rng=random.Random(1),
                        local_addresses=[A]),
        B: IsakmpEngine(crypto=_crypto(A, C, group=group), profile=p, rng=random.Random(2),
                        local_addresses=[B]),
        C: IsakmpEngine(crypto=_crypto(B, group=group), profile=p, rng=random.Random(3),
                        local_addresses=[C])})


@pytest.mark.parametrize("group", [2, 14])
def test_established_sa_is_compact_and_keeps_no_step_leftovers(group: int) -> None:
    lb = _engines(group)
    lb.initiate(A, B)
    lb.run(5.0)
    i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
    assert i is not None and r is not None and i.state == r.state == QM_IDLE
    for sa in (i, r):
        assert not hasattr(sa, "__dict__")                   # __slots__ record
        with pytest.raises(AttributeError):
            sa.scratch = 1                                   # type: ignore[attr-defined]
        # the offer (checked at MM2), the answer (sent as MM2) and x (used for g^xy) are gone;
        # what later steps need stays: keys, IV chain, DH values for the report's inspector
        assert sa.offered is None and sa.chosen is None and sa.dh is None
        assert sa.cipher_key and sa.skeyid_d and sa.skeyid_a and sa.iv
        assert sa.gxi and sa.gxr and sa.sai_b
    assert i.cipher_key == r.cipher_key


def test_engines_hold_no_output_between_calls() -> None:
    lb = _engines()
    lb.initiate(A, B)
    lb.initiate(C, B)
    lb.run(5.0)
    for engine in lb.engines.values():
        assert engine._ctx.out is IDLE
    # nothing was ever emitted outside a call
    assert IDLE.sends == [] and IDLE.events == [] and not IDLE.timers and not IDLE.cancels
    assert lb.engines[B].established_sa(A) is not None
    assert lb.engines[B].established_sa(C) is not None


def test_sa_indexes_follow_the_lifecycle() -> None:
    lb = _engines()
    lb.initiate(A, B)
    lb.initiate(C, B)
    lb.run(5.0)
    hub = lb.engines[B]
    first = hub.established_sa(A)
    assert first is not None and hub.half_open() == 0 and hub.phase1_status(A) == "established"
    # a second SA with A: the newest established one wins, the count of live ones grows
    sadb = hub._ctx.sadb
    second = IsakmpSa(serial=sadb.next_serial(), role="R", local=B, peer=A, local_port=500,
                      peer_port=500, icookie=b"\x01" * 8, state=QM_IDLE)
    sadb.add(second)
    assert hub.established_sa(A) is second and hub.half_open(A) == 0
    sadb.mark_deleted(second)
    assert hub.established_sa(A) is first and second.serial in {s.serial for s in hub.sas()}
    sadb.remove(second)
    assert hub.sa(second.serial) is None and hub.established_sa(A) is first
    lb.engines[B].clear(10.0)
    assert hub.phase1_status(A) == hub.phase1_status(C) == "none"
    assert hub.half_open() == 0


def test_dh_loads_one_key_and_agrees_with_pow() -> None:
    x = private_value_from_bytes(14, bytes(range(32)))
    y = private_value_from_bytes(14, bytes(range(1, 33)))
    ossl, plain = DiffieHellman(14, x, "cryptography"), DiffieHellman(14, x, "pow")
    peer = DiffieHellman(14, y, "pow")
    assert not hasattr(ossl, "__dict__")
    assert ossl.public_bytes() == plain.public_bytes()
    assert ossl.shared_secret(peer.public_bytes()) == plain.shared_secret(peer.public_bytes())


def test_ffdh_warning_probe_matches_the_build() -> None:
    """The probe says whether loading and using an FFDH key warns; calls run bare only when
    it does not, and then no warning escapes them."""
    warns = dh_module.ffdh_warns()
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        x = private_value_from_bytes(14, b"\x07" * 32)
        DiffieHellman(14, x, "cryptography").shared_secret(
            DiffieHellman(14, x + 1, "pow").public_bytes())
    assert [str(w.message) for w in seen] == []
    assert isinstance(warns, bool)


def test_lab_graph_is_built_on_demand() -> None:
    lab = Lab()
    for name in ("R1", "R2", "R3"):
        config = DeviceConfig(hostname=name)
        for i, address in enumerate((f"10.0.{len(name)}.1/30", f"10.1.{name[-1]}.1/30")):
            config.interfaces[f"Fa0/{i}"] = InterfaceConfig(
                name=f"Fa0/{i}", address=ipaddress.IPv4Interface(address))
        lab.add_router(config)
    lab.connect("R1", "Fa0/0", "R2", "Fa0/0", name="a", delay=0.002)
    lab.connect("R2", "Fa0/1", "R3", "Fa0/0", name="b")
    lab.connect("R3", "Fa0/1", "R1", "Fa0/1", name="c")
    graph = lab.graph
    assert list(graph.nodes) == ["R1", "R2", "R3"]
    assert graph.edges["R1", "R2"] == {"links": ["a"], "delay": 0.002}
    assert graph.edges["R1", "R3"]["links"] == ["c"]
    assert lab.path("R1", "R3") == ["R1", "R3"]


def test_run_does_not_import_networkx() -> None:
    probe = ("import json, sys\nfrom click.testing import CliRunner\n"
             "from ikesim.cli import main\n"
             "r = CliRunner().invoke(main, ['run', 'scenarios/missing-return-route.yaml'])\n"
             "print(json.dumps([r.exit_code, 'networkx' in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         check=True, cwd=ROOT)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [0, False]


def test_exec_keyword_cache_hands_out_copies() -> None:
    from ikesim.ios.exec_parse import ExecError, keywords_at, parse_exec

    words = keywords_at(("show", "crypto"))
    assert "isakmp" in words and "engine" in words          # supported and sibling keywords
    words.clear()                                            # a caller's copy, not the cache
    assert "isakmp" in keywords_at(("show", "crypto"))
    assert parse_exec("sh cry isa sa").words == ("show", "crypto", "isakmp", "sa")
    with pytest.raises(ExecError, match="not supported by ikesim"):
        parse_exec("show crypto engine")                     # an IOS keyword ikesim lacks
    with pytest.raises(ExecError, match="Ambiguous"):
        parse_exec("s crypto isakmp sa")


def test_event_log_delivery_survives_a_failing_subscriber_and_late_subscribers() -> None:
    from ikesim.net.events import EventLog

    log = EventLog(keep=True)
    seen: list[tuple[str, int]] = []

    def late(event: object) -> None:
        seen.append(("late", event.seq))  # type: ignore[attr-defined]

    def first(event: object) -> None:
        seen.append(("first", event.seq))  # type: ignore[attr-defined]
        if event.seq == 0:  # type: ignore[attr-defined]
            log.subscribe(late)                         # from the next event on
            log.emit(1.0, "R1", "ike", event="nested")  # queued, delivered after this one
        if event.seq == 2:  # type: ignore[attr-defined]
            raise RuntimeError("subscriber failed")

    log.subscribe(first)
    log.emit(0.0, "R1", "ike", event="a")
    assert seen == [("first", 0), ("first", 1), ("late", 1)]
    with pytest.raises(RuntimeError):
        log.emit(2.0, "R1", "ike", event="b")
    log.emit(3.0, "R1", "ike", event="c")                # the log delivers again afterwards
    assert seen[-2:] == [("first", 3), ("late", 3)]
    assert [e.seq for e in log.events] == [0, 1, 2, 3]
