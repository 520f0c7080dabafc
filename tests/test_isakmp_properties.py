"""Property tests: round trips and totality of the ISAKMP decoder (hypothesis)."""

from __future__ import annotations

import re
import struct

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikesim.isakmp import (
    HEADER_LEN,
    Attribute,
    CertPayload,
    CertRequestPayload,
    DeletePayload,
    HashPayload,
    Header,
    IdPayload,
    IdType,
    IsakmpDecodeError,
    KePayload,
    Message,
    NoncePayload,
    NotificationPayload,
    Proposal,
    SaPayload,
    SigPayload,
    Transform,
    VendorIdPayload,
    decode_message,
    decode_payloads,
    encode_header,
    encode_message,
    encode_payloads,
    payload_body,
)
from ikesim.isakmp.constants import ID_DATA_SIZES, SPI_SIZES
from ikesim.isakmp.payloads import SPECS

SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

u8 = st.integers(0, 0xFF)
u16 = st.integers(0, 0xFFFF)
u32 = st.integers(0, 0xFFFFFFFF)
attr_type = st.integers(0, 0x7FFF)

attributes = st.one_of(
    st.builds(Attribute, attr_type, u16, st.just(True)),
    st.builds(Attribute, attr_type, st.binary(max_size=12), st.just(False)),
    st.builds(Attribute, attr_type, st.integers(0, 2**72)),  # tv=None: TV or ≥4-octet TLV
)
transforms = st.builds(Transform, u8, u8, st.lists(attributes, max_size=6))


@st.composite
def proposals(draw: st.DrawFn) -> Proposal:
    protocol = draw(st.sampled_from(sorted(SPI_SIZES)))
    size = draw(st.sampled_from(sorted(SPI_SIZES[protocol])))
    return Proposal(draw(u8), protocol, draw(st.binary(min_size=size, max_size=size)),
                    draw(st.lists(transforms, min_size=1, max_size=3)))


@st.composite
def sa_payloads(draw: st.DrawFn) -> SaPayload:
    props = sorted(draw(st.lists(proposals(), min_size=1, max_size=3)), key=lambda p: p.number)
    return SaPayload(props, 1, draw(st.sampled_from([0, 1])))


@st.composite
def id_payloads(draw: st.DrawFn) -> IdPayload:
    id_type = draw(st.sampled_from(list(IdType)))
    size = ID_DATA_SIZES.get(id_type)
    data = draw(st.binary(min_size=size or 1, max_size=size or 40))
    return IdPayload(id_type, draw(u8), draw(u16), data)


@st.composite
def delete_payloads(draw: st.DrawFn) -> DeletePayload:
    size = draw(st.integers(0, 16))
    spis = draw(st.lists(st.binary(min_size=size, max_size=size), max_size=4))
    return DeletePayload(draw(u8), size, spis, draw(u32))


blob = st.binary(max_size=64)
payloads = st.one_of(
    sa_payloads(),
    st.builds(KePayload, st.binary(max_size=260)),
    id_payloads(),
    st.builds(CertPayload, u8, blob),
    st.builds(CertRequestPayload, u8, blob),
    st.builds(HashPayload, blob),
    st.builds(SigPayload, blob),
    st.builds(NoncePayload, blob),
    st.builds(NotificationPayload, u16, u8, st.binary(max_size=16), blob, u32),
    delete_payloads(),
    st.builds(VendorIdPayload, blob),
)
headers = st.builds(Header, st.binary(min_size=8, max_size=8), st.binary(min_size=8, max_size=8),
                    st.just(0), st.sampled_from([1, 2, 3, 4, 5, 32, 33, 240, 255]),
                    st.sampled_from([0, 2, 4, 6]), u32)
messages = st.builds(Message, headers, st.lists(payloads, max_size=5))


def decode_or_error(data: bytes) -> Message | None:
    """decode_message, asserting that only a well-formed IsakmpDecodeError can escape."""
    try:
        return decode_message(data)
    except IsakmpDecodeError as err:
        assert not err.reason.startswith("internal"), err
        assert 0 <= err.offset <= len(data)
        assert 1 <= err.notify <= 30
        return None


@SETTINGS
@given(payloads)
def test_every_payload_round_trips(p: object) -> None:
    first, chain = encode_payloads([p])  # type: ignore[list-item]
    assert len(chain) == 4 + len(payload_body(p))  # type: ignore[arg-type]
    (back,) = decode_payloads(first, chain)
    assert back == p
    assert payload_body(back) == payload_body(p)  # type: ignore[arg-type]


