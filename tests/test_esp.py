"""ESP (RFC 4303) tunnel mode: byte layout, round trips, ICV, padding, anti-replay window."""

from __future__ import annotations

import hashlib
import hmac
import random

import pytest

from ikesim.crypto import decrypt_cbc
from ikesim.ipsec.esp import EspError, decapsulate, encapsulate
from ikesim.ipsec.sa import IpsecSa, Proxy
from ikesim.ipsec.transforms import (
    AUTHS,
    CIPHERS,
    TransformError,
    from_keywords,
    from_wire,
)
from ikesim.net.packet import Icmp, Udp, echo_data, encode_packet, icmp_packet, udp_packet
from ikesim.net.packet_decode import DecodeError, decode_packet

TRANSFORMS = [["esp-des", "esp-md5-hmac"], ["esp-3des", "esp-sha-hmac"],
              ["esp-aes", "esp-sha-hmac"], ["esp-aes 192", "esp-md5-hmac"],
              ["esp-aes 256", "esp-sha256-hmac"]]


def pair(keywords: list[str], seed: int = 7) -> tuple[IpsecSa, IpsecSa]:
    t = from_keywords(keywords)
    rng = random.Random(seed)
    ek, ak = rng.randbytes(t.cipher.key_len), rng.randbytes(t.auth.key_len)
    out = IpsecSa(0x1234ABCD, False, 1, 2, t, ek, ak, 3600, 4608000, 0.0)
    inn = IpsecSa(0x1234ABCD, True, 1, 2, t, ek, ak, 3600, 4608000, 0.0)
    return out, inn


def echo() -> bytes:
    return encode_packet(icmp_packet(0xAC100102, 0xAC100202, Icmp(8, 0, 7, 3, echo_data(100)),
                                     ident=9))


@pytest.mark.parametrize("keywords", TRANSFORMS, ids=lambda k: "+".join(k))
def test_round_trip_and_wire_layout(keywords: list[str]) -> None:
    out, inn = pair(keywords)
    t = out.transform
    inner = echo()
    iv = bytes(range(t.cipher.block))
    esp = encapsulate(out, inner, iv)
    assert esp[:4] == (0x1234ABCD).to_bytes(4, "big")
    assert esp[4:8] == (1).to_bytes(4, "big")                    # first sequence number is 1
    assert esp[8:8 + t.cipher.block] == iv
    icv_len = {"esp-md5-hmac": 12, "esp-sha-hmac": 12, "esp-sha256-hmac": 16}[keywords[1]]
    body = esp[8 + t.cipher.block:-icv_len]
    assert len(body) % t.cipher.block == 0
    digest = {"esp-md5-hmac": hashlib.md5, "esp-sha-hmac": hashlib.sha1,
              "esp-sha256-hmac": hashlib.sha256}[keywords[1]]
    assert esp[-icv_len:] == hmac.new(out.auth_key, esp[:-icv_len], digest).digest()[:icv_len]
    plain = decrypt_cbc(t.cipher.crypto_name, out.enc_key, iv, body)
    pad = plain[-2]
    assert plain[-1] == 4                                           # next header: IPv4
    assert plain[-2 - pad:-2] == bytes(range(1, pad + 1))           # RFC 4303 §2.4 padding
    assert plain[:len(inner)] == inner
    assert decapsulate(inn, esp) == inner
    assert (out.packets, inn.packets, out.octets) == (1, 1, len(inner))


def test_decoded_inner_packet_matches_original() -> None:
    original = icmp_packet(0xAC100102, 0xAC100202, Icmp(8, 0, 7, 3, echo_data(100)), ttl=63,
                           ident=5)
    p = decode_packet(encode_packet(original))
    assert (p.src, p.dst, p.protocol, p.ttl, p.size, p.ident) == (0xAC100102, 0xAC100202, 1,
                                                                   63, 100, 5)
    assert p.payload == original.payload
    u = decode_packet(encode_packet(udp_packet(1, 2, 1000, 53, b"query")))
    assert u.payload == Udp(1000, 53, b"query")
    raw = bytearray(encode_packet(original))
    raw[8] ^= 0xFF                                                  # break the header checksum
    with pytest.raises(DecodeError):
        decode_packet(bytes(raw))
    with pytest.raises(DecodeError):
        decode_packet(b"\x45\x00")


