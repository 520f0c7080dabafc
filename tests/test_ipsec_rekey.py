"""IPsec SA rekey before expiry (Cisco: a new SA is negotiated ~30 s before the seconds lifetime
or at 90 % of the kilobytes; ikesim/ike/ipsec_sas.py): with continuous traffic no packet meets
an invalid SPI across several rekeys, the new pair exists before the old one expires, both show
in `show crypto ipsec sa` meanwhile, and the old pair's hard expiry removes it. An idle pair is
not renegotiated; both peers reaching the soft lifetime make one quick mode, not two."""

from __future__ import annotations

import ipaddress
import random
from pathlib import Path

import pytest

from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.scenario.loader import parse_scenario
from ikesim.scenario.runner import RunResult, run_scenario

FIXED = Path(__file__).resolve().parent.parent / "scenarios" / "missing-return-route-fixed.yaml"
LIFETIME = 120                  # seconds (`set security-association lifetime seconds 120`)
EVENTS = """\
  - {at: 12s, device: PC1, exec: ping 172.16.2.2, every: 4s}
  - {at: 125s, device: RT1, exec: show crypto ipsec sa}
  - {at: 140s, device: RT1, exec: show crypto ipsec sa}
  - {at: 100s, device: RT1, exec: debug crypto ipsec}
"""


def busy_lab(duration: str = "600s", events: str = EVENTS,
             lifetime: str = f"seconds {LIFETIME}") -> RunResult:
    text = FIXED.read_text().replace("duration: 40s", f"duration: {duration}")
    text = text.replace("       set transform-set TS\n",
                        f"       set transform-set TS\n"
                        f"       set security-association lifetime {lifetime}\n")
    return run_scenario(parse_scenario(text + events, file=str(FIXED)))


def ike(run: RunResult, kind: str, device: str | None = None) -> list:
    return [e for e in run.events.events if e.kind == "ike" and e.fields["event"] == kind
            and (device is None or e.device == device)]


@pytest.fixture(scope="module")
def busy() -> RunResult:
    return busy_lab()


def test_continuous_pings_lose_nothing_across_several_rekeys(busy: RunResult) -> None:
    assert len(ike(busy, "ipsec_rekey")) >= 5                  # 600 s, 120 s lifetimes
    drops = [e for e in busy.events.events if e.kind == "drop"]
    assert not [d for d in drops if d.fields["reason"] == "esp-invalid-spi"]
    # only the very first packet waited for an SA (the initial quick mode at 10 s)
    assert [(round(d.time), d.fields["reason"]) for d in drops] == [(10, "crypto-no-ipsec-sa")]
    marks = [e.fields["output"][3] for e in busy.events.events if e.kind == "console"
             and e.fields.get("command", "") == "ping 172.16.2.2"]
    assert marks[0] == ".!!!!"                              # the lab's own first ping
    assert len(marks) > 140 and set(marks[1:]) == {"!!!!!"}
    assert "RECVD_PKT_INV_SPI" not in busy.transcript_text()


def test_the_new_pair_exists_before_the_old_one_expires(busy: RunResult) -> None:
    created = {(e.device, e.fields["spi"]): e.time for e in ike(busy, "ipsec_sa_created")
               if e.fields["direction"] == "inbound"}
    for device in ("RT1", "RT2"):
        expired = ike(busy, "ipsec_sa_expired", device)
        assert len(expired) >= 4
        for gone in expired:
            assert gone.fields["reason"] == "lifetime seconds"
            born = created[(device, gone.fields["inbound_spi"])]
            assert gone.time == pytest.approx(born + LIFETIME, abs=1e-6)   # the hard lifetime
            # a successor was made between the soft lifetime and the hard one
            successors = [e for e in ike(busy, "ipsec_sa_created", device)
                          if e.fields["direction"] == "inbound" and born < e.time < gone.time]
            assert successors and gone.time - successors[0].time >= 19.9
    for rekey in ike(busy, "ipsec_rekey"):
        born = created[(rekey.device, rekey.fields["inbound_spi"])]
        assert rekey.fields["reason"] == "soft lifetime seconds"
        assert LIFETIME - 30 <= rekey.time - born <= LIFETIME - 20      # 20-30 s before
        request = ike(busy, "ipsec_sa_request", rekey.device)
        assert any(r.time == rekey.time for r in request)


