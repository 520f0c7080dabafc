"""Hostile ISAKMP datagrams for tests: a reference exchange (main mode, quick mode, delete) whose
encrypted messages are known in plaintext, mutations at byte and payload level, and
re-encryption under the keys and IV the receiving engine will use, optionally with the
message's HASH recomputed so that mutated content reaches the deepest checks.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from ikesim.crypto import (
    CIPHERS,
    decrypt_cbc,
    encrypt_cbc,
    hash_i,
    hash_r,
    pad_zero,
    phase1_iv,
    phase2_iv,
    prf,
)
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ike.profiles import PROFILES
from ikesim.ike.quick import Phase2Policy
from ikesim.ike.sa import Datagram, IsakmpSa
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    HEADER_LEN,
    Attribute,
    CertPayload,
    DeletePayload,
    HashPayload,
    Header,
    IdPayload,
    IsakmpDecodeError,
    KePayload,
    NoncePayload,
    NotificationPayload,
    Payload,
    Proposal,
    SaPayload,
    Transform,
    VendorIdPayload,
    decode_header,
    decode_payloads,
    encode_header,
    encode_payloads,
    payload_body,
)

A = int(ipaddress.IPv4Address("10.0.0.1"))
B = int(ipaddress.IPv4Address("10.0.0.2"))
PROXY_A = Proxy(int(ipaddress.IPv4Address("172.16.1.0")), 0xFFFFFF00,
                int(ipaddress.IPv4Address("172.16.2.0")), 0xFFFFFF00)
CLEAR_AT = 2.0
REFERENCE_NAMES = ("MM1", "MM2", "MM3", "MM4", "MM5", "MM6", "QM1", "QM2", "QM3", "DELETE")


def crypto(peer: int) -> CryptoConfig:
    pol = IsakmpPolicy(1, encryption="aes128", hash="sha", authentication="pre-share", group=1)
    return CryptoConfig(policies={1: pol}, keys=[PresharedKey("pw", ipaddress.IPv4Address(peer))])


def phase2(peer: int, proxy: Proxy) -> Phase2Policy:
    return Phase2Policy("M", 10, peer, (("TS", from_keywords(["esp-aes", "esp-sha-hmac"])),),
                        (proxy,), 1)


def lab(profile: str = "ios12") -> Loopback:
    engines = {}
    for me, peer, proxy, seed in ((A, B, PROXY_A, 21), (B, A, PROXY_A.mirrored(), 22)):
        e = IsakmpEngine(crypto=crypto(peer), profile=PROFILES[profile],
                         rng=random.Random(seed), dh_backend="pow", local_addresses=[me])
        e.set_phase2_policies([phase2(peer, proxy)])
        engines[me] = e
    return Loopback(engines)


def receiver_iv(engine: IsakmpEngine, header: Header, src: int) -> tuple[IsakmpSa, bytes] | None:
    """(SA, IV) the engine will decrypt ``header``'s message with, if it has keys for it."""
    ctx = engine._ctx
    sa = ctx.sadb.find(header, src)
    if sa is None or not sa.cipher_key or sa.negotiated is None:
        return None
    block = CIPHERS[sa.cipher_name].block_size
    exchange, mid = int(header.exchange), header.message_id
    if exchange == 2:
        return sa, sa.iv or phase1_iv(sa.hash_name, sa.gxi, sa.gxr, block)
    x = ctx.phase2.exchange(sa.serial, mid) if exchange == 32 else None
    if x is not None:
        return sa, x.iv
    return sa, phase2_iv(sa.hash_name, sa.iv, mid, block)


@dataclass(frozen=True)
class Reference:
    index: int
    datagram: Datagram
    plaintext: bytes | None        # decrypted payload chain (padding included) if encrypted


def run_reference(drop_after: int | None = None, profile: str = "ios12",
                  capture: list[Reference] | None = None) -> Loopback:
    """Main mode, quick mode (PFS group 1), then `clear` at A: 10 datagrams. With
    ``drop_after`` = k only the first k are delivered (the engines stop in that state)."""
    lb = lab(profile)
    if drop_after is not None:
        lb.drop = lambda now, d: len(lb.delivered) >= drop_after
    if capture is not None:
        for engine in lb.engines.values():
            engine.receive = _capturing(engine, capture, lb)     # type: ignore[method-assign]
    lb.request_ipsec(A, lb.engines[A].phase2_policies[0], PROXY_A)
    lb.run(1.5)
    if drop_after is None or drop_after >= len(REFERENCE_NAMES):
        lb.now = CLEAR_AT
        lb.clear(A)
        lb.run(CLEAR_AT + 0.5)
    return lb


