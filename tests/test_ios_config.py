"""IOS configuration parser, `configure terminal` application, running-config and ifnames."""

from __future__ import annotations

import dataclasses
import ipaddress
from ipaddress import IPv4Address, IPv4Interface, IPv4Network

import pytest

from ikesim.errors import InputError
from ikesim.ios.config import IGNORED_LINES_DOC, apply_config_lines, parse_config
from ikesim.ios.ifnames import canonical_interface_name, short_interface_name
from ikesim.ios.running_config import format_acl_entry, render_running_config
from ikesim.net.acl import PROTO_ESP, PROTO_ICMP, PROTO_TCP, PROTO_UDP, PortMatch
from ikesim.net.config import DeviceConfig

# RT1 of the seed (10.10.10.2 towards the internet, LAN 172.16.1.0/24), as `show run` prints it.
RT1 = """\
!
version 12.2
service timestamps debug uptime
service timestamps log uptime
no service password-encryption
!
hostname RT1
!
boot-start-marker
boot-end-marker
!
enable secret 5 $1$mERr$hx5rVt7rPNoS4wqbXKX7m0
!
ip subnet-zero
no ip domain lookup
ip cef
!
crypto isakmp policy 1
 encr 3des
 authentication pre-share
 group 2
crypto isakmp key cisco123 address 11.11.11.2
!
crypto ipsec transform-set MYSET esp-3des esp-sha-hmac
!
crypto map MYMAP 10 ipsec-isakmp
 set peer 11.11.11.2
 set transform-set MYSET
 match address 101
!
interface FastEthernet0/0
 ip address 172.16.1.1 255.255.255.0
 duplex auto
 speed auto
!
interface FastEthernet1/0
 ip address 10.10.10.2 255.255.255.0
 duplex auto
 speed auto
 crypto map MYMAP
!
ip classless
ip route 0.0.0.0 0.0.0.0 10.10.10.1
no ip http server
!
access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255
!
control-plane
!
banner motd ^C Authorized access only ^C
!
line con 0
 exec-timeout 0 0
 logging synchronous
line aux 0
line vty 0 4
 login
!
end
"""

# RT2 as a user might type it: abbreviations, no indentation, no `!`, and no default route
# (the seed's root cause).
RT2 = """\
hostname RT2
cry isa pol 1
encr 3des
hash sha
auth pre-share
group 2
lifetime 86400
cry isa key cisco123 add 10.10.10.2
crypto ipsec transform-set MYSET esp-3des esp-sha-hmac
crypto map MYMAP 10 ipsec-isakmp
set peer 10.10.10.2
set transform-set MYSET
match address 101
int fa0/0
ip add 172.16.2.1 255.255.255.0
no shut
int f1/0
ip add 11.11.11.2 255.255.255.0
crypto map MYMAP
no sh
access-list 101 permit ip 172.16.2.0 0.0.0.255 172.16.1.0 0.0.0.255
"""


def ip(text: str) -> int:
    return int(IPv4Address(text))


