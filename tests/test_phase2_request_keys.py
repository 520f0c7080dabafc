"""Keys of the phase-2 request bookkeeping: Proxy's hash computed once, Phase2Policy hashed by
its entry name (equality unchanged), and request_ipsec's early answer when nothing is to do."""

from __future__ import annotations

import dataclasses
import pickle
import random

from hypothesis import given
from hypothesis import strategies as st

from ikesim.ike.context import IDLE
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.profiles import PROFILES
from ikesim.ipsec.sa import Proxy
from ikesim.ipsec.transforms import from_keywords
from tests.test_quick_mode import PROXY_A, A, B, crypto, policy

_u32 = st.integers(0, 0xFFFFFFFF)
_proxies = st.builds(Proxy, _u32, _u32, _u32, _u32, st.integers(0, 255),
                     st.integers(0, 65535), st.integers(0, 65535))

_FIELDS = ("local_net", "local_mask", "remote_net", "remote_mask", "protocol", "local_port",
           "remote_port")


def _values(p: Proxy) -> tuple[int, ...]:
    return tuple(getattr(p, f) for f in _FIELDS)


@given(_proxies, _proxies, st.integers(0, 255))
def test_proxy_hash_is_the_field_tuple_hash_and_replace_recomputes_it(
        p: Proxy, q: Proxy, protocol: int) -> None:
    assert hash(p) == hash(_values(p))
    assert (p == q) == (_values(p) == _values(q))
    other = dataclasses.replace(p, protocol=protocol)        # a new object, a new hash
    assert hash(other) == hash(_values(other))
    assert hash(p.mirrored()) == hash(_values(p.mirrored()))
    back = pickle.loads(pickle.dumps(p))
    assert back == p and hash(back) == hash(p)
    assert "_hash" not in repr(p)


def test_policies_that_differ_beyond_their_name_stay_distinct_keys() -> None:
    first = policy(B, PROXY_A)
    same = policy(B, PROXY_A)
    other_sets = policy(B, PROXY_A, ["esp-aes", "esp-sha-hmac"])
    assert first == same and hash(first) == hash(same)
    assert first != other_sets                 # equality still compares every field
    keys = {(first, PROXY_A): 1, (other_sets, PROXY_A): 2}
    assert keys[(same, PROXY_A)] == 1 and keys[(other_sets, PROXY_A)] == 2
    assert dataclasses.replace(first, transforms=(("X", from_keywords(["esp-aes", "esp-md5-hmac"])),)) != first


def _engine() -> IsakmpEngine:
    engine = IsakmpEngine(crypto=crypto(B), profile=PROFILES["ios12"], rng=random.Random(1),
                          local_addresses=[A])
    engine.set_phase2_policies([policy(B, PROXY_A)])
    return engine


def test_a_request_already_waiting_for_phase1_answers_empty_and_leaves_the_context_idle() -> None:
    engine = _engine()
    pol = engine.phase2_policies[0]
    first = engine.request_ipsec(0.0, A, pol, PROXY_A)
    assert [e.kind for e in first.events][:1] == ["ipsec_sa_request"] and first.sends
    again = engine.request_ipsec(0.5, A, pol, PROXY_A)
    assert (again.events, again.sends, again.timers, again.cancels) == ([], [], {}, set())
    assert again is not IDLE and engine._ctx.out is IDLE
    # the same entry with other transform sets (reconfigured) is another request
    changed = policy(B, PROXY_A, ["esp-aes", "esp-sha-hmac"])
    third = engine.request_ipsec(0.6, A, changed, PROXY_A)
    assert [e.kind for e in third.events] == ["ipsec_sa_request"]
    assert engine._ctx.out is IDLE


def test_a_dynamic_entry_never_requests() -> None:
    engine = _engine()
    dynamic = dataclasses.replace(policy(0, PROXY_A), dynamic=True)
    out = engine.request_ipsec(0.0, A, dynamic, PROXY_A)
    assert (out.events, out.sends) == ([], [])
    assert engine.phase1_status(0) == "none"
