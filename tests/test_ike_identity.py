"""Phase-1 identities: what a router sends, which ISAKMP profile a peer's identity matches, the
key found for it, and when IOS starts aggressive mode (ike/identity.py)."""

from __future__ import annotations

import ipaddress

from hypothesis import given
from hypothesis import strategies as st

from ikesim.ike import identity as ids
from ikesim.ike.policy import (
    CryptoConfig,
    IsakmpPeer,
    IsakmpPolicy,
    IsakmpProfile,
    Keyring,
    PresharedKey,
    ProfileIdentity,
)
from ikesim.isakmp import IdPayload, IdType

ANY = ipaddress.IPv4Address("0.0.0.0")
LOCAL = int(ipaddress.IPv4Address("192.0.2.1"))
PEER = int(ipaddress.IPv4Address("198.51.100.7"))


def _crypto(**kw) -> CryptoConfig:
    return CryptoConfig(policies={10: IsakmpPolicy(10, authentication="pre-share")}, **kw)


def test_local_identity_sources_in_order() -> None:
    c = _crypto(local_fqdn="r1.lab")
    assert ids.local_identity(c, LOCAL) == ids.address_id(LOCAL)
    c.identity = "hostname"
    assert ids.local_identity(c, LOCAL) == IdPayload(IdType.FQDN, 17, 500, b"r1.lab")
    assert ids.local_identity(c, LOCAL, self_identity="user-fqdn ops@r1.lab") == \
        IdPayload(IdType.USER_FQDN, 17, 500, b"ops@r1.lab")
    assert ids.local_identity(c, LOCAL, self_identity="address 10.0.0.9").data == \
        bytes([10, 0, 0, 9])
    assert ids.local_identity(c, LOCAL, client_endpoint="fqdn s.lab",
                              self_identity="address") == \
        IdPayload(IdType.FQDN, 17, 500, b"s.lab")
    # a malformed client endpoint falls back to the configured identity
    assert ids.local_identity(c, LOCAL, client_endpoint="ipv4-address nope").data == b"r1.lab"


def test_profiles_match_by_identity() -> None:
    profiles = {
        "ADDR": IsakmpProfile("ADDR", identities=[ProfileIdentity(
            "address", "198.51.100.0", ipaddress.IPv4Address("255.255.255.0"))]),
        "HOST": IsakmpProfile("HOST", identities=[ProfileIdentity("host", "srx110c2821")]),
        "DOM": IsakmpProfile("DOM", identities=[ProfileIdentity("host-domain", "lab")]),
        "USER": IsakmpProfile("USER", identities=[ProfileIdentity("user-fqdn", "ops@lab")]),
    }
    c = _crypto(isakmp_profiles=profiles)

    def match(id_type: int, data: bytes) -> str | None:
        found = ids.matching_profile(c, ids.PeerIdentity.of(IdPayload(id_type, 0, 0, data)))
        return found.name if found else None

    assert match(IdType.IPV4_ADDR, ipaddress.IPv4Address(PEER).packed) == "ADDR"
    assert match(IdType.FQDN, b"SRX110C2821") == "HOST"
    assert match(IdType.FQDN, b"spoke1.lab") == "DOM" and match(IdType.FQDN, b"lab") == "DOM"
    assert match(IdType.FQDN, b"evil-lab") is None
    assert match(IdType.USER_FQDN, b"ops@lab") == "USER"
    assert match(IdType.KEY_ID, b"ops@lab") is None


def test_key_lookup_by_hostname_then_address() -> None:
    ring = Keyring("R", [PresharedKey("byname", ANY, ANY, hostname="spoke1.lab"),
                         PresharedKey("byaddr", ipaddress.IPv4Address(PEER))])
    c = _crypto(keyrings={"R": ring})
    name = ids.PeerIdentity(IdType.FQDN, "Spoke1.LAB.")
    assert ids.key_for_identity(c, PEER, name, None).key.key == "byname"
    other = ids.key_for_identity(c, PEER, ids.PeerIdentity(IdType.FQDN, "spoke9.lab"), None)
    assert (other.key.key, other.hostname_missing) == ("byaddr", "spoke9.lab")
    addr = ids.key_for_identity(c, PEER, ids.PeerIdentity(IdType.IPV4_ADDR, "x", PEER), None)
    assert (addr.key.key, addr.hostname_missing) == ("byaddr", None)
    # a profile restricts the search to its keyrings
    c.keyrings["EMPTY"] = Keyring("EMPTY")
    prof = IsakmpProfile("P", keyrings=["EMPTY"])
    assert ids.key_for_identity(c, PEER, name, prof).key is None


def test_when_ios_starts_aggressive_mode() -> None:
    c = _crypto(keys=[PresharedKey("k", ipaddress.IPv4Address(PEER))])
    assert ids.aggressive_plan(c, LOCAL, PEER) is None                 # main mode
    c.peers = [IsakmpPeer(address=ipaddress.IPv4Address(PEER), aggressive_password="pw")]
    plan = ids.aggressive_plan(c, LOCAL, PEER)
    assert plan is not None and plan.key == b"pw" and plan.identity == ids.address_id(LOCAL)
    c.peers = [IsakmpPeer(address=ipaddress.IPv4Address(PEER),
                          aggressive_client_endpoint="fqdn me.lab")]
    plan = ids.aggressive_plan(c, LOCAL, PEER)              # no password: the address key
    assert plan is not None and plan.key == b"k" and plan.identity.data == b"me.lab"
    c.peers = []
    c.isakmp_profiles = {"AG": IsakmpProfile("AG", initiate_aggressive=True)}
    assert ids.aggressive_plan(c, LOCAL, PEER, "AG").key == b"k"
    assert ids.aggressive_plan(c, LOCAL, PEER, "OTHER") is None


@given(st.integers(0, 255), st.binary(max_size=64))
def test_peer_identity_of_anything(id_type: int, data: bytes) -> None:
    shown = ids.PeerIdentity.of(IdPayload(id_type, 0, 0, data))
    assert isinstance(shown.text, str) and ids.id_name(id_type).startswith("ID_")
