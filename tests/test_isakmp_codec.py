"""Known-answer and unhappy-path tests for the ISAKMP codec (RFC 2408 §3, RFC 2407 §4.6)."""

from __future__ import annotations

import pytest

from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    HEADER_LEN,
    KEY_IKE,
    PROTO_IPSEC_AH,
    PROTO_IPSEC_ESP,
    PROTO_ISAKMP,
    Attribute,
    AuthMethod,
    CertPayload,
    CertRequestPayload,
    DeletePayload,
    EncryptionAlgorithm,
    ExchangeType,
    HashAlgorithm,
    HashPayload,
    Header,
    IdPayload,
    IdType,
    IsakmpDecodeError,
    KePayload,
    LifeType,
    Message,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    PayloadType,
    Phase1Attr,
    Phase2Attr,
    Proposal,
    SaPayload,
    SigPayload,
    Transform,
    VendorIdPayload,
    decode_header,
    decode_message,
    decode_payloads,
    encode_header,
    encode_message,
    encode_payloads,
    ipv4_id,
    payload_body,
    payload_type,
)

ICKY = bytes.fromhex("1f2e3d4c5b6a7988")
RCKY = bytes.fromhex("0102030405060708")


def hx(text: str) -> bytes:
    return bytes.fromhex("".join(line.split("#")[0] for line in text.splitlines()))


# An IOS-like MM1: one proposal, one transform 3DES / SHA / group 2 / PSK / 86400 s.
MM1 = hx("""
1f2e3d4c5b6a7988 0000000000000000   # CKY-I, CKY-R
01 10 02 00 00000000 00000054         # next SA, v1.0, ident. protection, flags, msgid, len 84
00 00 0038 00000001 00000001          # SA: next 0, len 56, DOI IPsec, SIT_IDENTITY_ONLY
00 00 002c 01 01 00 01                # proposal 1: len 44, PROTO_ISAKMP, SPI size 0, 1 transform
00 00 0024 01 01 0000                 # transform 1: len 36, KEY_IKE
8001 0005                             # encryption 3DES-CBC (TV)
8002 0002                             # hash SHA
8004 0002                             # group description 2
8003 0001                             # auth pre-share
800b 0001                             # life type seconds
000c 0004 00015180                    # life duration 86400 as a 4-octet TLV
""")

IOS_TRANSFORM = Transform(1, KEY_IKE, [
    Attribute(Phase1Attr.ENCRYPTION, EncryptionAlgorithm.TRIPLE_DES_CBC),
    Attribute(Phase1Attr.HASH, HashAlgorithm.SHA),
    Attribute(Phase1Attr.GROUP_DESCRIPTION, 2),
    Attribute(Phase1Attr.AUTH_METHOD, AuthMethod.PRE_SHARED_KEY),
    Attribute(Phase1Attr.LIFE_TYPE, LifeType.SECONDS),
    Attribute(Phase1Attr.LIFE_DURATION, 86400),
])
MM1_MSG = Message(Header(ICKY, bytes(8), 0, ExchangeType.IDENTITY_PROTECTION),
                  [SaPayload([Proposal(1, PROTO_ISAKMP, b"", [IOS_TRANSFORM])])])


def mutate(data: bytes, offset: int, new: bytes) -> bytes:
    return data[:offset] + new + data[offset + len(new):]


def expect_error(data: bytes, offset: int, notify: int) -> IsakmpDecodeError:
    with pytest.raises(IsakmpDecodeError) as info:
        decode_message(data)
    assert (info.value.offset, info.value.notify) == (offset, notify), info.value
    return info.value


# ---------------------------------------------------------------- known answers


def test_mm1_encodes_to_known_bytes() -> None:
    assert encode_message(MM1_MSG) == MM1


