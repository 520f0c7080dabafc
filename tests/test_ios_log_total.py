"""Formatters are total (issue 13): whatever field values an engine event carries, every kind
in the event catalogue formats in every dialect without raising, and a realistic event of
each kind prints what the dialect prints."""

from __future__ import annotations

import math
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ikesim.ike import events
from ikesim.ike.events import EVENT_KINDS, IkeEvent
from ikesim.ios.log import DIALECTS, format_event, format_event_strict
from ikesim.ios.log.dialects import dialect
from ikesim.ios.log.phase2 import ipsec_lines
from ikesim.ios.log.render import Ctx

# Every field name the catalogue mentions (plus a few it does not), so that generated events
# hit the handlers' real accessors.
FIELD_NAMES = sorted(set(re.findall(r"\b([a-z][a-z0-9_]{1,30})\b", events.__doc__ or ""))
                     | {"local", "sa_handle", "attempt", "max_attempts", "method_id"})

hostile_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=300), st.binary(max_size=300),
    st.sampled_from(["10.0.0.256", "", "0.0.0.0", "255.255.255.255", "NEW SA", "QM_IDLE",
                     "attr_13", "VENDOR", "life_duration", "pfs", "\x00\n\t"]),
)
hostile_values = st.recursive(
    hostile_scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=20)
events_strategy = st.builds(
    IkeEvent,
    kind=st.sampled_from(EVENT_KINDS),
    sa_serial=st.one_of(st.integers(), st.just(math.inf), st.none()),
    conn_id=st.one_of(st.integers(min_value=-(2**70), max_value=2**70), st.none(),
                      st.text(max_size=5)),
    fields=st.dictionaries(st.sampled_from(FIELD_NAMES), hostile_values, max_size=12),
)


def _well_formed(lines: object) -> None:
    assert isinstance(lines, list)
    for item in lines:
        assert isinstance(item, tuple) and len(item) == 2
        assert isinstance(item[0], bool) and isinstance(item[1], str)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(event=events_strategy, name=st.sampled_from(DIALECTS))
def test_every_kind_formats_whatever_its_fields(event: IkeEvent, name: str) -> None:
    _well_formed(format_event_strict(name, event, local="10.0.0.1"))
    _well_formed(ipsec_lines(Ctx(dialect(name), event, None)))


@settings(max_examples=300, deadline=None)
@given(kind=st.sampled_from(EVENT_KINDS), name=st.sampled_from(DIALECTS))
def test_every_kind_formats_without_any_field(kind: str, name: str) -> None:
    _well_formed(format_event_strict(name, IkeEvent(kind, 0, 0, {})))


# Attribute lists as a foreign datagram delivers them (RFC 2409 class 13 is unassigned; a
# transform id other than KEY_IKE; a life duration of 9 octets).
FOREIGN = [["encryption", 99], ["attr_13", 7], ["life_duration", bytes(9)],
           ["key_length", 10**30], ["group", "x"]]


def test_foreign_attributes_print_and_do_not_raise() -> None:
    ev = IkeEvent("check_transform", 1, 1, {"transform": 300, "priority": -1,
                                            "attributes": FOREIGN})
    assert [t for _, t in format_event("12.2", ev)] == [
        "ISAKMP (0:1): Checking ISAKMP transform 44 against priority 65535 policy",
        "ISAKMP:      encryption 99",
        "ISAKMP:      attribute 13 value 7",
        "ISAKMP:      life duration (VPI) of  0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0 0x0",
        "ISAKMP:      keylength of " + str(10**30 & 0xFFFFFFFF),   # a 32-bit field
        "ISAKMP:      default group x",
    ]
    mismatch = IkeEvent("attr_mismatch", 1, 1, {"attribute": "transform_id"})
    assert format_event("15", mismatch) == [
        (True, "ISAKMP:(1):Transform ID offered does not match policy!")]


def test_events_without_a_peer_print_zero_address() -> None:
    for kind in ("bad_message", "malformed", "unknown_sa", "no_psk", "rx", "tx", "delete"):
        for name in DIALECTS:
            lines = format_event(name, IkeEvent(kind, 0, 0, {"reason": "x"}))
            assert lines and any("0.0.0.0" in text for _, text in lines), (kind, name)


def test_numbers_too_long_to_print_are_cut() -> None:
    # Python refuses str() of ints over 4300 digits; IOS fields are 32-bit anyway
    for value in (10**5000, -(10**5000)):
        for kind in ("check_transform", "tx", "qm_begin", "purge", "error_counter"):
            fields = {"transform": value, "priority": value, "sport": value, "message_id": value,
                      "sa_handle": value, "attempt": value, "attributes": [["group", value]]}
            for name in DIALECTS:
                _well_formed(format_event_strict(name, IkeEvent(kind, value, value, fields)))
