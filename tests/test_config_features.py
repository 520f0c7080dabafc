"""The configuration lines of real VPN configurations, parsed into the data model and printed back
by `show running-config`: keyrings, ISAKMP profiles, wildcard keys, dynamic maps, IPsec
profiles, global IPsec settings, tunnels, OSPF, NAT, route-maps, PKI blocks, timestamps."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv4Interface

from ikesim.ike.policy import ProfileIdentity
from ikesim.ios.config import apply_config_lines, parse_config
from ikesim.ios.running_config import render_running_config
from tests.test_ios_config import strip_lines

HUB = """\
hostname HUB
service timestamps debug datetime msec
no service timestamps log uptime
crypto keyring AWS
  local-address GigabitEthernet1
  pre-shared-key address 52.1.1.1 key secret1
  pre-shared-key address 10.0.0.0 255.0.0.0 key branches
  pre-shared-key hostname spoke.example.com key fqdnkey
crypto isakmp policy 200
 encryption aes 128
 authentication pre-share
 group 2
 lifetime 28800
 hash sha
crypto isakmp key WILD address 0.0.0.0
crypto isakmp key HOSTKEY hostname branch7
crypto isakmp identity hostname
crypto isakmp keepalive 10 10 periodic
crypto isakmp nat keepalive 20
crypto isakmp aggressive-mode disable
crypto call admission limit ike in-negotiation-sa 40
crypto isakmp peer address 52.2.2.2
 set aggressive-mode client-endpoint fqdn hub.example.com
 set aggressive-mode password agpass
crypto isakmp profile P-AWS
   keyring AWS
   match identity address 52.1.1.1 255.255.255.255
   match identity host spoke.example.com
   match identity host domain example.com
   match identity user-fqdn admin@example.com
   self-identity fqdn
   local-address GigabitEthernet1
   keepalive 10 retry 3
   initiate mode aggressive
   ca trust-point TP1
crypto pki trustpoint TP1
 enrollment url http://10.0.0.9:80
 subject-name CN=hub
 revocation-check none
crypto ipsec security-association lifetime seconds 1800
crypto ipsec security-association replay window-size 128
crypto ipsec transform-set TS esp-aes 256 esp-sha256-hmac
 mode transport
crypto ipsec df-bit clear
no crypto ipsec nat-transparency udp-encapsulation
crypto ipsec profile VTI
 set transform-set TS
 set pfs group14
 set security-association lifetime kilobytes 102400
 set isakmp-profile P-AWS
crypto dynamic-map DYN 10
 set transform-set TS
 reverse-route
crypto map CM local-address GigabitEthernet1
crypto map CM 10 ipsec-isakmp
 description to AWS
 set peer 52.1.1.1
 set transform-set TS
 set isakmp-profile P-AWS
 set security-association lifetime seconds 900
 match address 120
crypto map CM 100 ipsec-isakmp dynamic DYN
interface GigabitEthernet1
 ip address 198.51.100.2 255.255.255.0
 ip nat outside
 crypto map CM
interface GigabitEthernet2
 ip address 10.9.0.1 255.255.255.0
 ip nat inside
 ip ospf cost 20
 ip ospf hello-interval 5
 ip ospf dead-interval 20
interface Tunnel1
 ip unnumbered GigabitEthernet2
 ip mtu 1400
 tunnel source GigabitEthernet1
 tunnel mode ipsec ipv4
 tunnel destination 52.1.1.1
 tunnel protection ipsec profile VTI
interface Tunnel2
 ip address 172.16.0.1 255.255.255.252
 tunnel source 198.51.100.2
 tunnel destination 203.0.113.9
 tunnel key 42
router ospf 1
 router-id 9.9.9.9
 passive-interface default
 no passive-interface Tunnel2
 network 10.9.0.0 0.0.0.255 area 0
 network 172.16.0.0 0.0.0.3 area 0.0.0.1
 default-information originate always
ip nat pool PUB 198.51.100.10 198.51.100.20 netmask 255.255.255.0
ip nat inside source list 110 interface GigabitEthernet1 overload
ip nat inside source route-map RM pool PUB
ip nat inside source static tcp 10.9.0.5 80 198.51.100.2 8080 extendable
ip nat translation timeout 300
access-list 110 deny ip 10.9.0.0 0.0.0.255 10.0.0.0 0.255.255.255
access-list 110 permit ip 10.9.0.0 0.0.0.255 any
access-list 120 permit ip 10.9.0.0 0.0.0.255 10.1.0.0 0.0.255.255
route-map RM permit 10
 match ip address 110