def test_mm1_decodes_to_known_structure() -> None:
    msg = decode_message(MM1)
    h = msg.header
    assert (h.icookie, h.rcookie, h.next_payload, h.exchange, h.flags, h.message_id, h.length,
            h.version) == (ICKY, bytes(8), PayloadType.SA, 2, 0, 0, 84, 0x10)
    (sa,) = msg.payloads
    assert isinstance(sa, SaPayload) and (sa.doi, sa.situation) == (1, 1)
    (prop,) = sa.proposals
    assert (prop.number, prop.protocol, prop.spi) == (1, PROTO_ISAKMP, b"")
    (tr,) = prop.transforms
    assert (tr.number, tr.transform_id) == (1, KEY_IKE)
    assert [(a.type, a.int_value, a.tv) for a in tr.attributes] == [
        (1, 5, True), (2, 2, True), (4, 2, True), (3, 1, True), (11, 1, True), (12, 86400, False)]
    life = tr.get(Phase1Attr.LIFE_DURATION)
    assert life is not None and life.value == b"\x00\x01\x51\x80"  # "0x0 0x1 0x51 0x80"
    assert tr.get(Phase1Attr.KEY_LENGTH) is None


def test_decoded_mm1_reencodes_identically() -> None:
    assert encode_message(decode_message(MM1)) == MM1


def test_payload_body_is_sa_without_generic_header() -> None:
    assert payload_body(MM1_MSG.payloads[0]) == MM1[32:]
    assert payload_body(decode_message(MM1).payloads[0]) == MM1[32:]


@pytest.mark.parametrize(("payload", "ptype", "body"), [
    (KePayload(bytes(range(4))), PayloadType.KE, "00010203"),
    (NoncePayload(b"\xaa" * 8), PayloadType.NONCE, "aa" * 8),
    (HashPayload(b"\x11" * 20), PayloadType.HASH, "11" * 20),
    (SigPayload(b"\x22\x33"), PayloadType.SIG, "2233"),
    (VendorIdPayload(bytes.fromhex("afcad71368a1f1c96b8696fc77570100")), PayloadType.VENDOR_ID,
     "afcad71368a1f1c96b8696fc77570100"),
    (IdPayload(IdType.IPV4_ADDR, 17, 500, bytes([10, 10, 10, 2])), PayloadType.ID,
     "01 11 01f4 0a0a0a02"),
    (IdPayload(IdType.FQDN, 0, 0, b"rt2.lab"), PayloadType.ID, "02 00 0000 7274322e6c6162"),
    (IdPayload(IdType.IPV4_ADDR_SUBNET, 0, 0, bytes([10, 1, 0, 0, 255, 255, 0, 0])),
     PayloadType.ID, "04 00 0000 0a010000 ffff0000"),
    (CertPayload(4, b"\x30\x00"), PayloadType.CERT, "04 3000"),
    (CertRequestPayload(4, b""), PayloadType.CR, "04"),
    (NotificationPayload(NotifyType.NO_PROPOSAL_CHOSEN, PROTO_ISAKMP, ICKY + RCKY),
     PayloadType.NOTIFICATION, "00000001 01 10 000e 1f2e3d4c5b6a7988 0102030405060708"),
    (NotificationPayload(NotifyType.INITIAL_CONTACT, PROTO_ISAKMP, b"", b"\x01\x02"),
     PayloadType.NOTIFICATION, "00000001 01 00 6002 0102"),
    (DeletePayload(PROTO_ISAKMP, 16, [ICKY + RCKY]), PayloadType.DELETE,
     "00000001 01 10 0001 1f2e3d4c5b6a7988 0102030405060708"),
    (DeletePayload(PROTO_IPSEC_ESP, 4, [b"\xde\xad\xbe\xef", b"\x00\x00\x10\x01"]),
     PayloadType.DELETE, "00000001 03 04 0002 deadbeef 00001001"),
])
def test_payload_known_answers(payload: object, ptype: int, body: str) -> None:
    expected = bytes.fromhex(body.replace(" ", ""))
    assert payload_type(payload) == ptype  # type: ignore[arg-type]
    assert payload_body(payload) == expected  # type: ignore[arg-type]
    first, chain = encode_payloads([payload])  # type: ignore[list-item]
    assert first == ptype
    assert chain == bytes([0, 0]) + (4 + len(expected)).to_bytes(2, "big") + expected
    assert decode_payloads(first, chain) == [payload]