@SETTINGS
@given(messages)
def test_messages_round_trip(msg: Message) -> None:
    data = encode_message(msg)
    back = decode_message(data)
    assert back.payloads == msg.payloads
    h, g = back.header, msg.header
    assert (h.icookie, h.rcookie, h.exchange, h.flags, h.message_id) == (
        g.icookie, g.rcookie, g.exchange, g.flags, g.message_id)
    assert h.length == len(data)
    assert encode_message(back) == data


@SETTINGS
@given(st.binary(max_size=200))
def test_random_datagrams_only_raise_decode_errors(data: bytes) -> None:
    decode_or_error(data)


@SETTINGS
@given(u8, st.binary(max_size=200), st.integers(0, 2**16), st.booleans())
def test_random_payload_chains_only_raise_decode_errors(first: int, body: bytes, base: int,
                                                        trailing: bool) -> None:
    try:
        decoded = decode_payloads(first, body, base_offset=base, allow_trailing=trailing)
    except IsakmpDecodeError as err:
        assert not err.reason.startswith("internal"), err
        assert base - 12 <= err.offset <= base + len(body)
        return
    first_again, chain = encode_payloads(decoded)
    assert body.startswith(chain) and (first_again == first or not decoded)


@SETTINGS
@given(headers, u8, st.binary(max_size=200))
def test_random_bodies_behind_a_valid_header_only_raise_decode_errors(
        header: Header, first: int, body: bytes) -> None:
    header.next_payload, header.length = first, HEADER_LEN + len(body)
    data = encode_header(header) + body
    msg = decode_or_error(data)
    if msg is not None:
        assert encode_message(msg) == data


def _mutations(draw: st.DrawFn, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["flip", "set", "truncate", "extend", "insert", "delete",
                                 "truncate_fix", "extend_fix"]))
    if not data:
        return draw(st.binary(min_size=1, max_size=8))
    i = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
    if kind == "set":
        return data[:i] + bytes([draw(u8)]) + data[i + 1:]
    if kind == "truncate":
        return data[:i]
    if kind == "extend":
        return data + draw(st.binary(min_size=1, max_size=8))
    if kind == "insert":
        return data[:i] + draw(st.binary(min_size=1, max_size=4)) + data[i:]
    if kind == "delete":
        return data[:i] + data[i + draw(st.integers(1, 4)):]
    # keep the header Length consistent so that the payload decoder is exercised
    cut = data[:max(i, HEADER_LEN)] if kind == "truncate_fix" else data + draw(
        st.binary(min_size=1, max_size=8))
    return cut[:24] + struct.pack("!I", len(cut)) + cut[28:]


@st.composite
def mutated_messages(draw: st.DrawFn) -> bytes:
    data = encode_message(draw(messages))
    for _ in range(draw(st.integers(1, 3))):
        data = _mutations(draw, data)
    return data


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated_messages())
def test_mutated_messages_only_raise_decode_errors(data: bytes) -> None:
    msg = decode_or_error(data)
    if msg is not None:  # anything accepted is canonical: it re-encodes to the same octets
        assert encode_message(msg) == data


@SETTINGS
@given(payloads)
def test_compiled_encoder_gives_the_field_lists_bytes(p: object) -> None:
    """A description's leading fixed-size fields are packed by one compiled struct
    (``isakmp.head``): the bytes are those of its fields encoded one by one."""
    spec = SPECS[type(p)]
    assert spec.encode(p) == spec._encode_fields(p)


@pytest.mark.parametrize(("payload", "error"), [
    (IdPayload(1, 17, 70000, b"abcd"), "port=70000 does not fit 2 octet(s)"),
    (IdPayload(None, 17, 500, b"abcd"), "id_type=None does not fit 1 octet(s)"),  # type: ignore[arg-type]
    (NotificationPayload(-1), "notify_type=-1 does not fit 2 octet(s)"),
    (NotificationPayload(24, spi=bytes(300)), "length(spi)=300 does not fit 1 octet(s)"),
])
def test_compiled_encoder_names_the_field_that_does_not_fit(payload: object, error: str) -> None:
    with pytest.raises(ValueError, match=re.escape(error)):
        SPECS[type(payload)].encode(payload)