"""


def test_keyring_profile_and_keys() -> None:
    crypto = parse_config(HUB).crypto
    ring = crypto.keyrings["AWS"]
    assert ring.local_address == "GigabitEthernet1"
    assert [(k.key, str(k.address), str(k.mask), k.hostname) for k in ring.keys] == [
        ("secret1", "52.1.1.1", "255.255.255.255", None),
        ("branches", "10.0.0.0", "255.0.0.0", None),
        ("fqdnkey", "0.0.0.0", "0.0.0.0", "spoke.example.com")]
    wild, host = crypto.keys
    assert (wild.address, wild.mask) == (IPv4Address("0.0.0.0"), IPv4Address("0.0.0.0"))
    assert host.hostname == "branch7"
    prof = crypto.isakmp_profiles["P-AWS"]
    assert prof.keyrings == ["AWS"] and prof.trustpoints == ["TP1"]
    assert prof.identities == [
        ProfileIdentity("address", "52.1.1.1", IPv4Address("255.255.255.255")),
        ProfileIdentity("host", "spoke.example.com"),
        ProfileIdentity("host-domain", "example.com"),
        ProfileIdentity("user-fqdn", "admin@example.com")]
    assert (prof.self_identity, prof.local_address, prof.keepalive,
            prof.initiate_aggressive) == ("fqdn", "GigabitEthernet1", (10, 3), True)
    assert crypto.trustpoints["TP1"].used is True
    assert (crypto.identity, crypto.keepalive, crypto.keepalive_mode, crypto.nat_keepalive,
            crypto.aggressive_mode, crypto.in_negotiation_limit) == (
        "hostname", (10, 10), "periodic", 20, False, 40)
    peer = crypto.peers[0]
    assert (peer.address, peer.aggressive_client_endpoint, peer.aggressive_password) == (
        IPv4Address("52.2.2.2"), "fqdn hub.example.com", "agpass")


def test_ipsec_globals_profiles_and_maps() -> None:
    crypto = parse_config(HUB).crypto
    assert (crypto.ipsec_lifetime_seconds, crypto.ipsec_lifetime_kilobytes,
            crypto.replay_window, crypto.df_bit, crypto.nat_transparency) == (
        1800, 4608000, 128, "clear", False)
    assert crypto.transform_sets["TS"].mode == "transport"
    vti = crypto.ipsec_profiles["VTI"]
    assert (vti.transform_sets, vti.pfs_group, vti.lifetime_kilobytes, vti.isakmp_profile) == (
        ["TS"], 14, 102400, "P-AWS")
    (dyn,) = crypto.dynamic_maps["DYN"]
    assert dyn.reverse_route and dyn.transform_sets == ["TS"] and dyn.peers == []
    static, dynamic = crypto.map_entries("CM")
    assert (static.description, static.isakmp_profile, static.lifetime_seconds) == (
        "to AWS", "P-AWS", 900)
    assert (dynamic.sequence, dynamic.dynamic_map) == (100, "DYN")
    assert crypto.map_local_address == {"CM": "GigabitEthernet1"}
    assert crypto.interface_addresses["GigabitEthernet1"] == IPv4Address("198.51.100.2")


def test_interfaces_tunnels_ospf_nat() -> None:
    cfg = parse_config(HUB)
    assert cfg.timestamps == {"debug": "datetime msec", "log": "none"}
    gi1, gi2 = cfg.interfaces["GigabitEthernet1"], cfg.interfaces["GigabitEthernet2"]
    assert (gi1.nat, gi2.nat) == ("outside", "inside")
    assert (gi2.ospf_cost, gi2.ospf_hello, gi2.ospf_dead) == (20, 5, 20)
    t1, t2 = cfg.interfaces["Tunnel1"], cfg.interfaces["Tunnel2"]
    assert (t1.unnumbered, t1.mtu, t1.address) == ("GigabitEthernet2", 1400, None)
    assert (t1.tunnel.source, t1.tunnel.mode, t1.tunnel.destination,
            t1.tunnel.protection) == ("GigabitEthernet1", "ipsec", IPv4Address("52.1.1.1"),
                                      "VTI")
    assert (t2.tunnel.source, t2.tunnel.mode, t2.tunnel.key) == ("198.51.100.2", "gre", 42)
    assert t2.address == IPv4Interface("172.16.0.1/30")
    ospf = cfg.ospf[1]
    assert (ospf.router_id, ospf.passive_default, ospf.not_passive) == (
        IPv4Address("9.9.9.9"), True, {"Tunnel2"})
    assert [(str(n.address), str(n.wildcard), n.area) for n in ospf.networks] == [
        ("10.9.0.0", "0.0.0.255", 0), ("172.16.0.0", "0.0.0.3", 1)]
    assert ospf.default_originate and ospf.default_originate_always
    pool = cfg.nat_pools["PUB"]
    assert (str(pool.start), str(pool.end), pool.prefix_length) == (
        "198.51.100.10", "198.51.100.20", 24)
    overload, by_map, static = cfg.nat_rules
    assert (overload.kind, overload.match, overload.interface, overload.overload) == (
        "list", "110", "GigabitEthernet1", True)
    assert (by_map.kind, by_map.match, by_map.pool) == ("route-map", "RM", "PUB")
    assert (static.protocol, str(static.local), static.local_port, str(static.global_),
            static.global_port) == (6, "10.9.0.5", 80, "198.51.100.2", 8080)
    assert cfg.nat_timeouts == {"timeout": 300}
    assert cfg.route_maps["RM"][0].match_acls == ["110"]


def test_running_config_prints_everything_parsed() -> None:
    first = parse_config(HUB)
    text = "\n".join(render_running_config(first))
    for line in ("crypto keyring AWS  ", "  pre-shared-key hostname spoke.example.com key fqdnkey",
                 "crypto isakmp key WILD address 0.0.0.0",
                 "crypto isakmp keepalive 10 10 periodic", "   initiate mode aggressive",
                 "crypto ipsec df-bit clear", "crypto ipsec profile VTI",
                 "crypto map CM 100 ipsec-isakmp dynamic DYN ", " reverse-route",
                 " tunnel mode ipsec ipv4", " ip unnumbered GigabitEthernet2",
                 "router ospf 1", " passive-interface default",
                 "ip nat inside source static tcp 10.9.0.5 80 198.51.100.2 8080 extendable",
                 "route-map RM permit 10", "service timestamps debug datetime msec",
                 "crypto call admission limit ike in-negotiation-sa 40"):
        assert line in text.split("\n"), line
    again = parse_config(text)
    assert strip_lines(again) == strip_lines(first)


def test_wildcard_key_written_with_and_without_mask_is_one_key() -> None:
    cfg = parse_config("crypto isakmp key A address 0.0.0.0\n"
                       "crypto isakmp key B address 0.0.0.0 0.0.0.0\n")
    (key,) = cfg.crypto.keys                      # the second replaces the first, as on IOS
    assert key.key == "B" and key.prefix_length == 0


def test_certificate_chain_hex_blocks_load_and_unused_trustpoints_warn() -> None:
    text = ("crypto pki trustpoint SLA-TrustPoint\n enrollment pkcs12\n revocation-check crl\n"
            "crypto pki certificate chain SLA-TrustPoint\n certificate ca 01\n"
            "  30820321 30820209 A0030201 02020101\n  D697DF7F 28\n  \tquit\n"
            "hostname X\n")
    cfg = parse_config(text)
    assert cfg.hostname == "X"
    assert cfg.crypto.trustpoints["SLA-TrustPoint"].used is False
    assert {n for n, _ in cfg.ignored} == set(range(1, 9))
    assert set(cfg.ignored_category.values()) == {"certificates no policy uses"}


def test_no_forms_of_the_new_lines() -> None:
    cfg = parse_config(HUB)
    new = apply_config_lines(cfg, [
        "no crypto keyring AWS", "no crypto isakmp profile P-AWS", "no crypto ipsec profile VTI",
        "no crypto dynamic-map DYN", "no crypto map CM local-address",
        "no crypto isakmp nat keepalive", "no crypto isakmp aggressive-mode disable",
        "no crypto ipsec df-bit", "no router ospf 1", "no ip nat pool PUB",
        "no ip nat inside source list 110 interface GigabitEthernet1 overload",
        "no route-map RM", "interface Tunnel1", " no tunnel protection ipsec profile VTI",
        " no ip mtu", "interface GigabitEthernet2", " no ip nat inside", " no ip ospf cost"])
    crypto = new.crypto
    assert not (crypto.keyrings or crypto.isakmp_profiles or crypto.ipsec_profiles
                or crypto.dynamic_maps or crypto.map_local_address)
    assert (crypto.nat_keepalive, crypto.aggressive_mode, crypto.df_bit) == (None, True, "copy")
    assert new.ospf == {} and new.nat_pools == {} and new.route_maps == {}
    assert [r.kind for r in new.nat_rules] == ["route-map", "static"]
    assert new.interfaces["Tunnel1"].tunnel.protection is None
    assert new.interfaces["Tunnel1"].mtu is None
    gi2 = new.interfaces["GigabitEthernet2"]
    assert (gi2.nat, gi2.ospf_cost, gi2.ospf_hello) == (None, None, 5)