def test_mm3_like_chain_and_next_payload_links() -> None:
    ke, nonce = KePayload(b"\x07" * 128), NoncePayload(b"\x09" * 20)
    data = encode_message(Message(Header(ICKY, RCKY, 0, 2), [ke, nonce]))
    assert data[16] == PayloadType.KE
    assert data[28:32] == bytes([PayloadType.NONCE, 0]) + (132).to_bytes(2, "big")
    assert data[160:164] == bytes([0, 0]) + (24).to_bytes(2, "big")
    assert len(data) == int.from_bytes(data[24:28], "big") == 28 + 132 + 24
    assert decode_message(data).payloads == [ke, nonce]


def test_phase2_sa_with_esp_and_ah_proposals_decodes_fully() -> None:
    esp = Transform(1, 3, [Attribute(Phase2Attr.SA_LIFE_TYPE, 1),
                           Attribute(Phase2Attr.SA_LIFE_DURATION, 3600, tv=False),
                           Attribute(Phase2Attr.ENCAPSULATION_MODE, 1),
                           Attribute(Phase2Attr.AUTH_ALGORITHM, 2)])
    ah = Transform(1, 3, [Attribute(Phase2Attr.AUTH_ALGORITHM, 2)])
    sa = SaPayload([Proposal(1, PROTO_IPSEC_ESP, b"\x12\x34\x56\x78", [esp]),
                    Proposal(1, PROTO_IPSEC_AH, b"\x9a\xbc\xde\xf0", [ah])])
    body = payload_body(sa)
    # proposal chain: first proposal's next payload is PROPOSAL, the last one 0 (§3.5)
    assert body[8] == PayloadType.PROPOSAL
    assert body[12:20] == bytes([1, PROTO_IPSEC_ESP, 4, 1]) + b"\x12\x34\x56\x78"
    assert bytes.fromhex("0002 0004 00000e10") in body  # 3600 forced TLV: 4 octets
    msg = decode_message(encode_message(Message(Header(ICKY, RCKY, 0, 32, 0, 0xA1B2C3D4), [
        sa, NoncePayload(b"n" * 16)])))
    got = msg.payloads[0]
    assert isinstance(got, SaPayload)
    assert [(p.protocol, p.spi) for p in got.proposals] == [
        (PROTO_IPSEC_ESP, b"\x12\x34\x56\x78"), (PROTO_IPSEC_AH, b"\x9a\xbc\xde\xf0")]
    life = got.proposals[0].transforms[0].get(Phase2Attr.SA_LIFE_DURATION)
    assert life is not None and life.int_value == 3600 and life.tv is False
    assert msg.header.message_id == 0xA1B2C3D4


def test_multiple_proposals_and_transforms_chain() -> None:
    t1 = Transform(1, KEY_IKE, [Attribute(1, 7), Attribute(Phase1Attr.KEY_LENGTH, 256)])
    t2 = Transform(2, KEY_IKE, [Attribute(1, 5)])
    sa = SaPayload([Proposal(1, PROTO_ISAKMP, b"", [t1, t2]), Proposal(2, PROTO_ISAKMP, b"",
                                                                       [t2])])
    body = payload_body(sa)
    assert body[8:16] == bytes.fromhex("02 00 0024 01 01 00 02".replace(" ", ""))
    assert body[16:20] == bytes.fromhex("03000010")  # transform 1 → next is TRANSFORM
    assert decode_payloads(1, encode_payloads([sa])[1]) == [sa]


# ---------------------------------------------------------------- attributes


