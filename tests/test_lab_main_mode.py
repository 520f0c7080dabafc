"""Issue 3 acceptance through the lab: main mode between RT1 and RT2 across the ISP for every
supported algorithm combination, and the pre-shared-key mismatch that must emerge from real
decryption with the wrong key (scenarios/main-mode-lab.yaml, scenarios/psk-mismatch.yaml)."""

from __future__ import annotations

import copy
import hmac
import ipaddress
from pathlib import Path

import pytest

from ikesim.crypto import CIPHERS, derive_skeyids, expand_cipher_key, hash_i, phase1_iv
from ikesim.export.pcap import Capture
from ikesim.ike.protect import ProtectionError, decrypt_message
from ikesim.ike.sa import IsakmpSa
from ikesim.isakmp import FLAG_ENCRYPTION, HashPayload, IdPayload, decode_header, payload_body
from ikesim.scenario.loader import load_scenario
from ikesim.scenario.model import Scenario
from ikesim.scenario.runner import RunResult, Runtime

ROOT = Path(__file__).resolve().parents[1]
RT1_WAN, RT2_WAN = "10.10.10.2", "11.11.11.2"
RT1_INT, RT2_INT = int(ipaddress.IPv4Address(RT1_WAN)), int(ipaddress.IPv4Address(RT2_WAN))
ENCRYPTIONS = ("des", "3des", "aes128", "aes256")
HASHES = ("md5", "sha", "sha256")
GROUPS = (1, 2, 5, 14)
PLATFORMS = ("ios12", "ios15")
# conn-id and last column of an established SA's row: 12.2 "1  0" (slot), 15.x "1001 ACTIVE"
ROW_TAIL = {"ios12": ["1", "0"], "ios15": ["1001", "ACTIVE"]}

_MAIN_MODE = load_scenario(ROOT / "scenarios" / "main-mode-lab.yaml")
_PSK_MISMATCH = load_scenario(ROOT / "scenarios" / "psk-mismatch.yaml")


def _with_policy(base: Scenario, encryption: str, hash_: str, group: int,
                 rt2: tuple[str, str, int] | None = None, platform: str = "ios12") -> Scenario:
    """A copy of ``base`` with policy 1 of RT1 (and of RT2, or ``rt2``) set as given."""
    sc = copy.deepcopy(base)
    for name, (enc, h, g) in (("RT1", (encryption, hash_, group)),
                              ("RT2", rt2 or (encryption, hash_, group))):
        policy = sc.devices[name].config.crypto.policies[1]
        policy.encryption, policy.hash, policy.group = enc, h, g
        sc.devices[name].platform = platform
    return sc


def _run(sc: Scenario, until: float | None = None,
         capture: bool = False) -> tuple[Runtime, RunResult, Capture | None]:
    rt = Runtime(sc)
    cap = Capture.attach(rt, None) if capture else None
    return rt, rt.run(until), cap


def _ike(result: RunResult, device: str, event: str) -> list[dict]:
    return [dict(e.fields, time=e.time) for e in result.events.of_kind("ike")
            if e.device == device and e.fields.get("event") == event]


def _sa_rows(result: RunResult, device: str) -> list[list[list[str]]]:
    """Each `show crypto isakmp sa` typed at ``device``: its IPv4 rows split into columns
    (12.2 layout: dst src state conn-id slot; 15.x: dst src state conn-id status)."""
    shows = []
    for e in result.events.of_kind("console"):
        if e.device == device and e.fields.get("command") == "show crypto isakmp sa":
            out = e.fields["output"]
            start = next(i for i, line in enumerate(out) if line.startswith("dst "))
            assert out[start].split()[:4] == ["dst", "src", "state", "conn-id"]
            end = out.index("", start)
            shows.append([line.split() for line in out[start + 1:end]])
    return shows


def _console_lines(result: RunResult, device: str) -> list[str]:
    lines: list[str] = []
    for e in result.events.of_kind("console"):
        if e.device == device and "lines" in e.fields:
            lines.extend(e.fields["lines"])
    return lines


def _only_sa(rt: Runtime, device: str) -> IsakmpSa:
    sas = rt.devices[device].crypto.engine.sas()
    assert len(sas) == 1, sas
    return sas[0]


