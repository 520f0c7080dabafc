"""A phase-1 transform is read once for the policy check and the IOS display
(``proposals.read_transform``, behind ``Offer.of`` and ``display_attributes``): the same offer
and the same [name, value] pairs as the two separate passes it replaced, for any attributes a peer may send (TV and TLV,
known and unknown types, repeated ones, kilobyte lifetimes)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from ikesim.ike import proposals as props
from ikesim.isakmp import Attribute, Transform


def _display_reference(transform: Transform) -> list[list[Any]]:
    """The display pass as it was written before (the oracle)."""
    out: list[list[Any]] = []
    for a in transform.attributes:
        t = int(a.type)
        name = props.ATTR_NAMES.get(t) or f"attr_{t}"
        if isinstance(a.value, bytes | bytearray) and (
                t == props.ATTR_LIFE_DURATION or t not in props.ATTR_NAMES):
            value: Any = bytes(a.value)
        else:
            v = a.value if type(a.value) is int else int(a.int_value)
            names = props.VALUE_NAMES.get(t)
            value = names.get(v, v) if names is not None else v
        out.append([name, value])
    return out


def _offer_reference(transform: Transform) -> props.Offer:
    """The policy-check pass as it was written before (the oracle): the first value of each
    type; the lifetime in seconds only while the life type read so far is seconds."""
    vals: dict[int, int] = {}
    life_type, life = props.LIFE_SECONDS, None
    for a in transform.attributes:
        t = int(a.type)
        v = a.value if type(a.value) is int else int(a.int_value)
        if t == props.ATTR_LIFE_TYPE:
            life_type = v
        elif t == props.ATTR_LIFE_DURATION:
            if life_type == props.LIFE_SECONDS:
                life = v
        else:
            vals.setdefault(t, v)
    return props.Offer(vals.get(props.ATTR_ENCRYPTION), vals.get(props.ATTR_KEY_LENGTH),
                       vals.get(props.ATTR_HASH), vals.get(props.ATTR_AUTH),
                       vals.get(props.ATTR_GROUP), life)


_TYPES = st.sampled_from([1, 2, 3, 4, 11, 12, 14, 5, 16, 0x7FFF])
_ATTR = st.one_of(
    st.builds(lambda t, v: Attribute(t, v, tv=True), _TYPES, st.integers(0, 0xFFFF)),
    st.builds(lambda t, v: Attribute(t, v, tv=False), _TYPES, st.binary(min_size=0, max_size=8)),
)


@given(st.lists(_ATTR, max_size=10))
def test_one_pass_reads_what_the_two_passes_read(attrs: list[Attribute]) -> None:
    transform = Transform(1, props.KEY_IKE, attrs)
    offer, shown = props.read_transform(transform)
    assert offer == _offer_reference(transform) == props.Offer.of(transform)
    assert shown == _display_reference(transform)
    assert props.display_attributes(transform) == shown


def test_an_ios_offer_reads_as_ios_prints_it() -> None:
    policy = props.IsakmpPolicy(10, "aes256", "sha", "pre-share", 14, 86400)
    offer, shown = props.read_transform(props.policy_transform(policy, 1))
    assert offer == props.Offer(7, 256, 2, 1, 14, 86400)
    assert shown == [["encryption", "AES-CBC"], ["key_length", 256], ["hash", "SHA"],
                     ["group", 14], ["auth", "pre-share"], ["life_type", "seconds"],
                     ["life_duration", b"\x00\x01\x51\x80"]]