@pytest.mark.parametrize(("attr", "wire"), [
    (Attribute(1, 5), "80010005"),
    (Attribute(12, 65535), "800cffff"),
    (Attribute(12, 65536), "000c0004 00010000"),
    (Attribute(12, 86400), "000c0004 00015180"),
    (Attribute(12, 2**40), "000c0006 010000000000"),
    (Attribute(12, 3600, tv=False), "000c0004 00000e10"),
    (Attribute(12, 3600, tv=True), "800c0e10"),
    (Attribute(12, b"\x01\x51\x80"), "000c0003 015180"),
    (Attribute(12, b"\x0e\x10", tv=True), "800c0e10"),
    (Attribute(0x7FFF, b""), "7fff0000"),
])
def test_attribute_encoding_rules(attr: Attribute, wire: str) -> None:
    assert attr.encode() == bytes.fromhex(wire.replace(" ", ""))


def test_attribute_equality_is_wire_equality() -> None:
    assert Attribute(12, 86400) == Attribute(12, b"\x00\x01\x51\x80", tv=False)
    assert Attribute(1, 5) == Attribute(1, 5, tv=True)
    assert Attribute(1, 5) != Attribute(1, 5, tv=False)
    assert Attribute(1, 5) != Attribute(2, 5)
    assert len({Attribute(1, 5), Attribute(1, 5, tv=True)}) == 1


def test_attribute_int_value_and_validation() -> None:
    assert Attribute(12, b"\x00\x01\x51\x80").int_value == 86400
    assert Attribute(12, b"").int_value == 0
    for bad in (lambda: Attribute(1, 70000, tv=True), lambda: Attribute(1, -1),
                lambda: Attribute(0x8001, 1), lambda: Attribute(1, b"abc", tv=True),
                lambda: Attribute(1, "x")):  # type: ignore[arg-type]
        with pytest.raises((ValueError, TypeError)):
            bad()


# ---------------------------------------------------------------- helpers


def test_ipv4_id_accepts_str_int_bytes() -> None:
    want = IdPayload(IdType.IPV4_ADDR, 17, 500, bytes([10, 10, 10, 2]))
    assert ipv4_id("10.10.10.2") == want
    assert ipv4_id(0x0A0A0A02) == want
    assert ipv4_id(bytes([10, 10, 10, 2])) == want
    assert ipv4_id("11.11.11.2", 0, 0) == IdPayload(1, 0, 0, bytes([11, 11, 11, 2]))


def test_encode_header_uses_length_as_given() -> None:
    h = Header(ICKY, RCKY, PayloadType.ID, 2, FLAG_ENCRYPTION, 0, 92)
    assert encode_header(h) == ICKY + RCKY + bytes.fromhex("05100201 00000000 0000005c"
                                                           .replace(" ", ""))
    with pytest.raises(ValueError):
        encode_header(Header(b"short", RCKY, 0, 2))


def test_encode_payloads_empty_and_encode_errors() -> None:
    assert encode_payloads([]) == (0, b"")
    with pytest.raises(ValueError):
        payload_body(DeletePayload(PROTO_ISAKMP, 16, [b"too short"]))
    with pytest.raises(ValueError):
        payload_body(IdPayload(1, 256, 0, b"\x00" * 4))
    with pytest.raises(TypeError):
        payload_body("not a payload")  # type: ignore[arg-type]


def test_encrypted_body_with_padding_is_decoded_by_caller() -> None:
    # MM5-like: after decryption the body is IDii | HASH_I | zero padding (RFC 2409 App. B).
    first, chain = encode_payloads([ipv4_id("10.10.10.2"), HashPayload(b"\x5a" * 20)])
    padded = chain + bytes(-len(chain) % 8 or 8)
    header = Header(ICKY, RCKY, first, 2, FLAG_ENCRYPTION, 0, HEADER_LEN + len(padded))
    datagram = encode_header(header) + padded  # stands in for the ciphertext
    assert decode_header(datagram).encrypted
    with pytest.raises(IsakmpDecodeError) as info:
        decode_message(datagram)
    assert (info.value.offset, info.value.notify) == (19, NotifyType.INVALID_FLAGS)
    payloads = decode_payloads(first, padded, allow_trailing=True)
    assert payloads == [ipv4_id("10.10.10.2"), HashPayload(b"\x5a" * 20)]
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(first, padded)
    assert info.value.offset == HEADER_LEN + len(chain)


