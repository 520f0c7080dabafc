"""Full main mode between two engines: every cipher × hash × group, keys, bytes, determinism."""

from __future__ import annotations

import ipaddress
import random

import pytest

from ikesim.crypto import CIPHERS, decrypt_cbc, hash_, phase1_iv
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.sa import QM_IDLE
from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    HEADER_LEN,
    IdPayload,
    SaPayload,
    decode_header,
    decode_message,
    decode_payloads,
)

A = int(ipaddress.IPv4Address("10.10.10.2"))
B = int(ipaddress.IPv4Address("11.11.11.2"))


def crypto(peer: int, key: str = "cisco123", *policies: IsakmpPolicy) -> CryptoConfig:
    pols = policies or (IsakmpPolicy(1, encryption="3des", hash="sha", authentication="pre-share",
                                     group=2),)
    return CryptoConfig(policies={p.priority: p for p in pols},
                        keys=[PresharedKey(key, ipaddress.IPv4Address(peer))])


def lab(ci: CryptoConfig, cr: CryptoConfig, seeds: tuple[int, int] = (1, 2),
        profile: str = "ios12", backend: str = "auto") -> Loopback:
    p = PROFILES[profile]
    return Loopback({A: IsakmpEngine(crypto=ci, profile=p, rng=random.Random(seeds[0]),
                                     local_addresses=[A], dh_backend=backend),
                     B: IsakmpEngine(crypto=cr, profile=p, rng=random.Random(seeds[1]),
                                     local_addresses=[B], dh_backend=backend)})


@pytest.mark.parametrize("group", [1, 2, 5, 14])
@pytest.mark.parametrize("hash_kw", ["md5", "sha", "sha256"])
@pytest.mark.parametrize("enc", ["des", "3des", "aes128", "aes256"])
def test_full_main_mode_matrix(enc: str, hash_kw: str, group: int) -> None:
    pol = IsakmpPolicy(1, encryption=enc, hash=hash_kw, authentication="pre-share", group=group)
    lb = lab(crypto(B, "k3y", pol), crypto(A, "k3y", pol))
    lb.initiate(A, B)
    lb.run(5.0)
    i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
    assert i is not None and r is not None
    assert i.state == r.state == QM_IDLE
    assert lb.engines[A].phase1_status(B) == lb.engines[B].phase1_status(A) == "established"
    assert (i.icookie, i.rcookie) == (r.icookie, r.rcookie)
    assert i.skeyid_e == r.skeyid_e and i.skeyid_a == r.skeyid_a and i.skeyid_d == r.skeyid_d
    assert i.cipher_key == r.cipher_key and len(i.cipher_key) == CIPHERS[enc].key_len
    assert i.iv == r.iv and len(i.iv) == CIPHERS[enc].block_size
    assert len(i.gxy) == {1: 96, 2: 128, 5: 192, 14: 256}[group]
    assert len(i.ni) == len(i.nr) == 20
    # six main-mode messages, the last two encrypted
    mm = [d for _, d in lb.delivered]
    assert len(mm) == 6
    flags = [decode_header(d.data).flags & FLAG_ENCRYPTION for d in mm]
    assert flags == [0, 0, 0, 0, 1, 1]
    for side in (A, B):
        kinds = [x.kind for x in lb.events(side)]
        assert kinds.count("phase1_complete") == 1 and "bad_message" not in kinds
        assert kinds.count("authenticated") == 1


def _established() -> Loopback:
    lb = lab(crypto(B), crypto(A))
    lb.initiate(A, B)
    lb.run(5.0)
    return lb


