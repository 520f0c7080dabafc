"""Property tests for the UDP 4500 demultiplexer (RFC 3948 §2.2-2.3): every payload is exactly
one of NAT-keepalive, marked IKE, ESP or a typed "invalid" with its reason, never an exception;
framing IKE and stripping the marker are inverse."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ikesim.ipsec.udp_encap import (
    ESP_MIN_LEN,
    ISAKMP_HEADER_LEN,
    KEEPALIVE,
    NON_ESP_MARKER,
    classify,
    encapsulation_mode,
    frame_ike,
    strip_marker,
)
from ikesim.isakmp import (
    IsakmpDecodeError,
    NatDDraftPayload,
    NatDPayload,
    NatOaPayload,
    decode_payloads,
    encode_payloads,
)

KINDS = {"keepalive", "ike", "esp", "invalid"}


@given(st.binary(max_size=96))
def test_classify_is_total_and_exclusive(payload: bytes) -> None:
    c = classify(payload)
    assert c.kind in KINDS
    assert (c.kind == "invalid") == bool(c.reason)
    if c.kind == "keepalive":
        assert payload == KEEPALIVE
    elif c.kind == "ike":
        assert payload[:4] == NON_ESP_MARKER and c.body == payload[4:]
        assert len(c.body) >= ISAKMP_HEADER_LEN
    elif c.kind == "esp":
        assert c.body == payload and len(payload) >= ESP_MIN_LEN
        assert int.from_bytes(payload[:4], "big") >= 256          # RFC 4303 §2.1


@given(st.binary(min_size=ISAKMP_HEADER_LEN, max_size=96))
def test_framed_ike_round_trips(message: bytes) -> None:
    framed = frame_ike(message)
    assert strip_marker(framed) == message
    c = classify(framed)
    assert (c.kind, c.body) == ("ike", message)


@given(st.integers(256, 2**32 - 1), st.binary(min_size=4, max_size=64))
def test_esp_passes_unchanged_and_has_no_marker(spi: int, rest: bytes) -> None:
    packet = spi.to_bytes(4, "big") + rest
    assert classify(packet).kind == "esp" and strip_marker(packet) is None


def test_the_unhappy_shapes_say_why() -> None:
    assert classify(b"\x00").reason.startswith("1-octet payload 0x00 is not a NAT-keepalive")
    assert "shorter than an ISAKMP header" in classify(NON_ESP_MARKER + bytes(10)).reason
    assert classify((7).to_bytes(4, "big") + bytes(8)).reason == \
        "SPI 7 is reserved (RFC 4303 §2.1)"
    assert classify((300).to_bytes(4, "big") + b"ab").reason == "ESP of 6 octets"
    assert classify(b"").kind == "invalid" and strip_marker(b"\x00\x00") is None


def test_encapsulation_modes_rfc_and_draft() -> None:
    assert [encapsulation_mode(m, rfc) for m in ("tunnel", "transport") for rfc in (True, False)
            ] == [3, 61443, 4, 61444]


# -- the NAT-T payloads' codec (RFC 3947 §3.2, §5.2; draft type 130) -----------------------
natt_payloads = st.one_of(
    st.builds(NatDPayload, st.binary(max_size=64)),
    st.builds(NatDDraftPayload, st.binary(max_size=64)),
    st.builds(NatOaPayload, st.just(1), st.binary(min_size=4, max_size=4)),     # ID_IPV4_ADDR
    st.builds(NatOaPayload, st.just(5), st.binary(min_size=16, max_size=16)),   # ID_IPV6_ADDR
)


@given(st.lists(natt_payloads, min_size=1, max_size=4))
def test_natt_payloads_round_trip_with_their_type(chain: list[object]) -> None:
    first, data = encode_payloads(chain)  # type: ignore[arg-type]
    back = decode_payloads(first, data)
    assert back == chain and [type(p) for p in back] == [type(p) for p in chain]


@given(st.lists(natt_payloads, min_size=1, max_size=3), st.data())
def test_truncated_natt_chains_give_typed_errors(chain: list[object], data: st.DataObject
                                                  ) -> None:
    first, raw = encode_payloads(chain)  # type: ignore[arg-type]
    cut = data.draw(st.integers(0, len(raw) - 1))
    try:
        decode_payloads(first, raw[:cut])
    except IsakmpDecodeError as err:
        assert not err.reason.startswith("internal") and 28 <= err.offset <= 28 + cut
