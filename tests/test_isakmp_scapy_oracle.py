"""External oracle: scapy's independent ISAKMP dissector agrees with our bytes, and we decode
what scapy builds. scapy is a test dependency: a missing scapy must FAIL this module."""

from __future__ import annotations

from scapy.layers.isakmp import (  # module level on purpose: no scapy → FAIL, not skip
    ISAKMP,
    ISAKMP_payload_Delete,
    ISAKMP_payload_Hash,
    ISAKMP_payload_ID,
    ISAKMP_payload_KE,
    ISAKMP_payload_Nonce,
    ISAKMP_payload_Notify,
    ISAKMP_payload_Proposal,
    ISAKMP_payload_SA,
    ISAKMP_payload_Transform,
    ISAKMP_payload_VendorID,
    ISAKMPAttributeTypes,
)
from scapy.packet import NoPayload, Raw

from ikesim.isakmp import (
    FLAG_ENCRYPTION,
    KEY_IKE,
    PROTO_ISAKMP,
    Attribute,
    DeletePayload,
    ExchangeType,
    HashPayload,
    Header,
    KePayload,
    Message,
    NoncePayload,
    NotificationPayload,
    NotifyType,
    PayloadType,
    Phase1Attr,
    Proposal,
    SaPayload,
    Transform,
    VendorIdPayload,
    decode_message,
    decode_payloads,
    encode_header,
    encode_message,
    encode_payloads,
    ipv4_id,
    payload_body,
    payload_type,
)

ICKY, RCKY = bytes.fromhex("5ac1d2e3f4a5b6c7"), bytes.fromhex("0123456789abcdef")
A = Phase1Attr


def phase1_transform(number: int, enc: int, hash_: int, group: int, life: int,
                     key_length: int | None = None) -> Transform:
    attrs = [Attribute(A.ENCRYPTION, enc)]
    if key_length is not None:
        attrs.append(Attribute(A.KEY_LENGTH, key_length))
    attrs += [Attribute(A.HASH, hash_), Attribute(A.GROUP_DESCRIPTION, group),
              Attribute(A.AUTH_METHOD, 1), Attribute(A.LIFE_TYPE, 1),
              Attribute(A.LIFE_DURATION, life)]
    return Transform(number, KEY_IKE, attrs)


MM1 = Message(Header(ICKY, bytes(8), 0, ExchangeType.IDENTITY_PROTECTION), [
    SaPayload([Proposal(1, PROTO_ISAKMP, b"", [
        phase1_transform(1, 7, 4, 14, 86400, key_length=256),
        phase1_transform(2, 5, 2, 2, 86400),
        phase1_transform(3, 1, 1, 1, 3600),
    ])]),
    VendorIdPayload(bytes.fromhex("afcad71368a1f1c96b8696fc77570100")),  # RFC 3706 DPD
])
MM3 = Message(Header(ICKY, RCKY, 0, ExchangeType.IDENTITY_PROTECTION), [
    KePayload(bytes(range(128))), NoncePayload(b"\x4e" * 20),
])
MM5_PLAIN = Message(Header(ICKY, RCKY, 0, ExchangeType.IDENTITY_PROTECTION), [
    ipv4_id("10.10.10.2"), HashPayload(bytes(range(20))),
])
INFO = Message(Header(ICKY, RCKY, 0, ExchangeType.INFORMATIONAL, 0, 0x11223344), [
    NotificationPayload(NotifyType.INVALID_PAYLOAD_TYPE, PROTO_ISAKMP, ICKY + RCKY, b"\x0b"),
    DeletePayload(PROTO_ISAKMP, 16, [ICKY + RCKY]),
])


def scapy_chain(pkt: ISAKMP) -> list:
    """The top-level payload layers scapy found, in order."""
    layers, layer = [], pkt.payload
    while not isinstance(layer, NoPayload | Raw):
        layers.append(layer)
        layer = layer.payload
    return layers


def scapy_attr(pair: tuple) -> tuple[int, int]:
    name, value = pair
    number, names, _ = ISAKMPAttributeTypes[name] if isinstance(name, str) else (name, {}, 0)
    return number, names.get(value, value)


def agree_on_structure(ours: Message, data: bytes) -> list:
    pkt = ISAKMP(data)
    assert bytes(pkt) == data  # scapy rebuilds the same octets
    assert (pkt.init_cookie, pkt.resp_cookie) == (ours.header.icookie, ours.header.rcookie)
    assert pkt.exch_type == ours.header.exchange and pkt.id == ours.header.message_id
    assert pkt.length == len(data) and pkt.version == 0x10
    layers = scapy_chain(pkt)
    types = [pkt.next_payload] + [layer.next_payload for layer in layers]
    assert types == [payload_type(p) for p in ours.payloads] + [0]
    assert [layer.length for layer in layers] == [4 + len(payload_body(p)) for p in
                                                  ours.payloads]
    return layers


def agree_on_sa(ours: SaPayload, theirs: ISAKMP_payload_SA) -> None:
    assert (theirs.doi, theirs.situation) == (ours.doi, ours.situation)
    prop = theirs.prop
    for our_prop in ours.proposals:
        assert isinstance(prop, ISAKMP_payload_Proposal)
        assert (prop.proposal, prop.proto, prop.SPIsize, prop.trans_nb, bytes(prop.SPI)) == (
            our_prop.number, our_prop.protocol, len(our_prop.spi), len(our_prop.transforms),
            our_prop.spi)
        tr = prop.trans
        for our_tr in our_prop.transforms:
            assert isinstance(tr, ISAKMP_payload_Transform)
            assert (tr.transform_count, tr.transform_id) == (our_tr.number, our_tr.transform_id)
            assert [scapy_attr(a) for a in tr.transforms] == [
                (a.type, a.int_value) for a in our_tr.attributes]
            tr = tr.payload
        assert isinstance(tr, NoPayload | Raw) and not bytes(tr)
        prop = prop.payload