def test_mm1_is_one_proposal_with_ios_attributes() -> None:
    pols = (IsakmpPolicy(10, encryption="aes256", hash="sha256", authentication="pre-share",
                         group=14),
            IsakmpPolicy(20, encryption="3des", hash="md5", authentication="pre-share", group=2,
                         lifetime=3600))
    eng = IsakmpEngine(crypto=crypto(B, "x", *pols), profile=PROFILES["ios12"],
                       rng=random.Random(7))
    out = eng.initiate(0.0, A, B)
    assert len(out.sends) == 1 and out.sends[0].dst == B and out.sends[0].dport == 500
    msg = decode_message(out.sends[0].data)
    assert msg.header.exchange == 2 and msg.header.rcookie == bytes(8)
    (sa,) = msg.payloads
    assert isinstance(sa, SaPayload) and len(sa.proposals) == 1
    t1, t2 = sa.proposals[0].transforms
    assert (t1.number, t2.number) == (1, 2)
    # IOS puts the AES key length right after the algorithm (trace 04: encryption AES-CBC,
    # keylength of 256, hash SHA, default group 14, auth pre-share, life type, life duration)
    assert [(a.type, a.int_value) for a in t1.attributes] == [
        (1, 7), (14, 256), (2, 4), (4, 14), (3, 1), (11, 1), (12, 86400)]
    life = t1.attributes[6]
    assert life.tv is False and life.value == b"\x00\x01\x51\x80"      # IOS 4-octet TLV
    assert [(a.type, a.int_value) for a in t2.attributes] == [
        (1, 5), (2, 1), (4, 2), (3, 1), (11, 1), (12, 3600)]           # no key length for 3DES
    assert t2.attributes[5].tv is True
    assert out.timers == {("retransmit", 1): 10.0}


def test_mm5_mm6_really_encrypted_with_chained_ivs() -> None:
    lb = _established()
    i = lb.engines[A].established_sa(B)
    assert i is not None
    mm5, mm6 = (d.data for _, d in lb.delivered[4:6])
    block = CIPHERS["3des"].block_size
    iv5 = phase1_iv("sha1", i.gxi, i.gxr, block)
    assert iv5 == hash_("sha1", i.gxi + i.gxr)[:block]
    for data, iv, owner in ((mm5, iv5, A), (mm6, mm5[-block:], B)):
        h = decode_header(data)
        assert h.length == len(data) and (len(data) - HEADER_LEN) % block == 0
        pt = decrypt_cbc("3des", i.cipher_key, iv, data[HEADER_LEN:])
        payloads = decode_payloads(h.next_payload, pt, allow_trailing=True)
        ident = payloads[0]
        assert isinstance(ident, IdPayload)
        assert (ident.id_type, ident.protocol, ident.port) == (1, 17, 500)
        assert int.from_bytes(ident.data, "big") == owner
        assert pt[:8] not in data                  # the ID payload is not sent in clear
    assert i.iv == mm6[-block:]


def test_same_seed_same_bytes_other_seed_other_bytes() -> None:
    runs = []
    for seeds in ((5, 6), (5, 6), (5, 7)):
        lb = lab(crypto(B), crypto(A), seeds)
        lb.initiate(A, B)
        lb.run(5.0)
        runs.append([d.data for _, d in lb.delivered])
    assert runs[0] == runs[1]
    assert len(runs[0]) == 6
    assert runs[0][0] == runs[2][0]             # initiator unchanged (same seed)
    assert runs[0][1] != runs[2][1]             # responder cookie differs


def test_leading_zero_shared_secret_still_agrees() -> None:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha", authentication="pre-share", group=1)
    for seed in range(3000):
        lb = lab(crypto(B, "k", pol), crypto(A, "k", pol), (seed, seed + 10_000))
        lb.initiate(A, B)
        lb.run(5.0)
        i, r = lb.engines[A].established_sa(B), lb.engines[B].established_sa(A)
        assert i is not None and r is not None and i.cipher_key == r.cipher_key
        if i.gxy[0] == 0:
            assert len(i.gxy) == 96
            return
    pytest.fail("no leading-zero g^xy found")


def test_psk_chosen_by_most_specific_mask() -> None:
    keys = [PresharedKey("wide", ipaddress.IPv4Address("10.0.0.0"),
                         ipaddress.IPv4Address("255.0.0.0")),
            PresharedKey("exact", ipaddress.IPv4Address(A))]
    cr = crypto(A)
    cr.keys = keys
    lb = lab(crypto(B, "exact"), cr)
    lb.initiate(A, B)
    lb.run(5.0)
    assert lb.engines[B].phase1_status(A) == "established"
    r = lb.engines[B].established_sa(A)
    assert r is not None and r.psk == b"exact"


def test_initiate_twice_is_idempotent_and_no_psk_sends_nothing() -> None:
    lb = _established()
    assert lb.initiate(A, B).sends == []
    eng = IsakmpEngine(crypto=crypto(int(ipaddress.IPv4Address("9.9.9.9"))),
                       profile=PROFILES["ios12"], rng=random.Random(1))
    out = eng.initiate(0.0, A, B)
    assert out.sends == [] and [e.kind for e in out.events] == ["no_psk"]
    assert out.events[0].fields["peer"] == B and eng.sa_rows() == []