# ---------------------------------------------------------------- unhappy paths

MALFORMED = NotifyType.PAYLOAD_MALFORMED


@pytest.mark.parametrize(("offset", "new", "err_offset", "notify"), [
    (17, b"\x20", 17, NotifyType.INVALID_MAJOR_VERSION),
    (17, b"\x11", 17, NotifyType.INVALID_MINOR_VERSION),
    (18, b"\x00", 18, NotifyType.INVALID_EXCHANGE_TYPE),
    (18, b"\x07", 18, NotifyType.INVALID_EXCHANGE_TYPE),
    (19, b"\x08", 19, NotifyType.INVALID_FLAGS),
    (24, b"\x00\x00\x00\x55", 24, MALFORMED),           # header length ≠ datagram length
    (16, b"\x0e", 16, NotifyType.INVALID_PAYLOAD_TYPE),  # unknown first payload type
    (16, b"\x02", 16, NotifyType.INVALID_PAYLOAD_TYPE),  # PROPOSAL is only valid inside SA
    (16, b"\x00", 28, MALFORMED),                      # NONE first: SA left as trailing octets
    (29, b"\x01", 29, MALFORMED),                      # generic header RESERVED ≠ 0
    (30, b"\x00\x03", 30, MALFORMED),                  # payload length < 4
    (30, b"\x00\x39", 30, MALFORMED),                  # payload length past the end
    (30, b"\x00\x0b", 30, MALFORMED),                  # SA shorter than DOI + situation
    (32, b"\x00\x00\x00\x02", 32, NotifyType.DOI_NOT_SUPPORTED),
    (36, b"\x00\x00\x00\x02", 36, NotifyType.SITUATION_NOT_SUPPORTED),
    (40, b"\x05", 40, NotifyType.BAD_PROPOSAL_SYNTAX),  # proposal chained to an ID payload
    (42, b"\x00\x2b", 50, MALFORMED),                  # transform runs past its proposal
    (45, b"\x09", 45, NotifyType.INVALID_PROTOCOL_ID),
    (46, b"\x04", 46, NotifyType.INVALID_SPI),          # ISAKMP SPI must be 0 or 16
    (47, b"\x02", 47, NotifyType.BAD_PROPOSAL_SYNTAX),  # # transforms ≠ chain length
    (47, b"\x00", 47, NotifyType.BAD_PROPOSAL_SYNTAX),
    (48, b"\x03", 84, MALFORMED),                       # transform says another follows
    (48, b"\x02", 48, NotifyType.BAD_PROPOSAL_SYNTAX),  # transform chained to a proposal
    (50, b"\x00\x23", 78, MALFORMED),                   # transform cuts the TLV attribute
    (50, b"\x00\x25", 50, MALFORMED),                   # transform past its proposal
    (54, b"\x00\x01", 54, MALFORMED),                   # transform RESERVED ≠ 0
    (78, b"\x00\x05", 78, MALFORMED),                   # TLV attribute length past the end
])
def test_mm1_mutations_raise_typed_errors(offset: int, new: bytes, err_offset: int,
                                          notify: int) -> None:
    expect_error(mutate(MM1, offset, new), err_offset, notify)


def test_vid_announced_but_missing_is_truncation() -> None:
    # SA's next payload says VENDOR_ID but the datagram ends: truncated generic header.
    expect_error(mutate(MM1, 28, b"\x0d"), 84, MALFORMED)


def test_short_datagrams_and_every_truncation() -> None:
    for n in range(HEADER_LEN):
        err = expect_error(MM1[:n], n, MALFORMED)
        assert "shorter than" in err.reason
    for n in range(HEADER_LEN, len(MM1)):
        cut = mutate(MM1[:n], 24, n.to_bytes(4, "big"))  # consistent header length
        with pytest.raises(IsakmpDecodeError) as info:
            decode_message(cut)
        assert info.value.notify == MALFORMED
        assert HEADER_LEN <= info.value.offset <= n


