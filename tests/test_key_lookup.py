"""Pre-shared key lookup (ikesim.ike.policy.CryptoConfig.key_for / key_for_hostname): global keys
and keyrings, wildcard keys, ISAKMP profiles limiting the keyrings, keyring local-address, the
most specific match (Cisco TAC 117259 rules)."""

from __future__ import annotations

from ipaddress import IPv4Address as A

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ikesim.ios.config import parse_config

CONFIG = """\
crypto keyring SITE
  pre-shared-key address 198.51.100.0 255.255.255.0 key site-subnet
  pre-shared-key address 198.51.100.7 key site-host
  pre-shared-key hostname branch.example.com key by-name
crypto keyring ONLY-ON-GI2
  local-address GigabitEthernet2
  pre-shared-key address 203.0.113.9 key gi2-only
crypto keyring BY-ADDRESS
  local-address 192.0.2.1
  pre-shared-key address 203.0.113.10 key addr-only
crypto isakmp key global-wild address 0.0.0.0
crypto isakmp key global-net address 198.51.0.0 255.255.0.0
crypto isakmp key by-global-name hostname spoke7
crypto isakmp profile P
   keyring ONLY-ON-GI2
   match identity address 203.0.113.9 255.255.255.255
interface GigabitEthernet1
 ip address 192.0.2.1 255.255.255.0
interface GigabitEthernet2
 ip address 192.0.3.1 255.255.255.0
"""
CRYPTO = parse_config(CONFIG).crypto
GI1, GI2 = A("192.0.2.1"), A("192.0.3.1")


@pytest.mark.parametrize(("peer", "local", "key"), [
    ("198.51.100.7", None, "site-host"),          # host key beats the keyring's subnet key
    ("198.51.100.8", None, "site-subnet"),        # keyring /24 beats the global /16
    ("198.51.7.7", None, "global-net"),
    ("8.8.8.8", None, "global-wild"),             # `address 0.0.0.0` is the wildcard
    ("203.0.113.9", GI2, "gi2-only"),             # keyring local-address = the interface
    ("203.0.113.9", GI1, "global-wild"),          # ... not used on another local address
    ("203.0.113.10", GI1, "addr-only"),           # local-address given as an address
    ("203.0.113.10", GI2, "global-wild"),
])
def test_most_specific_applicable_key(peer: str, local: A | None, key: str) -> None:
    found = CRYPTO.key_for(A(peer), local=local)
    assert found is not None and found.key == key
    # the engine asks with its integer addresses: the same key, local-address rules included
    as_ints = CRYPTO.key_for(int(A(peer)), local=int(local) if local is not None else None)
    assert as_ints is found


def test_a_profile_limits_the_search_to_its_keyrings() -> None:
    profile = CRYPTO.isakmp_profiles["P"]
    assert CRYPTO.key_for(A("203.0.113.9"), local=GI2, profile=profile).key == "gi2-only"
    assert CRYPTO.key_for(A("8.8.8.8"), local=GI2, profile=profile) is None   # no global keys
    assert CRYPTO.key_for(A("203.0.113.9"), local=GI1, profile=profile) is None


def test_hostname_keys_are_found_by_name_only() -> None:
    assert CRYPTO.key_for_hostname("BRANCH.example.com.").key == "by-name"
    assert CRYPTO.key_for_hostname("spoke7").key == "by-global-name"
    assert CRYPTO.key_for_hostname("other") is None
    assert CRYPTO.key_for(A("0.0.0.1")).key == "global-wild"   # a hostname key never matches


def test_without_keys_there_is_none() -> None:
    assert parse_config("hostname X\n").crypto.key_for(A("1.2.3.4")) is None


@given(st.integers(0, 2**32 - 1))
def test_the_chosen_key_covers_the_peer_and_no_longer_mask_does(value: int) -> None:
    peer = A(value)
    key = CRYPTO.key_for(peer)
    assert key is not None                        # the wildcard covers everyone
    candidates = [k for k in CRYPTO.keys + [k for r in CRYPTO.keyrings.values() for k in r.keys
                                             if r.local_address is None]
                  if k.hostname is None and k.covers(peer)]
    assert key.covers(peer)
    assert key.prefix_length == max(k.prefix_length for k in candidates)