def _capturing(engine: IsakmpEngine, capture: list[Reference],
               lb: Loopback) -> Callable[..., Any]:
    original = engine.receive

    def receive(now: float, data: bytes, src: int, sport: int, dst: int, dport: int) -> Any:
        header = decode_header(data)
        plain = None
        if header.encrypted:
            found = receiver_iv(engine, header, src)
            assert found is not None
            sa, iv = found
            plain = decrypt_cbc(sa.cipher_name, sa.cipher_key, iv, data[HEADER_LEN:])
        capture.append(Reference(len(capture), Datagram(src, sport, dst, dport, data), plain))
        return original(now, data, src, sport, dst, dport)
    return receive


def references() -> list[Reference]:
    capture: list[Reference] = []
    run_reference(capture=capture)
    return capture


# ------------------------------------------------------------------ mutations
def mutate_bytes(data: bytes, op: tuple[str, int, int]) -> bytes:
    kind, a, b = op
    buf = bytearray(data)
    if not buf and kind in ("flip", "cut"):
        return data
    if kind == "flip":
        buf[a % len(buf)] ^= b or 1
    elif kind == "cut":
        del buf[a % len(buf):]
    elif kind == "grow":
        buf += bytes([b]) * a
    elif kind == "len" and len(buf) >= 4:
        at = (a % max(1, len(buf) - 3))
        buf[at:at + 2] = (b * 257 % 65536).to_bytes(2, "big")
    return bytes(buf)


SIZES = (0, 1, 4, 7, 8, 9, 20, 64, 255, 256, 257, 300)


def _spare(kind: str, n: int) -> Payload:
    if kind == "KE":
        return KePayload(bytes([n % 256]) * SIZES[n % len(SIZES)])
    if kind == "NONCE":
        return NoncePayload(bytes([7]) * SIZES[n % len(SIZES)])
    if kind == "HASH":
        return HashPayload(bytes(SIZES[n % len(SIZES)]))
    if kind == "ID":
        return IdPayload(1 + n % 12, n % 256, n % 65536, bytes(4 if n % 2 else 8))
    if kind == "SA":
        attrs = [Attribute(1 + (n + i) % 16, (n * 31 + i) % 65536, tv=True) for i in range(n % 9)]
        transforms = [Transform(t + 1, 1 + n % 13, attrs) for t in range(1 + n % 4)]
        return SaPayload([Proposal(1, 1 + n % 4, bytes(4 * (n % 2)), transforms)])
    if kind == "NOTIFY":
        return NotificationPayload(n % 40000, n % 5, bytes(4 * (n % 2)))
    if kind == "DELETE":
        return DeletePayload(1 + n % 4, 16 if n % 2 else 4, [bytes(16 if n % 2 else 4)])
    if kind == "CERT":
        return CertPayload(4, bytes(n % 50))
    return VendorIdPayload(bytes(16))


KINDS = ("KE", "NONCE", "HASH", "ID", "SA", "NOTIFY", "DELETE", "CERT", "VENDOR")


def mutate_payloads(payloads: list[Payload], op: tuple[str, int, int]) -> list[Payload]:
    """Payload-level surgery: drop, duplicate, swap, insert, or resize one payload."""
    kind, a, b = op
    out = list(payloads)
    i = a % len(out) if out else 0
    if kind == "drop" and out:
        del out[i]
    elif kind == "dup" and out:
        out.insert(i, out[i])
    elif kind == "swap" and len(out) > 1:
        j = b % len(out)
        out[i], out[j] = out[j], out[i]
    elif kind == "insert":
        out.insert(i, _spare(KINDS[b % len(KINDS)], a))
    elif kind == "resize" and out:
        p = out[i]
        size = SIZES[b % len(SIZES)]
        if isinstance(p, KePayload | NoncePayload | HashPayload | VendorIdPayload):
            out[i] = replace(p, data=bytes([b % 256]) * size)
        elif isinstance(p, IdPayload):
            out[i] = replace(p, id_type=b % 13)
        elif isinstance(p, SaPayload) and p.proposals:
            prop = p.proposals[0]
            out[i] = SaPayload([replace(prop, transforms=prop.transforms * (1 + b % 3)),
                                *p.proposals[1:]])
    return out


