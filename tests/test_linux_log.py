"""charon's and pluto's log formatters: total over the event catalogue with hostile field values
(they never raise), and the texts of the real daemons for known events."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.ike.events import EVENT_KINDS, IkeEvent
from ikesim.ike.profiles import PROFILES
from ikesim.linux.config import load_linux
from ikesim.linux.log import LogState, View, format_event_strict
from tests.test_linux_config import IP, SWANCTL

_CFG = load_linux("gw", "strongswan", ip=IP, swanctl=(SWANCTL, "s", 0))
VIEW = View("gw", _CFG.connections, PROFILES["libreswan"], {"vpn": 8})
PEER = 0x0B0B0B02
_VALUES = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70),
                    st.text(max_size=30), st.floats(allow_nan=True),
                    st.lists(st.one_of(st.text(max_size=12), st.integers()), max_size=4),
                    st.lists(st.lists(st.one_of(st.text(max_size=8), st.integers()),
                                      max_size=3), max_size=3),
                    st.just(PEER), st.binary(max_size=8))
_FIELDS = st.dictionaries(st.sampled_from([
    "peer", "local", "role", "state", "reason", "exchange", "message_id", "payloads", "size",
    "sport", "dport", "retransmission", "new_sa", "message", "attributes", "attribute",
    "notify_code", "notify_type", "protocol", "spi", "direction", "transform", "inbound_spi",
    "outbound_spi", "local_net", "local_mask", "remote_net", "remote_mask", "received",
    "expected", "sent", "interface", "timeout", "transform_name", "error", "errno"]), _VALUES,
    max_size=12)


@settings(max_examples=600, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(EVENT_KINDS + ("bogus",)),
                          st.integers(-3, 2**40), _FIELDS), max_size=8),
       st.sampled_from(["strongswan", "libreswan"]))
def test_formatters_are_total(events, daemon: str) -> None:
    state = LogState()
    for kind, serial, fields in events:
        lines = format_event_strict(daemon, VIEW, state, IkeEvent(kind, serial, 0, fields),
                                    12.5)
        assert all(isinstance(line, str) for line in lines)


def _lines(daemon: str, *events: tuple[str, int, dict]) -> list[str]:
    state, out = LogState(), []
    for kind, serial, fields in events:
        out += format_event_strict(daemon, VIEW, state, IkeEvent(kind, serial, 0, fields), 1.0)
    # charon prefixes each line with its two-digit thread id ("13[IKE] ...")
    return [re.sub(r"^\d\d(?=\[)", "", line) if daemon == "strongswan" else line
            for line in out]


def test_charon_texts() -> None:
    lines = _lines("strongswan",
                   ("sa_created", 1, {"role": "I", "peer": PEER, "local": 0x0A0A0A02}),
                   ("tx", 1, {"peer": PEER, "exchange": 2, "message_id": 0, "sport": 500,
                              "dport": 500, "size": 176, "role": "I", "payloads": [
                                  "SA", "VENDOR:09002689dfd6b712",
                                  "VENDOR:afcad71368a1f1c96b8696fc77570100"]}),
                   ("retransmit", 1, {}),
                   ("tx", 1, {"peer": PEER, "exchange": 2, "message_id": 0, "sport": 500,
                              "dport": 500, "size": 176, "role": "I", "retransmission": True}),
                   ("delete", 1, {"reason": "death by retransmission P1", "state": "MM_NO_STATE",
                                  "role": "I", "peer": PEER}))
    assert "[IKE] <vpn|1> sending XAuth vendor ID" in lines
    assert "[IKE] <vpn|1> initiating Main Mode IKE_SA vpn[1] to 11.11.11.2" in lines
    assert "[ENC] <vpn|1> generating ID_PROT request 0 [ SA V V ]" in lines
    assert ("[NET] <vpn|1> sending packet: from 10.10.10.2[500] to 11.11.11.2[500] "
            "(176 bytes)") in lines
    assert "[IKE] <vpn|1> sending retransmit 1 of request message ID 0, seq 1" in lines
    assert lines[-3:] == ["[IKE] <vpn|1> giving up after 1 retransmits",
                          "[IKE] <vpn|1> establishing IKE_SA failed, peer not responding",
                          "[IKE] <vpn|1> IKE_SA vpn[1] state change: CONNECTING => DESTROYING"]


def test_pluto_texts() -> None:
    lines = _lines("libreswan",
                   ("sa_created", 4, {"role": "I", "peer": PEER}),
                   ("tx", 4, {"peer": PEER, "exchange": 2, "role": "I", "payloads": ["SA"]}),
                   ("retransmit", 4, {}), ("retransmit", 4, {}),
                   ("delete", 4, {"reason": "death by retransmission P1", "role": "I",
                                  "peer": PEER}))
    assert lines == [
        '"vpn" #1: initiating IKEv1 Main Mode connection',
        '"vpn" #1: sent Main Mode request',
        '"vpn" #1: STATE_MAIN_I1: retransmission; will wait 0.5 seconds for response',
        '"vpn" #1: STATE_MAIN_I1: retransmission; will wait 1 seconds for response',
        '"vpn" #1: STATE_MAIN_I1: 60 second timeout exceeded after 2 retransmits.  No response '
        '(or no acceptable response) to our first IKEv1 message',
        '"vpn" #1: deleting state (STATE_MAIN_I1) aged 0s and NOT sending notification']