def test_trailing_octets_after_last_payload() -> None:
    longer = mutate(MM1 + b"\x00\x00", 24, (86).to_bytes(4, "big"))
    expect_error(longer, 84, MALFORMED)
    expect_error(MM1 + b"\x00", 24, MALFORMED)  # header length no longer matches
    assert decode_payloads(1, longer[28:], allow_trailing=True) == decode_message(MM1).payloads


def test_decode_payloads_reports_offsets_relative_to_base() -> None:
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(PayloadType.KE, b"\x00\x00\x00\x02", base_offset=100)
    assert (info.value.offset, info.value.notify) == (102, MALFORMED)
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(99, b"", base_offset=28)
    assert (info.value.offset, info.value.notify) == (16, NotifyType.INVALID_PAYLOAD_TYPE)
    assert decode_payloads(0, b"") == []
    with pytest.raises(IsakmpDecodeError):
        decode_payloads(0, b"\x00")


def _chain(*payloads: object) -> tuple[int, bytes]:
    return encode_payloads(list(payloads))  # type: ignore[arg-type]


@pytest.mark.parametrize(("payload", "notify"), [
    (SaPayload([]), NotifyType.BAD_PROPOSAL_SYNTAX),
    (SaPayload([Proposal(2, 1, b"", [IOS_TRANSFORM]), Proposal(1, 1, b"", [IOS_TRANSFORM])]),
     NotifyType.BAD_PROPOSAL_SYNTAX),
    (SaPayload([Proposal(1, 1, b"", [])]), NotifyType.BAD_PROPOSAL_SYNTAX),
    (SaPayload([Proposal(1, PROTO_IPSEC_ESP, b"", [IOS_TRANSFORM])]), NotifyType.INVALID_SPI),
    (IdPayload(IdType.IPV4_ADDR, 17, 500, b"\x0a\x0a\x0a"), NotifyType.INVALID_ID_INFORMATION),
    (IdPayload(IdType.FQDN, 17, 500, b""), NotifyType.INVALID_ID_INFORMATION),
    (IdPayload(0, 17, 500, b"\x0a\x0a\x0a\x02"), NotifyType.INVALID_ID_INFORMATION),
    (IdPayload(12, 17, 500, b"\x0a\x0a\x0a\x02"), NotifyType.INVALID_ID_INFORMATION),
])
def test_semantically_bad_payloads_encode_but_do_not_decode(payload: object,
                                                             notify: int) -> None:
    first, chain = _chain(payload)
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(first, chain)
    assert info.value.notify == notify
    assert HEADER_LEN <= info.value.offset <= HEADER_LEN + len(chain)


def test_inconsistent_counts_in_delete_and_notification() -> None:
    first, chain = _chain(DeletePayload(PROTO_ISAKMP, 16, [ICKY + RCKY]))
    bad = mutate(chain, 10, b"\x00\x02")  # two SPIs announced, one present
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(first, bad)
    assert (info.value.offset, info.value.notify) == (HEADER_LEN + 10, MALFORMED)
    first, chain = _chain(NotificationPayload(NotifyType.INVALID_COOKIE))
    bad = mutate(chain, 9, b"\x10")  # SPI size 16 but no SPI octets
    with pytest.raises(IsakmpDecodeError) as info:
        decode_payloads(first, bad)
    assert (info.value.offset, info.value.notify) == (HEADER_LEN + 12, MALFORMED)
    with pytest.raises(IsakmpDecodeError) as info:  # notification length 8 < fixed 12
        decode_payloads(PayloadType.NOTIFICATION, bytes.fromhex("00000008 00000001"))
    assert (info.value.offset, info.value.notify) == (HEADER_LEN + 2, MALFORMED)


def test_error_carries_readable_text() -> None:
    err = expect_error(mutate(MM1, 17, b"\x20"), 17, NotifyType.INVALID_MAJOR_VERSION)
    assert str(err) == "offset 17: major version 2 (INVALID_MAJOR_VERSION)"
    assert isinstance(err, Exception) and not isinstance(err, ValueError)