def _show(run: RunResult, at: float) -> str:
    (event,) = [e for e in run.events.events if e.kind == "console" and e.device == "RT1"
                and e.fields.get("command") == "show crypto ipsec sa" and e.time == at]
    return "\n".join(event.fields["output"])


def _spi(value: int) -> str:
    return f"spi: 0x{value:X}({value})"


def test_show_crypto_ipsec_sa_lists_both_pairs_during_the_overlap(busy: RunResult) -> None:
    (first_rekey, *_) = ike(busy, "ipsec_rekey")
    old = first_rekey.fields["inbound_spi"]
    (gone,) = [e for e in ike(busy, "ipsec_sa_expired", "RT1")
               if e.fields["inbound_spi"] == old]
    assert first_rekey.time < 125 < gone.time < 140
    new = [e.fields["spi"] for e in ike(busy, "ipsec_sa_created", "RT1")
           if e.fields["direction"] == "inbound" and first_rekey.time <= e.time < 125][0]
    during, after = _show(busy, 125.0), _show(busy, 140.0)
    assert _spi(old) in during and _spi(new) in during
    assert during.count("spi: 0x") == 4                    # two inbound, two outbound
    # the outbound SA in use is the newest pair's
    new_out = [e.fields["spi"] for e in ike(busy, "ipsec_sa_created", "RT1")
               if e.fields["direction"] == "outbound" and first_rekey.time <= e.time < 125][0]
    assert f"current outbound spi: {new_out:X}" in during
    assert _spi(old) not in after and _spi(new) in after and after.count("spi: 0x") == 2


def test_the_old_pairs_hard_expiry_prints_ios_delete_lines(busy: RunResult) -> None:
    (first_rekey, *_) = ike(busy, "ipsec_rekey", "RT1")
    old = first_rekey.fields["inbound_spi"]
    lines = busy.transcript_text().splitlines()
    at = [i for i, line in enumerate(lines) if line.endswith(f"sa_spi= 0x{old:X}({old}),")]
    assert at and lines[at[0] - 2].endswith("IPSEC(delete_sa): deleting SA,")
    assert lines[at[0] + 1].strip().endswith("reason= lifetime seconds")
    requests = [i for i, line in enumerate(lines) if line.endswith("IPSEC(sa_request): ,")]
    assert any(i < at[0] for i in requests)       # the rekey's request precedes the delete


def test_kilobyte_lifetime_rekeys_at_ninety_percent_without_a_lost_packet() -> None:
    run = busy_lab("120s", "  - {at: 30s, device: PC1, exec: ping 172.16.2.2 repeat 200 size "
                           "18000}\n", "kilobytes 2560")
    (rekey,) = ike(run, "ipsec_rekey")
    assert rekey.fields["reason"] == "soft lifetime kilobytes"
    # the old pair carried 90 % of 2560 KB; from the new pair on, traffic leaves by it alone, so
    # the old one reaches neither limit and waits for its seconds lifetime
    (new_out,) = [e.fields["spi"] for e in ike(run, "ipsec_sa_created", rekey.device)
                  if e.fields["direction"] == "outbound" and e.time >= rekey.time]
    later = [e.fields["spi"] for e in run.events.events if e.kind == "esp"
             and e.device == rekey.device and e.fields["direction"] == "out"
             and e.time > rekey.time + 0.1]
    assert later and set(later) == {new_out}
    assert not ike(run, "ipsec_sa_expired")
    (output,) = [e.fields["output"] for e in run.events.events if e.kind == "console"
                 and e.fields.get("command", "").startswith("ping 172.16.2.2 repeat")]
    marks = "".join(line for line in output if line and set(line) <= set("!.U"))
    assert len(marks) == 200 and marks[1:] == "!" * 199
    assert not [e for e in run.events.events
                if e.kind == "drop" and e.fields["reason"] == "esp-invalid-spi"]


