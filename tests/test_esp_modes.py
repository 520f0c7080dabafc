"""ESP transport mode and configurable replay windows (RFC 4303 §3.1.1, §3.4.3), and IOS's mode
negotiation rules (`mode transport` proposed only between the peers themselves; a tunnel-mode
set accepts only tunnel mode, a transport-mode set either)."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ikesim.ike.quick_initiator import offered_mode
from ikesim.ike.quick_responder import accepts
from ikesim.ike.sa import IsakmpSa
from ikesim.ipsec.esp import EspError, decapsulate, encapsulate, open_esp
from ikesim.ipsec.sa import IpsecSa, Proxy
from ikesim.ipsec.transforms import from_keywords

KEYWORDS = [["esp-3des", "esp-sha-hmac"], ["esp-aes", "esp-md5-hmac"],
            ["esp-aes 256", "esp-sha256-hmac"]]
HOST = 0xFFFFFFFF


def _sas(keywords: list[str], window: int = 64, mode: str = "tunnel") -> tuple[IpsecSa, IpsecSa]:
    t = from_keywords(keywords, mode)
    rng = random.Random(3)
    ek, ak = rng.randbytes(t.cipher.key_len), rng.randbytes(t.auth.key_len)
    return (IpsecSa(0x500, False, 1, 2, t, ek, ak, 3600, 4608000, 0.0, replay_window=window),
            IpsecSa(0x500, True, 1, 2, t, ek, ak, 3600, 4608000, 0.0, replay_window=window))


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(KEYWORDS), st.binary(max_size=300), st.integers(0, 255))
def test_transport_mode_round_trip(keywords: list[str], payload: bytes, protocol: int) -> None:
    out, inn = _sas(keywords, mode="transport")
    esp = encapsulate(out, payload, bytes(out.transform.cipher.block), next_header=protocol)
    assert open_esp(inn, esp) == (protocol, payload)
    if protocol != 4:       # a tunnel-mode receiver refuses what is not an IPv4 packet
        _o, fresh = _sas(keywords, mode="transport")
        with pytest.raises(EspError) as caught:
            decapsulate(fresh, esp)
        assert caught.value.reason == "next_header"


@settings(max_examples=40, deadline=None)
@given(st.sampled_from([64, 128, 256, 512, 1024]), st.data())
def test_replay_window_of_the_configured_size(window: int, data: st.DataObject) -> None:
    out, inn = _sas(KEYWORDS[0], window)
    packets = [encapsulate(out, b"x" * 20, bytes(8)) for _ in range(window + 5)]
    last = len(packets)
    open_esp(inn, packets[-1])                       # the newest first: sequence `last`
    late = data.draw(st.integers(1, last - 1))
    if last - late < window:                         # inside the window: accepted once
        open_esp(inn, packets[late - 1])
        with pytest.raises(EspError):
            open_esp(inn, packets[late - 1])
    else:                                            # older than the window: a replay drop
        with pytest.raises(EspError) as caught:
            open_esp(inn, packets[late - 1])
        assert caught.value.reason == "replay"


def test_transform_set_mode_rules() -> None:
    tunnel = from_keywords(["esp-aes", "esp-sha-hmac"], "tunnel")
    transport = replace(tunnel, mode="transport")
    assert accepts(tunnel, tunnel) and accepts(transport, tunnel) and accepts(transport, transport)
    assert not accepts(tunnel, transport)
    assert not accepts(tunnel, from_keywords(["esp-3des", "esp-sha-hmac"]))
    sa = IsakmpSa(serial=1, role="I", local=10, peer=20, local_port=500, peer_port=500,
                  icookie=bytes(8))
    assert offered_mode(transport, Proxy(10, HOST, 20, HOST, 47), sa).mode == "transport"
    assert offered_mode(transport, Proxy(10, HOST, 21, HOST), sa).mode == "tunnel"
    assert offered_mode(transport, Proxy(0, 0, 0, 0), sa).mode == "tunnel"
    assert offered_mode(tunnel, Proxy(10, HOST, 20, HOST), sa).mode == "tunnel"