# -- 1. every combination completes --------------------------------------------------------------
@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("group", GROUPS)
@pytest.mark.parametrize("hash_", HASHES)
@pytest.mark.parametrize("encryption", ENCRYPTIONS)
def test_main_mode_completes_through_the_lab(encryption: str, hash_: str, group: int,
                                             platform: str) -> None:
    rt, result, _ = _run(_with_policy(_MAIN_MODE, encryption, hash_, group, platform=platform))
    e1, e2 = rt.devices["RT1"].crypto.engine, rt.devices["RT2"].crypto.engine
    sa1, sa2 = e1.established_sa(RT2_INT), e2.established_sa(RT1_INT)
    assert sa1 is not None and sa2 is not None
    assert (sa1.role, sa1.state, sa2.role, sa2.state) == ("I", "QM_IDLE", "R", "QM_IDLE")
    assert (sa1.icookie, sa1.rcookie) == (sa2.icookie, sa2.rcookie)
    assert sa1.negotiated == sa2.negotiated
    assert (sa1.negotiated.encryption, sa1.negotiated.hash, sa1.negotiated.group) == (
        encryption, hash_, group)
    assert sa1.gxy == sa2.gxy and len(sa1.gxy) in (96, 128, 192, 256)
    assert sa1.skeyid_e == sa2.skeyid_e and sa1.skeyid_a == sa2.skeyid_a
    assert sa1.cipher_key == sa2.cipher_key
    assert len(sa1.cipher_key) == CIPHERS[encryption].key_len
    # Keying material from the *final* IV state must also agree (last MM6 block, App. B).
    assert sa1.iv == sa2.iv and len(sa1.iv) == CIPHERS[encryption].block_size
    for device in ("RT1", "RT2"):
        (rows,) = _sa_rows(result, device)
        assert rows == [[RT2_WAN, RT1_WAN, "QM_IDLE", *ROW_TAIL[platform]]]
        assert len(_ike(result, device, "phase1_complete")) == 1
        assert _ike(result, device, "bad_message") == []
    text = result.transcript_text()
    assert "RT1#show crypto isakmp sa" in text and "RT2#show crypto isakmp sa" in text


def test_main_mode_transcript_shows_all_six_messages() -> None:
    rt, result, cap = _run(copy.deepcopy(_MAIN_MODE), capture=True)
    assert cap is not None
    text = result.transcript_text()
    for line in ("ISAKMP (0:1): beginning Main Mode exchange",
                 "ISAKMP (0:1): SA has been authenticated with 11.11.11.2",
                 "ISAKMP (0:1): SA has been authenticated with 10.10.10.2"):
        assert line in text
    # MM1..MM6 alternate RT1 -> RT2 -> RT1 ...; only MM5/MM6 are encrypted.
    flows = [(str(ipaddress.IPv4Address(d.src)), decode_header(d.data).flags & FLAG_ENCRYPTION)
             for d in cap.datagrams]
    assert flows == [(RT1_WAN, 0), (RT2_WAN, 0), (RT1_WAN, 0), (RT2_WAN, 0),
                     (RT1_WAN, FLAG_ENCRYPTION), (RT2_WAN, FLAG_ENCRYPTION)]


def test_policy_mismatch_establishes_nothing() -> None:
    """Unhappy control for the combination test: different ciphers never reach QM_IDLE."""
    rt, result, _ = _run(_with_policy(_MAIN_MODE, "aes256", "sha", 2, rt2=("3des", "sha", 2)))
    assert rt.devices["RT1"].crypto.engine.established_sa(RT2_INT) is None
    assert rt.devices["RT2"].crypto.engine.established_sa(RT1_INT) is None
    assert _ike(result, "RT2", "policy_not_acceptable")
    for device in ("RT1", "RT2"):
        assert all("QM_IDLE" not in row for show in _sa_rows(result, device) for row in show)


def test_runs_are_deterministic() -> None:
    keys = []
    for _ in range(2):
        rt, _, _ = _run(_with_policy(_MAIN_MODE, "aes128", "sha256", 14))
        sa = rt.devices["RT1"].crypto.engine.established_sa(RT2_INT)
        assert sa is not None
        keys.append((sa.icookie, sa.rcookie, sa.cipher_key))
    assert keys[0] == keys[1]


# -- 2. pre-shared key mismatch ---------------------------------------------------------------------
def _rt2_key(sc: Scenario) -> str:
    (key,) = sc.devices["RT2"].config.crypto.keys
    return key.key


def test_psk_scenario_differs_by_one_character() -> None:
    (k1,) = _PSK_MISMATCH.devices["RT1"].config.crypto.keys
    k2 = _rt2_key(_PSK_MISMATCH)
    assert len(k1.key) == len(k2) and sum(a != b for a, b in zip(k1.key, k2, strict=True)) == 1


def test_psk_mismatch_with_key_fixed_completes() -> None:
    sc = copy.deepcopy(_PSK_MISMATCH)
    (k1,) = sc.devices["RT1"].config.crypto.keys
    sc.devices["RT2"].config.crypto.keys[0].key = k1.key
    rt, result, _ = _run(sc)
    assert rt.devices["RT1"].crypto.engine.established_sa(RT2_INT) is not None
    assert rt.devices["RT2"].crypto.engine.established_sa(RT1_INT) is not None
    for device in ("RT1", "RT2"):
        assert [show[0][2] for show in _sa_rows(result, device)] == ["QM_IDLE", "QM_IDLE"]
        assert _ike(result, device, "bad_message") == []
        assert _ike(result, device, "retransmit") == []
        assert not any("IKMP_BAD_MESSAGE" in line for line in _console_lines(result, device))