# ------------------------------------------------------------------ the engine alone (sans-I/O)
A = int(ipaddress.IPv4Address("192.0.2.1"))
B = int(ipaddress.IPv4Address("198.51.100.1"))
PROXY = Proxy(int(ipaddress.IPv4Address("10.1.0.0")), 0xFFFF0000,
              int(ipaddress.IPv4Address("10.2.0.0")), 0xFFFF0000)


def _engine(me: int, peer: int, proxy: Proxy, seed: int, dynamic: bool = False) -> IsakmpEngine:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha", authentication="pre-share", group=2)
    crypto = CryptoConfig(policies={1: pol},
                          keys=[PresharedKey("pw", ipaddress.IPv4Address(peer))])
    e = IsakmpEngine(crypto=crypto, profile=PROFILES["ios15"], rng=random.Random(seed),
                     local_addresses=[me])
    e.set_phase2_policies([Phase2Policy(
        "M", 10, 0 if dynamic else peer, (("TS", from_keywords(["esp-aes", "esp-sha-hmac"])),),
        (proxy,), lifetime_seconds=LIFETIME, dynamic=dynamic)])
    return e


def _loopback(dynamic_b: bool = False) -> Loopback:
    lb = Loopback({A: _engine(A, B, PROXY, 1), B: _engine(B, A, PROXY.mirrored(), 2, dynamic_b)})
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY)
    lb.run(1.0)
    return lb


def _traffic(lb: Loopback, octets: int = 100) -> None:
    """ESP through every pair both ways (what the data path reports after each packet)."""
    for addr, engine in lb.engines.items():
        for pair in engine.ipsec_pairs():
            pair.outbound.octets += octets
            pair.inbound.octets += octets
            lb.apply(addr, engine.ipsec_traffic(lb.now, pair))


def test_an_idle_pair_is_not_renegotiated_and_expires_at_its_hard_lifetime() -> None:
    lb = _loopback()
    lb.run(LIFETIME + 5.0)
    assert not lb.events(A, "ipsec_rekey") and not lb.events(B, "ipsec_rekey")
    assert [round(x.time) for x in lb.events(A, "ipsec_sa_expired")] == [LIFETIME]
    assert lb.engines[A].ipsec_pairs() == [] and lb.engines[B].ipsec_pairs() == []
    assert len(lb.events(A, "qm_begin")) == 1


def test_both_peers_reaching_the_soft_lifetime_make_one_quick_mode() -> None:
    lb = _loopback()
    _traffic(lb)
    lb.run(LIFETIME - 5.0)
    rekeys = lb.events(A, "ipsec_rekey") + lb.events(B, "ipsec_rekey")
    assert len(rekeys) == 1
    assert len(lb.events(A, "qm_begin") + lb.events(B, "qm_begin")) == 2   # first + rekey
    for engine in lb.engines.values():
        assert len(engine.ipsec_pairs()) == 2                               # old and new
    old_spi = rekeys[0].event.fields["inbound_spi"]
    lb.run(LIFETIME + 5.0)
    for addr, engine in lb.engines.items():
        (pair,) = engine.ipsec_pairs()
        assert pair.inbound.spi != old_spi and pair.outbound.spi != old_spi
        assert [x.event.fields["reason"] for x in lb.events(addr, "ipsec_sa_expired")] == \
            ["lifetime seconds"]


def test_a_dynamic_map_responder_leaves_the_rekey_to_its_peer() -> None:
    lb = _loopback(dynamic_b=True)
    _traffic(lb)
    lb.run(LIFETIME - 5.0)
    assert not lb.events(B, "ipsec_rekey") and len(lb.events(A, "ipsec_rekey")) == 1


def test_a_clear_before_the_soft_lifetime_cancels_the_rekey() -> None:
    lb = _loopback()
    _traffic(lb)
    lb.clear_ipsec(A)
    lb.run(LIFETIME + 5.0)
    assert not lb.events(A, "ipsec_rekey")
    assert [x.event.fields["reason"] for x in lb.events(A, "ipsec_sa_expired")] == ["clear"]