def test_tampered_packet_fails_icv_and_does_not_move_window() -> None:
    out, inn = pair(["esp-3des", "esp-sha-hmac"])
    esp = bytearray(encapsulate(out, echo(), bytes(8)))
    esp[20] ^= 1
    with pytest.raises(EspError) as exc:
        decapsulate(inn, bytes(esp))
    assert exc.value.reason == "icv" and inn.auth_failures == 1
    assert inn.replay_top == 0 and inn.packets == 0


def test_wrong_key_fails_icv() -> None:
    out, _ = pair(["esp-aes", "esp-sha-hmac"], seed=1)
    _, other = pair(["esp-aes", "esp-sha-hmac"], seed=2)
    with pytest.raises(EspError, match="icv"):
        decapsulate(other, encapsulate(out, echo(), bytes(16)))


def test_replayed_packet_is_dropped() -> None:
    out, inn = pair(["esp-3des", "esp-sha-hmac"])
    first = encapsulate(out, echo(), bytes(8))
    decapsulate(inn, first)
    with pytest.raises(EspError) as exc:
        decapsulate(inn, first)
    assert exc.value.reason == "replay" and inn.replay_drops == 1


def test_anti_replay_window_of_64() -> None:
    out, inn = pair(["esp-3des", "esp-sha-hmac"])
    packets = [encapsulate(out, echo(), bytes(8)) for _ in range(100)]
    decapsulate(inn, packets[99])                                   # seq 100 arrives first
    decapsulate(inn, packets[36])                                   # seq 37: offset 63, inside
    with pytest.raises(EspError, match="replay"):
        decapsulate(inn, packets[35])                               # seq 36: offset 64, too old
    for i in (98, 50, 40):                                          # late but new: accepted
        decapsulate(inn, packets[i])
    with pytest.raises(EspError, match="replay"):
        decapsulate(inn, packets[50])                               # now a duplicate
    assert inn.replay_top == 100 and inn.packets == 5


def test_sequence_zero_is_never_accepted() -> None:
    out, inn = pair(["esp-3des", "esp-sha-hmac"])
    out.seq = -1                                                    # next packet carries seq 0
    with pytest.raises(EspError, match="replay"):
        decapsulate(inn, encapsulate(out, echo(), bytes(8)))


def test_short_packet_and_bad_iv_length() -> None:
    out, inn = pair(["esp-3des", "esp-sha-hmac"])
    with pytest.raises(EspError, match="short"):
        decapsulate(inn, b"\x12\x34\xab\xcd\x00\x00\x00\x01")
    with pytest.raises(ValueError):
        encapsulate(out, echo(), bytes(16))


def test_transform_tables() -> None:
    t = from_keywords(["esp-aes 256", "esp-sha256-hmac"])
    assert (t.cipher.transform_id, t.cipher.key_bits, t.auth.auth_id, t.auth.icv_len) == (
        12, 256, 5, 16)
    assert from_wire(12, 256, 5, 1) == t
    assert from_wire(3, None, 2, 1) == from_keywords(["esp-sha-hmac", "esp-3des"])
    assert from_wire(12, None, 2, 1) is None                        # AES needs a key length
    assert from_wire(3, None, 9, 1) is None
    with pytest.raises(TransformError):
        from_keywords(["esp-3des"])
    assert CIPHERS["esp-des"].wireshark == "DES-CBC [RFC2405]"
    assert AUTHS["esp-md5-hmac"].icv_len == 12


def test_proxy_coverage_and_permits() -> None:
    acl = Proxy(0xAC100000, 0xFFFF0000, 0xAC100200, 0xFFFFFF00)
    assert acl.covers(Proxy(0xAC100100, 0xFFFFFF00, 0xAC100200, 0xFFFFFF00))
    assert not acl.covers(Proxy(0xAC100100, 0xFFFFFF00, 0xAC100300, 0xFFFFFF00))
    assert not Proxy(0xAC100100, 0xFFFFFF00, 0, 0, protocol=6).covers(
        Proxy(0xAC100100, 0xFFFFFF00, 0, 0, protocol=0))
    assert acl.permits(0xAC100505, 0xAC100209) and not acl.permits(0xAC100505, 0xAC100309)
    assert acl.mirrored().mirrored() == acl