@pytest.fixture(scope="module")
def mismatch() -> tuple[Runtime, RunResult, Capture]:
    rt, result, cap = _run(copy.deepcopy(_PSK_MISMATCH), capture=True)
    assert cap is not None
    return rt, result, cap


def test_psk_mismatch_responder_reports_bad_message(mismatch) -> None:
    _, result, _ = mismatch
    bad = _ike(result, "RT2", "bad_message")
    assert bad and all(b["peer"] == RT1_WAN for b in bad)
    # one per copy of MM5 received (original + resends), all from failed decryption/HASH
    mm5_rx = [r for r in _ike(result, "RT2", "rx") if r["state"] == "MM_KEY_EXCH"]
    assert len(bad) == len(mm5_rx) >= 5
    assert all("decrypt" in b["reason"] or "HASH_I" in b["reason"] for b in bad)
    lines = _console_lines(result, "RT2")
    assert sum("%CRYPTO-4-IKMP_BAD_MESSAGE: IKE message from 10.10.10.2 failed its sanity check"
               in line for line in lines) == len(bad)
    assert _ike(result, "RT1", "bad_message") == []
    assert _ike(result, "RT2", "authenticated") == [] and _ike(result, "RT1", "authenticated") == []


def test_psk_mismatch_initiator_resends_mm5_until_death(mismatch) -> None:
    _, result, _ = mismatch
    resends = _ike(result, "RT1", "retransmit")
    assert len(resends) == 5
    assert all(r["state"] == "MM_KEY_EXCH" and r["role"] == "I" for r in resends)
    (death,) = _ike(result, "RT1", "delete")
    assert death["reason"] == "death by retransmission P1" and death["state"] == "MM_KEY_EXCH"
    assert death["time"] > max(r["time"] for r in resends)
    (rt2_death,) = _ike(result, "RT2", "delete")
    assert rt2_death["reason"] == "death by retransmission P1"
    for device in ("RT1", "RT2"):
        during, after = _sa_rows(result, device)
        assert during == [[RT2_WAN, RT1_WAN, "MM_KEY_EXCH", "1", "0"]]
        assert after == [[RT2_WAN, RT1_WAN, "MM_NO_STATE", "1", "0", "(deleted)"]]
        assert _ike(result, device, "phase1_complete") == []


def test_psk_mismatch_is_real_decryption_failure(mismatch) -> None:
    """RT1's captured MM5 opens with RT1's key (ID + a HASH_I that verifies) and is garbage
    under the key RT2 derived from its own PSK, although both agree on g^xy and the nonces."""
    rt, _, cap = mismatch
    sa1, sa2 = _only_sa(rt, "RT1"), _only_sa(rt, "RT2")
    assert sa1.gxy == sa2.gxy and (sa1.ni, sa1.nr) == (sa2.ni, sa2.nr)
    assert sa1.skeyid != sa2.skeyid and sa1.cipher_key != sa2.cipher_key
    # RT2's SKEYID is exactly what its own (different) key yields from the shared material
    k2 = derive_skeyids(sa2.hash_name, _rt2_key(_PSK_MISMATCH).encode(), sa2.ni, sa2.nr,
                        sa2.gxy, sa2.icookie, sa2.rcookie)
    assert k2.skeyid_e == sa2.skeyid_e
    assert expand_cipher_key(sa2.hash_name, k2.skeyid_e, 24) == sa2.cipher_key

    mm5s = [d for d in cap.datagrams
            if d.src == RT1_INT and decode_header(d.data).flags & FLAG_ENCRYPTION]
    assert len(mm5s) == 6 and len({d.data for d in mm5s}) == 1   # original + 5 resends
    data = mm5s[0].data
    header = decode_header(data)
    iv = phase1_iv(sa1.hash_name, sa1.gxi, sa1.gxr, CIPHERS["3des"].block_size)
    assert iv == phase1_iv(sa2.hash_name, sa2.gxi, sa2.gxr, 8)

    payloads, _, _ = decrypt_message(sa1, header, data, iv)
    ident = next(p for p in payloads if isinstance(p, IdPayload))
    got = next(p for p in payloads if isinstance(p, HashPayload)).data
    assert (ident.id_type, ident.protocol, ident.port) == (1, 17, 500)
    assert ident.data == ipaddress.IPv4Address(RT1_WAN).packed
    for sa in (sa1, sa2):
        want = hash_i(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie,
                      sa.sai_b, payload_body(ident))
        assert hmac.compare_digest(got, want) is (sa is sa1)

    try:
        garbage, _, _ = decrypt_message(sa2, header, data, iv)
    except ProtectionError:
        return                              # the usual case: not even a payload chain
    ids = [p for p in garbage if isinstance(p, IdPayload)]
    assert not ids or ids[0].data != ident.data
