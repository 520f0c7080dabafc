"""IOS keyword tables shared by the configuration parser and ``show running-config``: IP protocol
names, TCP/UDP port names, ICMP message names, IPsec transforms and PFS groups."""

from __future__ import annotations

# Standard / extended numbered access-list ranges (IOS).
STD_RANGES = ((1, 99), (1300, 1999))
EXT_RANGES = ((100, 199), (2000, 2699))

# IP protocol keywords of extended ACLs (IANA numbers); `ip` means any protocol.
ACL_PROTOCOLS = {"icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "udp": 17, "gre": 47, "esp": 50,
                 "ahp": 51, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108}
# IOS port names (`?` after `eq` on a 12.x router); TCP and UDP tables differ.
TCP_PORTS = {"bgp": 179, "chargen": 19, "cmd": 514, "daytime": 13, "discard": 9, "domain": 53,
             "echo": 7, "exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "gopher": 70,
             "hostname": 101, "ident": 113, "irc": 194, "klogin": 543, "kshell": 544,
             "login": 513, "lpd": 515, "nntp": 119, "pop2": 109, "pop3": 110, "smtp": 25,
             "sunrpc": 111, "tacacs": 49, "talk": 517, "telnet": 23, "time": 37, "uucp": 540,
             "whois": 43, "www": 80}
UDP_PORTS = {"biff": 512, "bootpc": 68, "bootps": 67, "discard": 9, "dnsix": 195, "domain": 53,
             "echo": 7, "isakmp": 500, "mobile-ip": 434, "nameserver": 42, "netbios-dgm": 138,
             "netbios-ns": 137, "netbios-ss": 139, "non500-isakmp": 4500, "ntp": 123,
             "rip": 520, "snmp": 161, "snmptrap": 162, "sunrpc": 111, "syslog": 514,
             "tacacs": 49, "talk": 517, "tftp": 69, "time": 37, "who": 513, "xdmcp": 177}
ICMP_TYPES = {"echo-reply": 0, "unreachable": 3, "source-quench": 4, "redirect": 5,
              "alternate-address": 6, "echo": 8, "router-advertisement": 9,
              "router-solicitation": 10, "time-exceeded": 11, "parameter-problem": 12,
              "timestamp-request": 13, "timestamp-reply": 14, "information-request": 15,
              "information-reply": 16, "mask-request": 17, "mask-reply": 18, "traceroute": 30}
PORT_OPS = ("eq", "neq", "lt", "gt", "range")
ACL_TAIL_UNSUPPORTED = ("established", "dscp", "precedence", "tos", "fragments", "time-range",
                        "option", "ttl", "reflect", "match-any", "match-all", "ack", "fin",
                        "psh", "rst", "syn", "urg")

# IPsec transforms (`crypto ipsec transform-set`), by role; IOS allows one of each role.
ESP_ENCRYPTION = ("esp-des", "esp-3des", "esp-aes", "esp-null")
ESP_AUTH = ("esp-md5-hmac", "esp-sha-hmac", "esp-sha256-hmac", "esp-sha384-hmac",
            "esp-sha512-hmac")
AH_AUTH = ("ah-md5-hmac", "ah-sha-hmac", "ah-sha256-hmac")
TRANSFORMS_UNSUPPORTED = ("esp-seal", "esp-gcm", "esp-gmac", "comp-lzs", "esp-192-aes",
                          "esp-256-aes")
PFS_GROUPS = {"group1": 1, "group2": 2, "group5": 5, "group14": 14}
PFS_UNSUPPORTED = ("group15", "group16", "group19", "group20", "group21", "group24")


def numbered_acl_kind(number: int) -> str | None:
    if any(lo <= number <= hi for lo, hi in STD_RANGES):
        return "standard"
    if any(lo <= number <= hi for lo, hi in EXT_RANGES):
        return "extended"
    return None