def test_scapy_agrees_on_mm1() -> None:
    data = encode_message(MM1)
    sa_layer, vid_layer = agree_on_structure(MM1, data)
    assert isinstance(sa_layer, ISAKMP_payload_SA)
    agree_on_sa(MM1.payloads[0], sa_layer)  # type: ignore[arg-type]
    assert isinstance(vid_layer, ISAKMP_payload_VendorID)
    assert vid_layer.VendorID == MM1.payloads[1].data  # type: ignore[union-attr]
    attrs = sa_layer.prop.trans.transforms
    assert ("KeyLength", 256) in attrs and ("LifeDuration", 86400) in attrs


def test_scapy_agrees_on_mm3() -> None:
    ke, nonce = agree_on_structure(MM3, encode_message(MM3))
    assert isinstance(ke, ISAKMP_payload_KE) and ke.ke == MM3.payloads[0].data  # type: ignore
    assert isinstance(nonce, ISAKMP_payload_Nonce)
    assert nonce.nonce == MM3.payloads[1].data  # type: ignore[union-attr]


def test_scapy_agrees_on_mm5_plaintext_and_sees_encrypted_body_as_opaque() -> None:
    ident, hash_ = agree_on_structure(MM5_PLAIN, encode_message(MM5_PLAIN))
    assert isinstance(ident, ISAKMP_payload_ID)
    assert (ident.IDtype, ident.ProtoID, ident.Port, ident.IdentData) == (1, 17, 500,
                                                                           "10.10.10.2")
    assert isinstance(hash_, ISAKMP_payload_Hash) and hash_.hash == bytes(range(20))
    # flag E: both sides leave the body to the caller
    first, chain = encode_payloads(MM5_PLAIN.payloads)
    padded = chain + bytes(-len(chain) % 8)
    header = Header(ICKY, RCKY, first, 2, FLAG_ENCRYPTION, 0, 28 + len(padded))
    data = encode_header(header) + padded
    pkt = ISAKMP(data)
    assert pkt.flags.encryption and isinstance(pkt.payload, Raw)
    assert bytes(pkt.payload) == padded
    assert decode_payloads(first, padded, allow_trailing=True) == MM5_PLAIN.payloads


def test_scapy_agrees_on_informational() -> None:
    notify, delete = agree_on_structure(INFO, encode_message(INFO))
    assert isinstance(notify, ISAKMP_payload_Notify)
    assert (notify.doi, notify.proto, notify.SPIsize, notify.notify_msg_type, notify.SPI,
            notify.notify_data) == (1, 1, 16, 1, ICKY + RCKY, b"\x0b")
    assert isinstance(delete, ISAKMP_payload_Delete)
    assert (delete.doi, delete.proto, delete.SPIsize, delete.SPIcount) == (1, 1, 16, 1)
    assert delete.SPIs == [ICKY + RCKY]


def test_we_decode_what_scapy_builds() -> None:
    trans = (ISAKMP_payload_Transform(transform_count=1, transforms=[
        ("Encryption", "3DES-CBC"), ("Hash", "SHA"), ("GroupDesc", "1024MODPgr"),
        ("Authentication", "PSK"), ("LifeType", "Seconds"), ("LifeDuration", 86400)])
        / ISAKMP_payload_Transform(transform_count=2, transforms=[
            ("Encryption", "AES-CBC"), ("KeyLength", 128), ("Hash", "SHA2-256")]))
    pkt = (ISAKMP(init_cookie=ICKY, resp_cookie=bytes(8), next_payload=1, exch_type=2)
           / ISAKMP_payload_SA(next_payload=13, prop=ISAKMP_payload_Proposal(
               proposal=1, trans_nb=2, trans=trans))
           / ISAKMP_payload_VendorID(VendorID=b"\x12\x34"))
    data = bytes(pkt)
    msg = decode_message(data)
    assert (msg.header.icookie, msg.header.exchange, msg.header.length) == (ICKY, 2, len(data))
    sa, vid = msg.payloads
    assert isinstance(sa, SaPayload) and vid == VendorIdPayload(b"\x12\x34")
    t1, t2 = sa.proposals[0].transforms
    assert [(a.type, a.int_value) for a in t1.attributes] == [
        (1, 5), (2, 2), (4, 2), (3, 1), (11, 1), (12, 86400)]
    life = t1.get(A.LIFE_DURATION)
    assert life is not None and life.tv is False and life.value == b"\x01\x51\x80"  # minimal
    assert [(a.type, a.int_value) for a in t2.attributes] == [(1, 7), (14, 128), (2, 4)]
    assert encode_message(msg) == data  # and we re-encode scapy's octets exactly


def test_our_payload_types_match_scapy_bindings() -> None:
    # scapy dissects by the same next-payload numbers (RFC 2408 §3.1)
    for ours, layer in ((PayloadType.SA, ISAKMP_payload_SA), (PayloadType.KE, ISAKMP_payload_KE),
                        (PayloadType.ID, ISAKMP_payload_ID),
                        (PayloadType.HASH, ISAKMP_payload_Hash),
                        (PayloadType.NONCE, ISAKMP_payload_Nonce),
                        (PayloadType.NOTIFICATION, ISAKMP_payload_Notify),
                        (PayloadType.DELETE, ISAKMP_payload_Delete),
                        (PayloadType.VENDOR_ID, ISAKMP_payload_VendorID)):
        pkt = ISAKMP(bytes(ISAKMP(next_payload=int(ours)) / layer()))
        assert isinstance(pkt.payload, layer)