def rehash(engine: IsakmpEngine, header: Header, src: int, payloads: list[Payload]
           ) -> list[Payload]:
    """Recompute the HASH the receiver checks over the (mutated) payloads, so the message
    authenticates and its content reaches the checks after the HASH."""
    ctx = engine._ctx
    sa = ctx.sadb.find(header, src)
    if sa is None or not sa.skeyid_a or not payloads:
        return payloads
    exchange, mid = int(header.exchange), header.message_id
    if exchange == 2:
        ident = next((p for p in payloads if isinstance(p, IdPayload)), None)
        hashes = [k for k, p in enumerate(payloads) if isinstance(p, HashPayload)]
        if ident is None or not hashes:
            return payloads
        compute = hash_i if sa.role == "R" else hash_r
        h = compute(sa.hash_name, sa.skeyid, sa.gxi, sa.gxr, sa.icookie, sa.rcookie, sa.sai_b,
                    payload_body(ident))
        return [HashPayload(h) if k == hashes[0] else p for k, p in enumerate(payloads)]
    if not isinstance(payloads[0], HashPayload):
        return payloads
    _, rest = encode_payloads(payloads[1:])
    x = ctx.phase2.exchange(sa.serial, mid) if exchange == 32 else None
    seed = mid.to_bytes(4, "big") + (x.ni if x is not None and x.role == "I" else b"") + rest
    return [HashPayload(prf(sa.hash_name, sa.skeyid_a, seed)), *payloads[1:]]


def encrypt_for(engine: IsakmpEngine, header: Header, src: int, body: bytes) -> bytes | None:
    """``header`` + ``body`` encrypted under the receiver's key and IV (None: it has none)."""
    found = receiver_iv(engine, header, src)
    if found is None:
        return None
    sa, iv = found
    block = CIPHERS[sa.cipher_name].block_size
    ct = encrypt_cbc(sa.cipher_name, sa.cipher_key, iv, pad_zero(body, block) or bytes(block))
    h = replace(header, flags=int(header.flags) | FLAG_ENCRYPTION, length=HEADER_LEN + len(ct))
    return encode_header(h) + ct


def hostile(ref: Reference, engine: IsakmpEngine, ops: list[tuple[str, int, int]], *,
            structural: bool, reencrypt: bool, with_hash: bool) -> bytes:
    """A mutated version of ``ref`` aimed at ``engine`` in whatever state it is in."""
    d = ref.datagram
    header = decode_header(d.data)
    if ref.plaintext is None:
        if structural:
            try:
                payloads = decode_payloads(header.next_payload, d.data[HEADER_LEN:])
                for op in ops:
                    payloads = mutate_payloads(payloads, op)
                first, body = encode_payloads(payloads)
                h = replace(header, next_payload=first, length=HEADER_LEN + len(body))
                return encode_header(h) + body
            except (IsakmpDecodeError, ValueError, TypeError, OverflowError):
                pass
        data = d.data
        for op in ops:
            data = mutate_bytes(data, op)
        return data
    plain = ref.plaintext
    first = int(header.next_payload)
    if structural:
        try:
            payloads = decode_payloads(first, plain, allow_trailing=True)
            for op in ops:
                payloads = mutate_payloads(payloads, op)
            if with_hash:
                payloads = rehash(engine, header, d.src, payloads)
            first, plain = encode_payloads(payloads)
        except (IsakmpDecodeError, ValueError, TypeError, OverflowError):
            pass
    else:
        for op in ops:
            plain = mutate_bytes(plain, op)
    if reencrypt:
        out = encrypt_for(engine, replace(header, next_payload=first), d.src, plain)
        if out is not None:
            return out
    data = d.data
    for op in ops:
        data = mutate_bytes(data, op)
    return data