def strip_lines(obj: object) -> object:
    """The configuration with line numbers, ACL entry texts and ignored lines blanked."""
    if isinstance(obj, DeviceConfig):
        obj = dataclasses.replace(obj, ignored=[], ignored_category={}, source=None)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {}
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if f.name in ("line", "text"):
                changes[f.name] = 0 if f.name == "line" else ""
            else:
                changes[f.name] = strip_lines(value)
        return dataclasses.replace(obj, **changes)
    if isinstance(obj, dict):
        return {k: strip_lines(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [strip_lines(v) for v in obj]
    return obj


# ---- the seed routers ---------------------------------------------------------------------------

def test_rt1_seed_config_fields_and_lines() -> None:
    cfg = parse_config(RT1)
    assert cfg.hostname == "RT1"
    assert list(cfg.interfaces) == ["FastEthernet0/0", "FastEthernet1/0"]
    lan, wan = cfg.interfaces.values()
    assert lan.address == IPv4Interface("172.16.1.1/24") and lan.line == 31
    assert lan.crypto_map is None and lan.shutdown is False
    assert wan.address == IPv4Interface("10.10.10.2/24") and wan.crypto_map == "MYMAP"
    assert wan.line == 36

    (route,) = cfg.static_routes
    assert (route.prefix, route.next_hop, route.interface, route.distance, route.line) == (
        IPv4Network("0.0.0.0/0"), IPv4Address("10.10.10.1"), None, 1, 43)

    (policy,) = cfg.crypto.policies_in_order()
    assert (policy.priority, policy.encryption, policy.hash, policy.authentication,
            policy.group, policy.lifetime, policy.line) == (1, "3des", "sha", "pre-share", 2,
                                                            86400, 18)
    (key,) = cfg.crypto.keys
    assert (key.key, key.address, key.line) == ("cisco123", IPv4Address("11.11.11.2"), 22)
    assert cfg.crypto.key_for(IPv4Address("11.11.11.2")) is key
    assert cfg.crypto.key_for(IPv4Address("11.11.11.3")) is None

    tset = cfg.crypto.transform_sets["MYSET"]
    assert (tset.transforms, tset.mode, tset.line) == (["esp-3des", "esp-sha-hmac"], "tunnel", 24)
    (entry,) = cfg.crypto.map_entries("MYMAP")
    assert (entry.sequence, entry.peers, entry.transform_sets, entry.match_acl, entry.line) == (
        10, [IPv4Address("11.11.11.2")], ["MYSET"], "101", 26)
    assert entry.pfs_group is None and entry.lifetime_seconds is None

    acl = cfg.acls["101"]
    assert acl.kind == "extended"
    (ace,) = acl.entries
    assert (ace.action, ace.protocol, ace.src, ace.src_wildcard, ace.dst, ace.dst_wildcard) == (
        "permit", None, ip("172.16.1.0"), 255, ip("172.16.2.0"), 255)
    assert ace.line == 46
    assert ace.text == "access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255"
    assert acl.permits(ip("172.16.1.5"), ip("172.16.2.2"), PROTO_ICMP)
    assert not acl.permits(ip("172.16.1.5"), ip("172.16.3.2"), PROTO_ICMP)

    ignored = dict(cfg.ignored)
    assert ignored[2] == "version 12.2" and ignored[15] == "no ip domain lookup"
    assert ignored[33] == "duplex auto" and ignored[57] == "login"
    assert cfg.ignored_category[33] == "interface hardware"
    assert cfg.ignored_category[57] == "management plane"
    assert cfg.timestamps == {"debug": "uptime", "log": "uptime"}
    understood = {3, 4, 18, 19, 20, 21, 22, 24, 26, 27, 28, 29, 31, 32, 36, 37, 40, 43, 46}
    comments = {n for n, line in enumerate(RT1.splitlines(), 1) if line.strip() in ("!", "end")}
    assert set(ignored) | understood | comments == set(range(1, 60)) - {7}
    assert not set(ignored) & (understood | comments)


def test_rt2_typed_with_abbreviations_and_no_indentation() -> None:
    cfg = parse_config(RT2, hostname="ignored-default")
    assert cfg.hostname == "RT2"
    policy = cfg.crypto.policies[1]
    assert (policy.encryption, policy.hash, policy.authentication, policy.group,
            policy.lifetime) == ("3des", "sha", "pre-share", 2, 86400)
    assert cfg.crypto.keys[0].address == IPv4Address("10.10.10.2")
    assert cfg.interfaces["FastEthernet0/0"].address == IPv4Interface("172.16.2.1/24")
    wan = cfg.interfaces["FastEthernet1/0"]
    assert wan.crypto_map == "MYMAP" and wan.shutdown is False and wan.line == 17
    assert cfg.static_routes == []          # the seed's bug: RT2 has no route back to RT1
    assert cfg.crypto.maps["MYMAP"][0].peers == [IPv4Address("10.10.10.2")]
    assert cfg.acls["101"].permits(ip("172.16.2.2"), ip("172.16.1.9"), PROTO_TCP, 1, 2)
    assert cfg.ignored == []


def test_hostname_default_and_router_fallback() -> None:
    assert parse_config("", hostname="PC1").hostname == "PC1"
    assert parse_config("!\n").hostname == "Router"


# ---- grammar details --------------------------------------------------------------------------

def test_global_line_inside_submode_leaves_it() -> None:
    cfg = parse_config("interface fa0/0\n ip address 10.1.1.1 255.255.255.0\n"
                       " ip route 0.0.0.0 0.0.0.0 10.1.1.2\n")
    assert cfg.static_routes[0].next_hop == IPv4Address("10.1.1.2")
    # ... and a later `shutdown` is then a (rejected) global command, not an interface line.
    with pytest.raises(InputError) as info:
        parse_config("interface fa0/0\n ip route 0.0.0.0 0.0.0.0 10.1.1.2\n shutdown\n")
    assert (info.value.line, info.value.reason) == (3, "% Invalid input detected at '^' marker.")


def test_crypto_map_line_under_interface_vs_new_map_entry() -> None:
    cfg = parse_config("crypto ipsec transform-set T esp-aes 256 esp-sha-hmac\n mode transport\n"
                       "interface Serial0/0\n ip address 192.0.2.1 255.255.255.252\n"
                       " crypto map CM\n"
                       "crypto map CM 20 ipsec-isakmp\n set peer 192.0.2.2\n"
                       " set peer 192.0.2.6\n set peer 192.0.2.2\n set transform-set T\n"
                       " set pfs\n set security-association lifetime seconds 1800\n"
                       " set security-association lifetime kilobytes 10000\n"
                       " description to branch\n"
                       "crypto map CM 10\n set pfs group14\n")
    assert cfg.interfaces["Serial0/0"].crypto_map == "CM"
    ts = cfg.crypto.transform_sets["T"]
    assert (ts.transforms, ts.mode) == (["esp-aes 256", "esp-sha-hmac"], "transport")
    first, second = cfg.crypto.map_entries("CM")
    assert (first.sequence, first.pfs_group, first.peers) == (10, 14, [])
    assert second.peers == [IPv4Address("192.0.2.2"), IPv4Address("192.0.2.6")]
    assert (second.pfs_group, second.lifetime_seconds, second.lifetime_kilobytes) == (1, 1800,
                                                                                      10000)
    assert second.description == "to branch" and cfg.ignored == []


def test_isakmp_policy_variants_and_defaults() -> None:
    cfg = parse_config("crypto isakmp policy 20\n encryption aes 256\n hash sha256\n"
                       " authentication rsa-sig\n group 14\n lifetime 3600\n"
                       "crypto isakmp policy 5\n encr aes\n"
                       "crypto isakmp policy 7\n"
                       "crypto isakmp keepalive 10\n"
                       "crypto isakmp identity address\n"
                       "crypto isakmp key 0 s3cr3t address 10.0.0.0 255.0.0.0 no-xauth\n"
                       "crypto isakmp key k2 address 10.1.2.3\n")
    assert [p.priority for p in cfg.crypto.policies_in_order()] == [5, 7, 20]
    p20 = cfg.crypto.policies[20]
    assert (p20.encryption, p20.hash, p20.authentication, p20.group, p20.lifetime) == (
        "aes256", "sha256", "rsa-sig", 14, 3600)
    assert cfg.crypto.policies[5].encryption == "aes128"
    p7 = cfg.crypto.policies[7]        # IOS defaults: des, sha, rsa-sig, group 1, 86400
    assert (p7.encryption, p7.hash, p7.authentication, p7.group, p7.lifetime) == (
        "des", "sha", "rsa-sig", 1, 86400)
    assert cfg.crypto.keepalive == (10, 2)
    wide, narrow = cfg.crypto.keys
    assert (wide.key, wide.mask) == ("s3cr3t", IPv4Address("255.0.0.0"))
    assert cfg.crypto.key_for(IPv4Address("10.1.2.3")) is narrow
    assert cfg.crypto.key_for(IPv4Address("10.9.9.9")) is wide


def test_static_route_forms() -> None:
    cfg = parse_config("interface fa0/0\n ip address 10.0.0.1 255.255.255.0\n"
                       "ip route 192.168.0.0 255.255.0.0 fa0/0\n"
                       "ip route 192.168.1.0 255.255.255.0 FastEthernet0/0 10.0.0.9 200\n"
                       "ip route 192.168.2.0 255.255.255.0 10.0.0.9 5 name backup permanent\n"
                       "ip route 192.168.3.0 255.255.255.0 Null0\n"
                       "ip route 192.168.2.0 255.255.255.0 10.0.0.9 7\n"
                       "ip default-gateway 10.0.0.254\n")
    r = cfg.static_routes
    assert [(x.interface, x.next_hop, x.distance) for x in r] == [
        ("FastEthernet0/0", None, 1),
        ("FastEthernet0/0", IPv4Address("10.0.0.9"), 200),
        (None, IPv4Address("10.0.0.9"), 7),          # re-entered: distance replaced
        ("Null0", None, 1)]
    assert r[2].line == 7
    assert cfg.default_gateway == IPv4Address("10.0.0.254")


def test_access_lists_numbered_named_and_evaluated() -> None:
    cfg = parse_config(
        "access-list 10 permit host 192.0.2.1\n"
        "access-list 10 deny 192.0.2.0 0.0.0.255\n"
        "access-list 10 permit 198.51.100.7\n"
        "access-list 10 permit any\n"
        "access-list 110 permit udp host 10.0.0.1 eq isakmp host 10.0.0.2 eq 500\n"
        "access-list 110 permit udp any any eq non500-isakmp\n"
        "access-list 110 permit esp any any\n"
        "access-list 110 permit tcp 10.1.1.77 0.0.0.255 gt 1023 any range ftp-data www log\n"
        "access-list 110 permit icmp any any echo-reply\n"
        "access-list 110 deny gre any any\n"
        "access-list 110 permit 0 any any\n"
        "access-list 110 remark everything else\n"
        "ip access-list extended VPN\n"
        " 20 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255\n"
        " 10 deny icmp any any 8\n"
        " permit tcp any neq telnet any\n"
        " 15 permit udp any lt 1024 any\n"
        " remark trailing note\n")
    std = cfg.acls["10"]
    assert std.kind == "standard"
    assert [(e.src, e.src_wildcard) for e in std.entries] == [
        (ip("192.0.2.1"), 0), (ip("192.0.2.0"), 255), (ip("198.51.100.7"), 0),
        (0, 0xFFFFFFFF)]
    assert std.permits(ip("192.0.2.1"), 0, 1) and not std.permits(ip("192.0.2.9"), 0, 1)
    assert std.permits(ip("8.8.8.8"), 0, 1)

    ext = cfg.acls["110"].entries
    assert (ext[0].protocol, ext[0].src_port, ext[0].dst_port) == (
        PROTO_UDP, PortMatch("eq", 500), PortMatch("eq", 500))
    assert ext[1].dst_port == PortMatch("eq", 4500)
    assert ext[2].protocol == PROTO_ESP
    assert (ext[3].src, ext[3].src_port, ext[3].dst_port) == (
        ip("10.1.1.0"), PortMatch("gt", 1023), PortMatch("range", 20, 80))
    assert (ext[4].protocol, ext[4].icmp_type) == (PROTO_ICMP, 0)
    assert (ext[5].action, ext[5].protocol) == ("deny", 47)
    assert ext[6].protocol is None and len(ext) == 7

    named = cfg.acls["VPN"]
    assert [e.line for e in named.entries] == [15, 17, 14, 16]   # sequence order 10 15 20 30
    assert named.entries[0].icmp_type == 8
    assert named.entries[3].src_port == PortMatch("neq", 23)
    assert named.entries[2].text == "20 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255"
    assert not named.permits(ip("1.1.1.1"), ip("2.2.2.2"), PROTO_ICMP, icmp_type=8)


def test_interface_lines() -> None:
    cfg = parse_config("int gi0/1\n description  uplink to ISP (AS 64500)\n"
                       " ip address 203.0.113.2 255.255.255.252\n ip access-group 101 in\n"
                       " ip access-group OUT out\n shutdown\n clock rate 64000\n"
                       "interface Loopback0\n ip address 1.1.1.1 255.255.255.255\n"
                       "interface e0\n no ip address\n")
    gi = cfg.interfaces["GigabitEthernet0/1"]
    assert gi.description == "uplink to ISP (AS 64500)"
    assert (gi.acl_in, gi.acl_out, gi.shutdown) == ("101", "OUT", True)
    assert gi.address == IPv4Interface("203.0.113.2/30")
    assert cfg.interfaces["Loopback0"].address == IPv4Interface("1.1.1.1/32")
    assert cfg.interfaces["Ethernet0"].address is None


def test_line_offset_and_file_only_affect_errors() -> None:
    cfg = parse_config(RT2, file="lab.yaml", line_offset=10)
    assert cfg.interfaces["FastEthernet1/0"].line == 17   # lines within the text


def test_ignored_lines_doc_lists_the_accepted_lines() -> None:
    for needle in ("version", "service", "boot-start-marker", "ip cef", "ip domain lookup",
                   "ip http server", "line con 0", "line vty 0 4", "logging synchronous",
                   "exec-timeout", "enable secret", "duplex auto", "speed auto", "clock rate",
                   "ip classless", "control-plane", "banner", "end"):
        assert needle in IGNORED_LINES_DOC


def test_pasted_show_run_header_is_ignored() -> None:
    cfg = parse_config("Building configuration...\n\nCurrent configuration : 812 bytes\n"
                       "hostname R9\n")
    assert cfg.hostname == "R9"
    assert cfg.ignored == []                   # paste artefacts are understood, not warned


# ---- configure terminal -------------------------------------------------------------------------

def test_apply_config_lines_changes_a_copy() -> None:
    base = parse_config(RT1)
    new = apply_config_lines(base, [
        "interface FastEthernet1/0",
        " shutdown",
        " no crypto map MYMAP",
        " ip access-group 150 in",
        "exit",
        "no ip route 0.0.0.0 0.0.0.0 10.10.10.1",
        "ip route 11.11.11.0 255.255.255.0 10.10.10.1",
        "no access-list 101",
        "no crypto isakmp key cisco123 address 11.11.11.2",
        "crypto isakmp key newkey address 11.11.11.2",
        "no crypto isakmp policy 1",
        "crypto isakmp policy 10",
        " hash md5",
        "interface fa0/0",
        " no ip address",
        "end",
    ], line_offset=100)
    wan = new.interfaces["FastEthernet1/0"]
    assert (wan.shutdown, wan.crypto_map, wan.acl_in) == (True, None, "150")
    assert [(r.prefix, r.line) for r in new.static_routes] == [
        (IPv4Network("11.11.11.0/24"), 7)]
    assert "101" not in new.acls
    assert [(k.key, k.line) for k in new.crypto.keys] == [("newkey", 10)]
    assert list(new.crypto.policies) == [10] and new.crypto.policies[10].hash == "md5"
    assert new.interfaces["FastEthernet0/0"].address is None
    # the original is untouched
    assert base.interfaces["FastEthernet1/0"].crypto_map == "MYMAP"
    assert len(base.static_routes) == 1 and "101" in base.acls and 1 in base.crypto.policies


def test_apply_more_no_forms() -> None:
    base = parse_config("interface fa0/0\n ip address 10.0.0.1 255.255.255.0\n shutdown\n"
                        " ip access-group 5 in\n ip access-group 6 out\n"
                        "interface lo1\n"
                        "ip route 9.0.0.0 255.0.0.0 10.0.0.2\n"
                        "ip route 9.0.0.0 255.0.0.0 10.0.0.3 5\n"
                        "ip access-list extended E\n permit ip any any\n deny ip any any\n"
                        "crypto ipsec transform-set T esp-des\n"
                        "crypto map M 10\n set peer 1.1.1.1\n set transform-set T\n set pfs\n"
                        "crypto isakmp keepalive 30 5\n")
    new = apply_config_lines(base, [
        "int fa0/0", "no shut", "no ip access-group in", "no ip access-group 6 out",
        "no interface Loopback1",
        "no ip route 9.0.0.0 255.0.0.0",
        "ip access-list extended E", " no 10", " 5 deny tcp any any",
        "crypto map M 10", " no set peer 1.1.1.1", " no set pfs", " no set transform-set",
        "crypto map M 20", " set peer 2.2.2.2",
        "no crypto map M 10",
        "no crypto isakmp keepalive",
        "no crypto ipsec transform-set T",
        "hostname NEW",
    ])
    fa = new.interfaces["FastEthernet0/0"]
    assert (fa.shutdown, fa.acl_in, fa.acl_out) == (False, None, None)
    assert list(new.interfaces) == ["FastEthernet0/0"]
    assert new.static_routes == []
    assert [(e.action, e.protocol) for e in new.acls["E"].entries] == [("deny", PROTO_TCP),
                                                                       ("deny", None)]
    assert [e.sequence for e in new.crypto.map_entries("M")] == [20]
    assert new.crypto.keepalive is None and new.crypto.transform_sets == {}
    assert new.hostname == "NEW"
    assert base.crypto.maps["M"][0].pfs_group == 1 and base.hostname == "Router"


# ---- show running-config ----------------------------------------------------------------------

def test_render_rt1_running_config() -> None:
    lines = render_running_config(parse_config(RT1))
    body = lines[3:]
    assert lines[:3] == ["Building configuration...", "",
                         f"Current configuration : {sum(len(x) + 1 for x in body)} bytes"]
    assert body == [
        "!", "service timestamps debug uptime", "service timestamps log uptime", "!",
        "hostname RT1", "!",
        "crypto isakmp policy 1", " encr 3des", " authentication pre-share", " group 2",
        "crypto isakmp key cisco123 address 11.11.11.2", "!", "!",
        "crypto ipsec transform-set MYSET esp-3des esp-sha-hmac ", "!",
        "crypto map MYMAP 10 ipsec-isakmp ", " set peer 11.11.11.2",
        " set transform-set MYSET ", " match address 101", "!",
        "interface FastEthernet0/0", " ip address 172.16.1.1 255.255.255.0", "!",
        "interface FastEthernet1/0", " ip address 10.10.10.2 255.255.255.0",
        " crypto map MYMAP", "!",
        "ip route 0.0.0.0 0.0.0.0 10.10.10.1", "!",
        "access-list 101 permit ip 172.16.1.0 0.0.0.255 172.16.2.0 0.0.0.255", "!",
        "end"]


RICH = """\
hostname EDGE
crypto isakmp policy 5
 encr aes 192
 hash md5
 group 5
 lifetime 7200
crypto isakmp policy 10
 authentication pre-share
crypto isakmp key k1 address 10.0.0.0 255.255.0.0
crypto isakmp keepalive 20 4
crypto ipsec transform-set T1 esp-aes esp-sha-hmac
 mode transport
crypto ipsec transform-set T2 ah-sha-hmac esp-3des esp-md5-hmac
crypto map CM 10 ipsec-isakmp
 set peer 10.0.1.1
 set peer 10.0.2.1
 set transform-set T1 T2
 set pfs group14
 set security-association lifetime seconds 900
 set security-association lifetime kilobytes 9000
 match address VPN
interface FastEthernet0/0
 description outside link
 ip address 10.0.0.1 255.255.255.0
 ip access-group 120 in
 ip access-group 7 out
 crypto map CM
interface Loopback3
 shutdown
ip default-gateway 10.0.0.254
ip route 0.0.0.0 0.0.0.0 FastEthernet0/0 10.0.0.254 3
ip route 10.5.0.0 255.255.0.0 Null0
ip access-list extended VPN
 permit tcp host 10.0.0.1 range 1000 2000 10.9.0.0 0.0.255.255 eq www
 deny icmp any any 42
ip access-list standard MGMT
 permit 10.0.0.0 0.0.0.255
access-list 7 deny host 10.0.0.9
access-list 7 permit any
access-list 120 permit udp any host 10.0.0.1 eq isakmp
access-list 120 permit udp any eq 4500 host 10.0.0.1
access-list 120 permit ahp any any
access-list 120 permit 99 any any
access-list 120 permit icmp any any time-exceeded
"""


@pytest.mark.parametrize("text", [RT1, RT2, RICH], ids=["RT1", "RT2", "rich"])
def test_running_config_round_trip(text: str) -> None:
    first = parse_config(text)
    rendered = render_running_config(first)
    second = parse_config("\n".join(rendered))
    assert strip_lines(second) == strip_lines(first)
    assert render_running_config(second) == rendered


def test_render_rich_details() -> None:
    lines = render_running_config(parse_config(RICH))
    for expected in ("crypto isakmp policy 5", " encr aes 192", " hash md5", " group 5",
                     " lifetime 7200", "crypto isakmp keepalive 20 4",
                     "crypto isakmp key k1 address 10.0.0.0 255.255.0.0",
                     "crypto ipsec transform-set T1 esp-aes esp-sha-hmac ", " mode transport",
                     " set pfs group14", " set security-association lifetime seconds 900",
                     " set transform-set T1 T2 ", " match address VPN",
                     " description outside link", " ip access-group 120 in",
                     "ip default-gateway 10.0.0.254",
                     "ip route 0.0.0.0 0.0.0.0 FastEthernet0/0 10.0.0.254 3",
                     "ip route 10.5.0.0 255.255.0.0 Null0",
                     " permit tcp host 10.0.0.1 range 1000 2000 10.9.0.0 0.0.255.255 eq www",
                     "ip access-list standard MGMT", " permit 10.0.0.0 0.0.0.255",
                     "access-list 7 deny 10.0.0.9",
                     "access-list 120 permit udp any host 10.0.0.1 eq isakmp",
                     "access-list 120 permit udp any eq non500-isakmp host 10.0.0.1",
                     "access-list 120 permit 99 any any",
                     "access-list 120 permit icmp any any time-exceeded"):
        assert expected in lines, expected
    # policy 10 differs from the defaults only in authentication
    i = lines.index("crypto isakmp policy 10")
    assert lines[i + 1] == " authentication pre-share" and not lines[i + 2].startswith(" ")
    lo = lines.index("interface Loopback3")
    assert lines[lo + 1:lo + 4] == [" no ip address", " shutdown", "!"]


def test_format_acl_entry() -> None:
    cfg = parse_config("access-list 150 permit udp 10.0.0.0 0.0.0.255 eq ntp any gt 1023\n")
    assert format_acl_entry(cfg.acls["150"].entries[0], "extended") == (
        "permit udp 10.0.0.0 0.0.0.255 eq ntp any gt 1023")


# ---- interface names ----------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "canonical", "short"), [
    ("fa0/0", "FastEthernet0/0", "Fa0/0"),
    ("Fa0/0", "FastEthernet0/0", "Fa0/0"),
    ("f0/0", "FastEthernet0/0", "Fa0/0"),
    ("FastEthernet 0/0", "FastEthernet0/0", "Fa0/0"),
    ("FASTETHERNET1/0", "FastEthernet1/0", "Fa1/0"),
    ("e0", "Ethernet0", "Et0"),
    ("Ethernet0/1", "Ethernet0/1", "Et0/1"),
    ("gi0/1", "GigabitEthernet0/1", "Gi0/1"),
    ("g0/1", "GigabitEthernet0/1", "Gi0/1"),
    ("s0/0", "Serial0/0", "Se0/0"),
    ("se1/0", "Serial1/0", "Se1/0"),
    ("lo0", "Loopback0", "Lo0"),
    ("tu0", "Tunnel0", "Tu0"),
    ("te1/0/1", "TenGigabitEthernet1/0/1", "Te1/0/1"),
    ("fa0/0.100", "FastEthernet0/0.100", "Fa0/0.100"),
    ("null0", "Null0", "Nu0"),
])
def test_interface_names(given: str, canonical: str, short: str) -> None:
    assert canonical_interface_name(given) == canonical
    assert short_interface_name(given) == short
    assert short_interface_name(canonical) == short


