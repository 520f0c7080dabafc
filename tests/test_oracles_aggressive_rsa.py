"""External oracles for aggressive mode and RSA signatures: Wireshark's tshark dissects every
message with no "Malformed" and decrypts AM3 / MM5 / MM6 from the exported key table; scapy's
ISAKMP dissector re-decodes the bytes; ``openssl verify`` accepts each router certificate
against the lab CA (and rejects an expired one and a foreign CA's); ``openssl pkeyutl
-verifyrecover`` gets HASH_I back out of SIG_I. The tools are required: missing means FAIL."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from scapy.layers.isakmp import ISAKMP  # module level: no scapy, no test
from tshark import tshark_path

from ikesim.crypto import CIPHERS, hash_i, phase1_iv
from ikesim.export.pcap import CapturedDatagram, pcap_bytes
from ikesim.ike import protect
from ikesim.isakmp import IdPayload, SigPayload, decode_header, payload_body
from ikesim.pki import LAB_EPOCH, authority
from tests import aggressive_lab as agg
from tests import rsa_lab as rsa

AGGRESSIVE = "Exchange type: Aggressive (4)"


def openssl() -> str:
    exe = shutil.which("openssl")
    if exe is None:
        pytest.fail("openssl is not installed: run make system-deps")
    return exe


def _capture(tmp: Path, lb, name: str) -> tuple[Path, list[str]]:
    pcap = tmp / f"{name}.pcap"
    pcap.write_bytes(pcap_bytes([CapturedDatagram(t, d.src, d.dst, d.sport, d.dport, d.data)
                                 for t, d in lb.delivered]))
    sa = next(iter(lb.engines.values())).sas()[0]
    return pcap, [f"{sa.icookie.hex()},{sa.cipher_key.hex()}"]


def _dissect(pcap: Path, keys: list[str] | None = None) -> list[str]:
    cmd = [tshark_path(), "-n", "-r", str(pcap), "-V"]
    for line in keys or []:
        cmd += ["-o", f"uat:ikev1_decryption_table:{line}"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    frames = [f for f in re.split(r"(?m)^(?=Frame \d+: )", proc.stdout) if f.startswith("Frame")]
    for frame in frames:
        assert "Malformed" not in frame and "Expert Info (Error" not in frame, frame
    return frames


def _aggressive_lab():
    lb = agg.lab(agg.spoke(), agg.hub(agg.hostname_key("spoke1.lab")))
    lb.initiate(agg.A, agg.B)
    lb.run(2.0)
    return lb


def test_tshark_dissects_and_decrypts_aggressive_mode(tmp_path: Path) -> None:
    lb = _aggressive_lab()
    pcap, keys = _capture(tmp_path, lb, "am")
    plain = _dissect(pcap)
    assert len(plain) == 3 and all(AGGRESSIVE in f for f in plain)
    assert "ID type: FQDN (2)" in plain[0] and "ID_FQDN: spoke1.lab" in plain[0]
    assert "Payload: Hash (8)" in plain[1] and "Encrypted Data" in plain[2]
    frames = _dissect(pcap, keys)
    sa = lb.engines[agg.A].sas()[0]
    want = hash_i(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                  payload_body(sa.local_id))
    (got,) = re.findall(r"Hash DATA: ([0-9a-f]+)", frames[2])
    assert bytes.fromhex(got) == want


def _rsa_main_lab():
    lb = rsa.lab(rsa.crypto("R1"), rsa.crypto("R2"), rsa.pki("R1"), rsa.pki("R2"))
    lb.initiate(rsa.A, rsa.B)
    lb.run(3.0)
    assert lb.engines[rsa.A].established_sa(rsa.B) is not None
    return lb


def test_tshark_dissects_certificates_and_signatures(tmp_path: Path) -> None:
    lb = _rsa_main_lab()
    pcap, keys = _capture(tmp_path, lb, "rsa")
    frames = _dissect(pcap, keys)
    assert len(frames) == 6
    for frame in frames[2:4]:
        assert "Payload: Certificate Request (7)" in frame
        assert "Certificate Type: X.509 Certificate - Signature (4)" in frame
        assert "rdnSequence: 1 item (id-at-commonName=LAB)" in frame     # the CA by its DN
    for frame, name in ((frames[4], "r1.lab"), (frames[5], "r2.lab")):
        assert "Payload: Certificate (6)" in frame and "Payload: Signature (9)" in frame
        assert f"ID_FQDN: {name}" in frame
        assert "Certificate Encoding: X.509 Certificate - Signature (4)" in frame
        assert f"dNSName: {name}" in frame and "signature (sha256WithRSAEncryption)" in frame
    # aggressive mode with signatures: the certificates travel in the clear in AM2
    lb2 = rsa.lab(rsa.crypto("R1", aggressive_to=rsa.B), rsa.crypto("R2"), rsa.pki("R1"),
                  rsa.pki("R2"))
    lb2.initiate(rsa.A, rsa.B)
    lb2.run(3.0)
    pcap2, keys2 = _capture(tmp_path, lb2, "rsa-am")
    frames2 = _dissect(pcap2, keys2)
    assert len(frames2) == 3 and "Payload: Signature (9)" in frames2[1]
    assert "Payload: Signature (9)" in frames2[2]     # AM3, decrypted


def test_scapy_redecodes_every_message() -> None:
    for lb in (_aggressive_lab(), _rsa_main_lab()):
        for _, d in lb.delivered:
            pkt = ISAKMP(d.data)
            h = decode_header(d.data)
            assert pkt.init_cookie == h.icookie and pkt.resp_cookie == h.rcookie
            assert pkt.exch_type == int(h.exchange) and pkt.length == len(d.data)
            assert bytes(pkt) == d.data              # scapy rebuilds the same octets


def _pem(cert) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _verify(tmp: Path, cert, cas: list, at: dt.datetime) -> subprocess.CompletedProcess:
    ca_file, cert_file = tmp / "ca.pem", tmp / "cert.pem"
    ca_file.write_bytes(b"".join(_pem(c) for c in cas))
    cert_file.write_bytes(_pem(cert))
    return subprocess.run([openssl(), "verify", "-attime", str(int(at.timestamp())), "-CAfile",
                           str(ca_file), str(cert_file)], capture_output=True, text=True,
                          timeout=60, check=False)


def test_openssl_verifies_the_router_certificates(tmp_path: Path) -> None:
    lab_ca = authority(rsa.SEED, "LAB").certificate
    for name in ("R1", "R2"):
        cert = rsa.pki(name).credentials[0].certificate
        done = _verify(tmp_path, cert, [lab_ca], LAB_EPOCH)
        assert done.returncode == 0 and done.stdout.strip().endswith(": OK"), done
    expired = rsa.pki("R1", issued=LAB_EPOCH - dt.timedelta(days=800)).credentials[0]
    done = _verify(tmp_path, expired.certificate, [lab_ca], LAB_EPOCH)
    assert done.returncode != 0 and "certificate has expired" in done.stdout + done.stderr
    rogue = rsa.pki("R1", ("ROGUE",)).credentials[0]
    done = _verify(tmp_path, rogue.certificate, [lab_ca], LAB_EPOCH)
    assert done.returncode != 0 and "unable to get local issuer" in done.stdout + done.stderr
    # a router whose clock was never set sees the (good) certificate as not yet valid
    done = _verify(tmp_path, rsa.pki("R2").credentials[0].certificate, [lab_ca],
                   dt.datetime(1993, 3, 1, tzinfo=dt.UTC))
    assert done.returncode != 0 and "not yet valid" in done.stdout + done.stderr


def test_openssl_recovers_hash_i_from_sig_i(tmp_path: Path) -> None:
    lb = _rsa_main_lab()
    i = lb.engines[rsa.A].sas()[0]
    mm5 = [d.data for _, d in lb.delivered][4]
    iv = phase1_iv(i.hash_name, i.gxi, i.gxr, CIPHERS[i.cipher_name].block_size)
    payloads, _, _ = protect.decrypt_message(i, decode_header(mm5), mm5, iv)
    ident = next(p for p in payloads if isinstance(p, IdPayload))
    sig = next(p for p in payloads if isinstance(p, SigPayload))
    pub = tmp_path / "r1.pub"
    pub.write_bytes(rsa.pki("R1").credentials[0].certificate.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
    (tmp_path / "sig").write_bytes(sig.data)
    done = subprocess.run([openssl(), "pkeyutl", "-verifyrecover", "-pubin", "-inkey", str(pub),
                           "-in", str(tmp_path / "sig"), "-pkeyopt", "rsa_padding_mode:pkcs1"],
                          capture_output=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout == hash_i(i.hash_name, i.skeyid, i.gxi, i.gxr, i.icookie, i.rcookie,
                                 i.sai_b, payload_body(ident))


def test_tshark_decrypts_the_catalogue_lab_from_its_key_table(tmp_path: Path) -> None:
    """The lab end to end: the weak-PSK catalogue scenario's senders' log and key table (what
    `ikesim run --keys` writes) let tshark decrypt AM3."""
    from ikesim.export.pcap import Capture
    from ikesim.scenario.loader import load_scenario
    from ikesim.scenario.runner import Runtime

    root = Path(__file__).resolve().parent.parent
    runtime = Runtime(load_scenario(root / "scenarios" / "catalogue" /
                                    "aggressive-mode-weak-psk.yaml"))
    cap = Capture.attach(runtime)
    runtime.run()
    pcap, keys = tmp_path / "lab.pcap", tmp_path / "lab.keys"
    cap.write_pcap(pcap)
    cap.write_keys(keys)
    frames = [f for f in _dissect(pcap, keys.read_text().split()) if AGGRESSIVE in f]
    assert len(frames) == 3
    assert "ID_IPV4_ADDR: 10.10.10.2" in frames[0] and "Payload: Hash (8)" in frames[1]
    assert "Encrypted Data" in frames[2] and re.search(r"Hash DATA: [0-9a-f]{40}", frames[2])
