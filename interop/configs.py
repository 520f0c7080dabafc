"""The real daemons' configuration files for ``make interop`` (interop/harness.py): charon's
strongswan.conf and swanctl.conf, pluto's ipsec.conf. All addresses are loopback ones."""

from __future__ import annotations

from pathlib import Path

CHARON_PORT, CHARON_NATT_PORT = 10500, 14500     # the live: section's ports
PLUGINS = ("random nonce openssl aes sha1 sha2 md5 hmac gmp kernel-netlink socket-default "
           "vici")
# ESP in user space: the kernel here has no usable ESP transform, so charon's kernel-libipsec
# plugin (Debian: libcharon-extra-plugins) installs the IPsec SAs and policies in libipsec and
# routes the covered traffic into a TUN device; "A network kernel backend is still required, so
# either the kernel-netlink or the kernel-pfroute plugin has to be enabled, too", and the ESP
# packets "are usually sent over the UDP sockets the daemon uses for IKE traffic, that is, the
# plugin enforces UDP encapsulation (NAT-T)" (https://docs.strongswan.org/docs/latest/plugins/
# kernel-libipsec.html). The first loaded kernel IPsec backend is used: kernel-libipsec goes
# before kernel-netlink, which then only installs the routes (table 220, into the TUN device).
PLUGINS_LIBIPSEC = ("random nonce openssl aes sha1 sha2 md5 hmac gmp kernel-libipsec "
                    "kernel-netlink socket-default vici")
INSIDE = "172.16.1.1"     # charon's inside address (a veth interface), in its local_ts


def strongswan_conf(folder: Path, *, libipsec: bool = False) -> str:
    return f"""charon {{
  load = {PLUGINS_LIBIPSEC if libipsec else PLUGINS}
  port = {CHARON_PORT}
  port_nat_t = {CHARON_NATT_PORT}
  install_routes = {"yes" if libipsec else "no"}
  plugins {{
    vici {{
      socket = unix://{folder}/charon.vici
    }}
  }}
  filelog {{
    run {{
      path = {folder}/charon.log
      time_format = %s
      time_add_ms = yes
      ike_name = yes
      default = 1
      ike = 2
      net = 2
      esp = 2
      flush_line = yes
    }}
  }}
}}
swanctl {{
  load = pem pkcs1 x509 revocation constraints pubkey openssl random
}}
"""


def swanctl_conf(local: str, remote: str, secret: str = "cisco123", *,
                 encap: bool = False) -> str:
    """The initiator's connection: rt1's of ../shared/fidelity/linux run A, on loopback.
    ``encap``: force UDP encapsulation (swanctl.conf ``encap = yes``: charon sends a NAT-D
    hash that cannot match, so the peer detects a NAT, RFC 3947 §3.2)."""
    return f"""connections {{
    vpn {{
        version = 1
        aggressive = no
        local_addrs = {local}
        remote_addrs = {remote}
        proposals = 3des-sha1-modp1024
        encap = {"yes" if encap else "no"}
        dpd_delay = 0s
        local {{
            auth = psk
            id = {local}
        }}
        remote {{
            auth = psk
            id = {remote}
        }}
        children {{
            net {{
                local_ts = 172.16.1.0/24
                remote_ts = 172.16.2.0/24
                esp_proposals = 3des-sha1
                mode = tunnel
                start_action = none
            }}
        }}
    }}
}}
secrets {{
    ike-peer {{
        id-a = {local}
        id-b = {remote}
        secret = "{secret}"
    }}
}}
"""


def libreswan_conf(local: str, remote: str) -> str:
    """rt1's conn of ../shared/fidelity/linux run D (MODP1536: Debian's build has no
    MODP1024; IKEv1 needs ikev1-policy=accept), on loopback."""
    return f"""config setup
    ikev1-policy=accept
    listen={local}

conn vpn
    ikev2=no
    authby=secret
    left={local}
    leftid={local}
    leftsubnet=172.16.1.0/24
    right={remote}
    rightid={remote}
    rightsubnet=172.16.2.0/24
    ike=3des-sha1;modp1536
    esp=3des-sha1
    pfs=no
    keyingtries=1
    auto=add
"""