@pytest.mark.parametrize("bad", ["xx0/0", "fa", "0/0", "fa0/", "lo0/1", "Null1", "", "fa0/0 x",
                                 "tu0.5"])
def test_bad_interface_names(bad: str) -> None:
    with pytest.raises(ValueError):
        canonical_interface_name(bad)


def test_ipaddress_types_are_used() -> None:
    cfg = parse_config(RT1)
    assert isinstance(cfg.interfaces["FastEthernet0/0"].address, ipaddress.IPv4Interface)
    assert isinstance(cfg.crypto.keys[0].address, ipaddress.IPv4Address)


def test_no_forms_inside_policy_and_transform_set_restore_ios_defaults() -> None:
    base = parse_config("crypto isakmp policy 1\n encr aes 256\n hash md5\n group 14\n"
                        " authentication pre-share\n lifetime 600\n"
                        "crypto ipsec transform-set T esp-3des\n mode transport\n")
    new = apply_config_lines(base, ["crypto isakmp policy 1", " no encr", " default hash",
                                    " no group", " no lifetime", "crypto ipsec transform-set T "
                                    "esp-aes esp-md5-hmac", " no mode"])
    p = new.crypto.policies[1]
    assert (p.encryption, p.hash, p.group, p.lifetime, p.authentication) == (
        "des", "sha", 1, 86400, "pre-share")
    t = new.crypto.transform_sets["T"]
    assert (t.transforms, t.mode) == (["esp-aes", "esp-md5-hmac"], "tunnel")
    assert base.crypto.policies[1].encryption == "aes256"
