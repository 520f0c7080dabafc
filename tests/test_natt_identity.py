"""What IOS says about identities, keyrings and profiles around a NAT-T main mode (trace 05,
both routers of the write-up): the phase-1 ID carries port 0 once IKE floated to 4500 (500
without a NAT, trace 04); "Scanning profiles for xauth ..." names the configured profiles; a
profile match is followed by the keyring the peer's address key came from."""

from __future__ import annotations

import ipaddress
import random
import re
from pathlib import Path

from natt_lab import HQ, PROXY_A, PUBLIC, SITE_A, crypto, nat_lab, policy, up

from ikesim.fidelity.measure import run_consoles
from ikesim.ike.engine import IsakmpEngine
from ikesim.ike.events import IkeEvent
from ikesim.ike.loopback import Loopback
from ikesim.ike.policy import IsakmpProfile, Keyring, PresharedKey, ProfileIdentity
from ikesim.ike.profiles import PROFILES
from ikesim.ios.log import format_event

ROOT = Path(__file__).resolve().parents[1]
LAB_05 = ROOT / "scenarios" / "fidelity" / "05-iosxe-natt-responder.yaml"
HOST = ipaddress.IPv4Address("255.255.255.255")


def ports(lb: Loopback, device: int, *, sent: bool) -> list[int]:
    return [e.event.fields["port"] for e in lb.events(device, "id_payload")
            if e.event.fields["sent"] is sent]


def test_after_floating_both_phase1_ids_carry_port_0() -> None:
    lb = up(nat_lab())
    for device in (SITE_A, HQ):
        assert ports(lb, device, sent=True) == [0]
        assert ports(lb, device, sent=False) == [0]
    assert lb.engines[HQ].established_sa(PUBLIC) is not None


def test_without_a_nat_the_phase1_ids_keep_port_500() -> None:
    # the same engines, addresses not translated (trace 04: NAT-T negotiated, no NAT found)
    ea = IsakmpEngine(crypto=crypto(HQ), profile=PROFILES["iosxe"], rng=random.Random(1),
                      local_addresses=[SITE_A])
    eb = IsakmpEngine(crypto=crypto(SITE_A), profile=PROFILES["iosxe"], rng=random.Random(2),
                      local_addresses=[HQ])
    ea.set_phase2_policies([policy(HQ, PROXY_A)])
    eb.set_phase2_policies([policy(SITE_A, PROXY_A.mirrored())])
    lb = up(Loopback({SITE_A: ea, HQ: eb}))
    assert not lb.events(HQ, "port_floated") and eb.established_sa(SITE_A) is not None
    for device in (SITE_A, HQ):
        assert ports(lb, device, sent=True) == [500]
        assert ports(lb, device, sent=False) == [500]


def _hq_profiles(*, keyring: bool, identity: str = "100.64.1.2") -> dict:
    key = PresharedKey("cisco", ipaddress.IPv4Address(PUBLIC))
    profile = IsakmpProfile("VPN", keyrings=["RA"] if keyring else [],
                            identities=[ProfileIdentity("address", identity, HOST)])
    return {"keyrings": {"RA": Keyring("RA", [key])} if keyring else {},
            "keys": [] if keyring else [key], "isakmp_profiles": {"VPN": profile}}


def _found(lb: Loopback) -> list[dict]:
    return [dict(e.event.fields) for e in lb.events(HQ, "keyring_key")]


def test_a_profile_match_names_the_keyring_of_the_peers_key() -> None:
    lb = up(nat_lab(hq=_hq_profiles(keyring=True)))
    (match,) = lb.events(HQ, "profile_match")
    assert match.event.fields["profile"] == "VPN"
    assert _found(lb) == [{"keyring": "RA", "key_type": "ADDRESS"}]
    (scan,) = lb.events(HQ, "profile_scan")
    assert scan.event.fields["profiles"] == ["VPN"]
    assert lb.engines[HQ].established_sa(PUBLIC) is not None


def test_no_keyring_line_without_a_keyring_or_a_match() -> None:
    # the profile matches but names no keyring (the key is a global one)
    lb = up(nat_lab(hq=_hq_profiles(keyring=False)))
    assert [e.event.fields["profile"] for e in lb.events(HQ, "profile_match")] == ["VPN"]
    assert _found(lb) == []
    # the profile's identity is another one: no match, no keyring line, main mode completes
    lb = up(nat_lab(hq=_hq_profiles(keyring=True, identity="100.64.1.99")))
    assert [e.event.fields["profile"] for e in lb.events(HQ, "profile_match")] == [""]
    assert _found(lb) == []
    assert lb.engines[HQ].established_sa(PUBLIC) is not None
    # no profile at all: the scan names none
    lb = up(nat_lab())
    (scan,) = lb.events(HQ, "profile_scan")
    assert scan.event.fields["profiles"] == []
    assert crypto(PUBLIC).isakmp_profiles == {}


def test_profile_scan_and_keyring_lines_in_each_dialect() -> None:
    scan = IkeEvent("profile_scan", 1, 1003, {"profiles": ["VPN", "L2L"]})
    assert format_event("xe", scan) == [(True, "ISAKMP: (1003):Scanning profiles for xauth "
                                               "... VPN L2L")]
    assert format_event("15", scan) == [(True, "ISAKMP : Scanning profiles for xauth ... "
                                                  "VPN L2L")]
    assert format_event("12.2", scan) == []
    bare = IkeEvent("profile_scan", 1, 1003, {})
    assert format_event("xe", bare) == [(True, "ISAKMP: (1003):Scanning profiles for xauth ...")]
    odd = IkeEvent("profile_scan", 1, 1003, {"profiles": "VPN"})     # not a list: no names
    assert format_event("xe", odd)[0][1].endswith("xauth ...")
    found = IkeEvent("keyring_key", 1, 1003, {"keyring": "RA", "key_type": "ADDRESS"})
    assert format_event("xe", found) == [(True, "ISAKMP: (1003):Found ADDRESS key in keyring RA")]
    assert format_event("12.2", found) == []


def unstamped(lines: tuple[str, ...]) -> list[str]:
    return [re.sub(r"^\*\w+ +\d+ [\d:.]+: ", "", line) for line in lines]


def test_lab_05_prints_the_write_ups_profile_keyring_and_id_lines() -> None:
    consoles = run_consoles(LAB_05)
    hq, site = (unstamped(consoles[name].debug) for name in ("HQ", "SITE-A"))
    assert "ISAKMP: (0):Scanning profiles for xauth ... VPN" in hq
    at = hq.index("ISAKMP: (0):peer matches VPN profile")
    assert re.fullmatch(r"ISAKMP: \(\d+\):Found ADDRESS key in keyring RA", hq[at + 1])
    assert re.fullmatch(r"ISAKMP: \(\d+\):processing HASH payload\. message ID = 0", hq[at + 2])
    at = site.index("ISAKMP: (0):peer matches VPN profile")
    assert re.fullmatch(r"ISAKMP: \(\d+\):Found ADDRESS key in keyring VPN", site[at + 1])
    # both ID dumps on each side after floating: port 0 (trace 05, lines 131 and 159)
    for lines in (hq, site):
        assert [x.strip() for x in lines if "port         :" in x] == ["port         : 0"] * 2
