"""What real configurations contain besides what ikesim models, as data.

Each entry is a keyword path (matched with IOS abbreviation rules) ending in either
:class:`Accept` — a line that cannot change what the lab does (management plane, interface
hardware, IPv6 in an IPv4 lab, definitions nothing applies): accepted and listed once per router
in a warning — or :class:`Unmodelled` — a line of a feature that would change forwarding or
IPsec (see :mod:`ikesim.ios.config.features`). An entry with ``block`` opens a submode: its
indented lines belong to it, and so do unindented lines that start with one of ``block``'s
keywords (pasted CLI has no indentation). ``"*"`` matches any other word at that level.
Arguments of catalogue lines are not checked: nothing reads them.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Accept:
    category: str
    block: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class Unmodelled:
    feature: str
    block: tuple[str, ...] | None = None
    inert_when_empty: bool = False     # a routing process without a body does nothing


Node = Accept | Unmodelled | dict[str, "Node"]

MGMT = Accept("management plane")
HW = Accept("interface hardware")
IPV6 = Accept("IPv6 (the lab is IPv4-only)")
SERVICE = Accept("router services (DHCP server, HTTP, DNS, ...)")
PLATFORM = Accept("platform, licence and boot")
DEFS = Accept("definitions nothing in the lab applies")
DEFAULTS = Accept("routing defaults ikesim follows anyway (ip cef, ip classless, ip subnet-zero)")
DHCP_POOL = Accept("router services (DHCP server, HTTP, DNS, ...)",
                   ("network", "default-router", "dns-server", "domain-name", "lease", "host",
                    "hardware-address", "client-identifier", "option", "netbios-name-server",
                    "import", "update", "excluded-address", "no"))

# Submode keywords of routing protocols (for pasted, unindented `router bgp` bodies).
ROUTING_WORDS = ("network", "neighbor", "redistribute", "bgp", "address-family",
                  "exit-address-family", "passive-interface", "no", "auto-summary", "version",
                  "timers", "default-information", "distance", "maximum-paths", "eigrp",
                  "metric", "offset-list", "distribute-list", "router-id", "synchronization",
                  "aggregate-address", "default-metric", "variance", "traffic-share", "net",
                  "is-type", "log-adjacency-changes", "summary-address", "table-map")
_LINE_WORDS = ("login", "password", "transport", "exec-timeout", "logging", "privilege",
               "stopbits", "length", "history", "access-class", "speed", "flowcontrol",
               "exec", "no", "session-timeout", "width", "autoselect", "modem", "motd-banner",
               "databits", "parity", "escape-character", "authorization", "accounting",
               "absolute-timeout", "rotary", "ipv6", "vacant-message", "exec-banner",
               "notify", "terminal-type", "international", "activation-character")
_MAP_WORDS = ("match", "set", "description", "class", "police", "bandwidth", "priority",
              "shape", "service-policy", "fair-queue", "queue-limit", "random-detect", "drop",
              "pass", "inspect", "no")

GLOBAL: dict[str, Node] = {
    "aaa": MGMT, "alias": MGMT, "username": MGMT, "logging": MGMT, "ntp": MGMT,
    "snmp-server": MGMT, "snmp": MGMT, "clock": MGMT, "privilege": MGMT, "login": MGMT,
    "secure": MGMT, "security": MGMT, "spd": PLATFORM, "dot11": MGMT,
    "exception": PLATFORM, "warm-reboot": PLATFORM, "event": MGMT,
    "tftp-server": MGMT, "transceiver": PLATFORM,
    "voice-card": Accept("voice", ()), "controller": Accept("interface hardware", ()),
    "mac-address-table": Accept("switching defaults on a router"),
    "mac": Accept("switching defaults on a router"), "monitor": MGMT, "system": PLATFORM,
    "port-channel": Accept("switching defaults on a router"), "netconf-yang": MGMT,
    "netconf": MGMT, "restconf": MGMT, "iox": PLATFORM, "telemetry": MGMT, "wsma": MGMT,
    "cts": MGMT, "device-tracking": MGMT, "sampler": MGMT, "bfd": MGMT, "template": MGMT,
    "flow": Accept("management plane", ("match", "collect", "destination", "source",
                                        "transport", "export-protocol", "record", "exporter",
                                        "description", "cache", "no")),
    "segment-routing": Unmodelled("mpls"),
    "virtual-service": Accept("platform, licence and boot", ("vnic", "activate", "no")),
    "dialer-list": Unmodelled("pppoe"), "tacacs-server": MGMT, "radius-server": MGMT, "tacacs": MGMT,
    "radius": MGMT, "enable": MGMT, "archive": Accept("management plane", ("log", "path",
                                                                           "write-memory",
                                                                           "maximum", "no")),
    "boot": PLATFORM, "boot-start-marker": PLATFORM, "boot-end-marker": PLATFORM,
    "version": PLATFORM, "license": PLATFORM, "platform": PLATFORM, "memory": PLATFORM,
    "memory-size": PLATFORM, "diagnostic": PLATFORM, "config-register": PLATFORM,
    "process": PLATFORM, "scheduler": PLATFORM, "mmi": PLATFORM, "upgrade": PLATFORM,
    "hw-module": PLATFORM, "card": PLATFORM, "file": PLATFORM, "subscriber": PLATFORM,
    "redundancy": Accept("platform, licence and boot", ("mode", "no")),
    "resource": Accept("platform, licence and boot", ("no",)),
    "call-home": Accept("management plane", ("contact-email-addr", "profile", "active",
                                             "destination", "no")),
    "control-plane": Accept("management plane", ("service-policy", "no")),
    "line": Accept("management plane", _LINE_WORDS),
    "multilink": DEFS, "cdp": MGMT, "lldp": MGMT, "errdisable": MGMT,
    "service": MGMT, "no": MGMT,   # only reached for `no X` of catalogue entries
    "spanning-tree": Accept("switching defaults on a router"),
    "vtp": Accept("switching defaults on a router"),
    "vlan": Accept("switching defaults on a router", ("name", "state", "no")),
    "ipv6": IPV6, "network-clock-participate": PLATFORM, "network-clock": PLATFORM,
    "voice": Accept("voice", ("service", "h323", "sip", "no", "allow-connections")),
    "mgcp": Accept("voice"), "gatekeeper": Accept("voice", ("shutdown", "no")),
    "dial-peer": Accept("voice", ("description", "destination-pattern", "session", "port",
                                  "codec", "no")),
    "telephony-service": Accept("voice"), "sccp": Accept("voice"), "ccm-manager": Accept("voice"),
    "key": Accept("management plane", ("key", "key-string", "accept-lifetime",
                                       "send-lifetime", "no")),
    "class-map": Accept("QoS and inspection definitions", _MAP_WORDS),
    "policy-map": Accept("QoS and inspection definitions", _MAP_WORDS),
    "parameter-map": Accept("QoS and inspection definitions", _MAP_WORDS),
    "object-group": Accept("definitions nothing in the lab applies",
                           ("host", "network", "range", "group-object", "description",
                            "tcp", "udp", "icmp", "ip", "esp", "ahp", "gre", "no")),
    "webvpn": Accept("SSL VPN (not used by IKE)", ("ssl", "inservice", "no", "gateway",
                                                   "url-list", "policy", "ip", "svc")),
    "pseudowire-class": Accept("definitions nothing in the lab applies",
                               ("encapsulation", "protocol", "ip", "no")),
    "track": Unmodelled("tracking", ("delay", "no")),
    "router": {"eigrp": Unmodelled("eigrp", ROUTING_WORDS, True),
               "bgp": Unmodelled("bgp", ROUTING_WORDS, True),
               "rip": Unmodelled("rip", ROUTING_WORDS, True),
               "isis": Unmodelled("isis", ROUTING_WORDS, True),
               "odr": Unmodelled("odr", ROUTING_WORDS, True)},
    "zone": Accept("definitions nothing in the lab applies", ("description", "no")),
    "zone-pair": Unmodelled("zbf", ("service-policy", "description", "no")),
    "vpdn": Unmodelled("vpdn"),
    "vpdn-group": Unmodelled("vpdn", ("accept-dialin", "protocol", "virtual-template",
                                      "terminate-from", "l2tp", "lcp", "no", "request-dialin")),
    "bba-group": Unmodelled("pppoe", ("virtual-template", "sessions", "no")),
    "mpls": Unmodelled("mpls"),
    "vrf": Unmodelled("vrf", ("rd", "route-target", "address-family", "exit-address-family",
                              "description", "no")),
    "route-target": Unmodelled("vrf"),
    "xconnect": Unmodelled("l2tpv3"), "l2tp-class": Unmodelled("l2tpv3"),
    "l2vpn": Unmodelled("l2tpv3"),
    "ip": {
        "cef": DEFAULTS, "classless": DEFAULTS, "subnet-zero": DEFAULTS, "routing": DEFAULTS,
        "domain": SERVICE, "domain-lookup": SERVICE, "domain-name": SERVICE,
        "name-server": SERVICE, "host": SERVICE, "http": SERVICE, "ssh": MGMT, "scp": MGMT,
        "ftp": MGMT, "tftp": MGMT, "tcp": SERVICE, "icmp": SERVICE, "forward-protocol": SERVICE,
        "bootp": SERVICE, "finger": SERVICE, "source-route": SERVICE, "gratuitous-arps": SERVICE,
        "options": SERVICE, "flow-export": MGMT, "flow-cache": MGMT, "flow": MGMT,
        "accounting-threshold": MGMT, "audit": MGMT, "auth-proxy": MGMT, "admission": MGMT,
        "local": SERVICE, "rcmd": MGMT, "telnet": MGMT, "arp": SERVICE, "dns": SERVICE,
        "dhcp": {"pool": DHCP_POOL, "*": SERVICE},
        "prefix-list": DEFS, "community-list": DEFS, "as-path": DEFS, "extcommunity-list": DEFS,
        "bgp-community": DEFS, "ips": Accept("definitions nothing in the lab applies"),
        "inspect": Accept("QoS and inspection definitions"),
        "wccp": Unmodelled("wccp"), "sla": Unmodelled("tracking", ("icmp-echo", "frequency",
                                                                   "timeout", "threshold",
                                                                   "no")),
        "vrf": Unmodelled("vrf", ("rd", "route-target", "description", "no")),
        "multicast-routing": Unmodelled("multicast"), "pim": Unmodelled("multicast"),
        "igmp": SERVICE, "default-network": DEFS, "nbar": Accept("QoS and inspection "
                                                                 "definitions"),
        "virtual-reassembly": HW, "explicit-path": Unmodelled("mpls"),
        "ospf": {"name-lookup": MGMT},
    },
    "crypto": {
        "ikev2": Unmodelled("ikev2", ("proposal", "encryption", "integrity", "group", "prf",
                                      "peer", "address", "pre-shared-key", "match",
                                      "authentication", "keyring", "lifetime", "dpd",
                                      "identity", "no")),
        "gdoi": Unmodelled("gdoi", ("identity", "server", "crypto", "no")),
        "key": Accept("management plane", ("named-key", "key-string", "quit", "addressed-key",
                                           "address", "no")),
        "engine": PLATFORM, "logging": MGMT, "ssl": MGMT, "ssh": MGMT,
        "ca": Accept("certificates no policy uses"),
        "vpn": Unmodelled("ezvpn"),
    },
}

# Interface submode: keyword paths under `interface X` that are accepted or not modelled.
INTERFACE: dict[str, Node] = {
    "negotiation": HW, "duplex": HW, "speed": HW, "media-type": HW, "mop": HW, "cdp": HW,
    "bandwidth": HW, "load-interval": HW, "keepalive": HW, "delay": HW, "hold-queue": HW,
    "carrier-delay": HW, "mtu": HW, "logging": HW, "snmp": HW, "arp": HW, "mac-address": HW,
    "clock": HW, "encapsulation": HW, "atm": HW, "bundle-enable": HW, "full-duplex": HW,
    "half-duplex": HW, "serial": HW, "fair-queue": HW, "tx-ring-limit": HW,
    "pvc": Accept("interface hardware", ()), "dsl": HW, "lldp": HW, "dampening": HW, "power": HW, "autostate": HW,
    "max-reserved-bandwidth": HW, "queue-limit": HW, "physical-layer": HW, "dce": HW,
    "crc": HW, "invert": HW, "nameif": HW, "security-level": HW, "vlan-id": HW,
    "ipv6": IPV6, "ospfv3": IPV6, "qos": HW, "macro": HW, "storm-control": HW,
    "ppp": Accept("interface hardware"), "peer": HW,
    "standby": Unmodelled("hsrp"), "vrrp": Unmodelled("vrrp"), "glbp": Unmodelled("glbp"),
    "service-policy": Unmodelled("qos"), "zone-member": Unmodelled("zbf"),
    "switchport": Unmodelled("switching"), "channel-group": Unmodelled("switching"),
    "spanning-tree": Accept("switching defaults on a router"),
    "xconnect": Unmodelled("l2tpv3", ("l2tp", "no")),
    "pppoe": Unmodelled("pppoe"), "pppoe-client": Unmodelled("pppoe"),
    "dialer": Unmodelled("pppoe"), "dialer-group": Unmodelled("pppoe"),
    "vrf": Unmodelled("vrf"), "mpls": Unmodelled("mpls"),
    "crypto": {"ipsec": {"client": Unmodelled("ezvpn")}},
    "ip": {
        "virtual-reassembly": HW, "tcp": HW, "redirects": HW, "unreachables": HW,
        "proxy-arp": HW, "route-cache": HW, "mroute-cache": HW, "directed-broadcast": HW,
        "flow": HW, "helper-address": SERVICE, "split-horizon": HW, "summary-address": HW,
        "accounting": HW, "load-sharing": HW, "nbar": HW, "dhcp": SERVICE, "igmp": HW,
        "authentication": HW, "hello-interval": HW, "hold-time": HW, "bandwidth-percent": HW,
        "sap": HW, "information-reply": HW, "mask-reply": HW, "local-proxy-arp": HW,
        "dns": SERVICE, "ips": HW, "admission": HW, "auth-proxy": HW, "irdp": HW,
        "pim": Unmodelled("multicast"), "verify": Unmodelled("urpf"),
        "policy": Unmodelled("pbr"), "inspect": Unmodelled("cbac"),
        "vrf": Unmodelled("vrf"), "nhrp": Unmodelled("dmvpn"), "wccp": Unmodelled("wccp"),
        "rip": Unmodelled("rip"), "next-hop-self": Accept("EIGRP interface tuning"),
    },
}

# Other submodes: lines accepted under modelled blocks.
CRYPTO_MAP: dict[str, Node] = {"description": Accept("comments"), "qos": HW}
ISAKMP_PROFILE: dict[str, Node] = {"description": Accept("comments"),
                                   "vrf": Unmodelled("vrf"), "client": Unmodelled("ezvpn"),
                                   "isakmp": Unmodelled("ezvpn"), "virtual-template":
                                   Unmodelled("virtual-template"), "accounting": MGMT}
ROUTER_OSPF: dict[str, Node] = {
    "log-adjacency-changes": MGMT, "auto-cost": Accept("OSPF tuning"),
    "timers": Accept("OSPF tuning"), "ispf": Accept("OSPF tuning"),
    "max-metric": Accept("OSPF tuning"), "nsf": Accept("OSPF tuning"),
    "bfd": Accept("OSPF tuning"), "maximum-paths": Accept("OSPF tuning"),
    "area": Accept("OSPF areas (authentication, stub, ranges) not modelled"),
    "redistribute": Accept("OSPF redistribution (not modelled: only networks are advertised)"),
    "summary-address": Accept("OSPF tuning"), "distance": Accept("OSPF tuning"),
    "distribute-list": Accept("OSPF tuning"), "capability": Accept("OSPF tuning"),
    "compatible": Accept("OSPF tuning"), "prefix-suppression": Accept("OSPF tuning"),
    "mpls": Unmodelled("mpls"), "vrf": Unmodelled("vrf"),
}
