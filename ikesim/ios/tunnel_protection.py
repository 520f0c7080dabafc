"""`tunnel protection ipsec profile P`: the crypto side of route-based VPNs.

Each protected tunnel interface gets a :class:`TunnelProtector`, attached with
``Tunnels.attach`` (the hook of ``ikesim.net.tunnel``), and a phase-2 policy built from the
`crypto ipsec profile` (transform sets, `set pfs`, `set security-association lifetime`, `set
isakmp-profile`), shown as IOS shows it: crypto map ``Tunnel0-head-0``, the profile instance
numbered 65537 (real IOS 15 `show crypto map` of a protected tunnel: "Crypto Map
"Tunnel0-head-0" 65537 ipsec-isakmp / MAP is a PROFILE INSTANCE. / Peer = 15.1.1.1 /
access-list Crypto-ACL permit gre 25.2.2.2 host 15.1.1.1 ... Interfaces using crypto map
Tunnel0-head-0: Tunnel0", DMVPN course notes in hmchen47/DevOps,
Networking/CiscoCert/350-701.SCOR/CBT/07-DMVPN.md; see ``show_tunnel_maps``).

Proxy identities, as IOS proposes them (real `show crypto ipsec sa` captures of public labs):
- GRE (`tunnel mode gre ip`): the GRE packets between the tunnel source and destination, host to
  host, protocol 47: "local ident (addr/mask/prot/port): (10.11.1.2/255.255.255.255/47/0)";
- static VTI (`tunnel mode ipsec ipv4`): any to any, "(0.0.0.0/0.0.0.0/0/0)"; the Cisco IOS XE
  Security Configuration Guide (IPsec Virtual Tunnel Interfaces, Restrictions): "The traffic
  selector for the IPsec SA is always 'IP any any'", and the VTI accepts only that
  ("Only strict IP ANY ANY proxy is supported", 12.4T guide): ``Phase2Policy.strict_proxy``.

What is protected: the GRE packet on a GRE tunnel (ESP tunnel mode, or transport mode when the
transform set says `mode transport`: the GRE packet's addresses are the peers'), the inner
packet on a VTI. Without an IPsec SA nothing leaves: the packet is dropped and an SA is
requested (the tunnel records ``tunnel-no-ipsec-sa``); clear GRE arriving for a protected
tunnel is dropped by the tunnel (``tunnel-not-ipsec``).

The crypto socket: IOS opens it when the tunnel can carry traffic and negotiates the SA without
waiting for traffic, which a VTI needs since its line protocol stays down until an SA exists
(ccie.nyquist.eu, "IPsec VTI 101": "The line protocol of this interface will depend on the
IPSec SA status"; Cisco, "Configure Multi-SA Virtual Tunnel Interface" (214728): a VTI makes
it "easier to determine tunnel up/down status"). guess: a GRE tunnel's socket does the same,
and a socket without an SA asks again every RETRY seconds (IOS's own interval is not in the
sources found); two routers that start together then both initiate, as the real `show crypto
isakmp sa` of protected tunnels shows (one QM_IDLE SA in each direction).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ikesim.ike.quick import Phase2Policy
from ikesim.ios.crypto_records import dotted as _dotted
from ikesim.ipsec.sa import IpsecSaPair, Proxy
from ikesim.ipsec.transforms import TransformError, from_keywords
from ikesim.net.config import DeviceConfig, InterfaceConfig
from ikesim.net.gre import PROTO_GRE
from ikesim.net.packet import Packet

if TYPE_CHECKING:
    from ikesim.ios.crypto import CryptoService
    from ikesim.net.interface import Interface

PROFILE_SEQUENCE = 65536       # "Crypto Map "Tunnel0-head-0" 65536 ipsec-isakmp / Profile name"
INSTANCE_SEQUENCE = 65537      # "... 65537 ipsec-isakmp / MAP is a PROFILE INSTANCE."
HOST = 0xFFFFFFFF
ANY = Proxy(0, 0, 0, 0, 0)
RETRY = 10.0                   # seconds between two requests of a socket without an SA (guess)


def head_map(tunnel: str) -> str:
    """The crypto map name IOS gives a protected tunnel: ``Tunnel0-head-0``."""
    return f"{tunnel}-head-0"


def _address_of(config: DeviceConfig, source: str | None) -> int:
    """The configured address of a tunnel source (an interface or a dotted address); 0 when
    it has none."""
    if source is None:
        return 0
    iface = config.interfaces.get(source)
    if iface is not None:
        return int(iface.address.ip) if iface.address is not None else 0
    parts = source.split(".")
    if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
        return int.from_bytes(bytes(int(p) for p in parts), "big")
    return 0


def protection_policy(config: DeviceConfig, name: str,
                      iface: InterfaceConfig) -> Phase2Policy | None:
    """The phase-2 policy of a protected tunnel; None when the tunnel has no destination, no
    source address, or its profile is missing or has no usable transform set (IOS negotiates
    nothing for it: the tunnel then drops what it should protect)."""
    tunnel = iface.tunnel
    if tunnel is None or tunnel.protection is None or tunnel.destination is None:
        return None
    crypto = config.crypto
    profile = crypto.ipsec_profiles.get(tunnel.protection)
    local = _address_of(config, tunnel.source)
    if profile is None or not local:
        return None
    transforms = []
    for set_name in profile.transform_sets:
        tset = crypto.transform_sets.get(set_name)
        if tset is None:
            continue
        try:
            transforms.append((set_name, from_keywords(tset.transforms, tset.mode)))
        except TransformError:
            continue
    if not transforms:
        return None
    peer = int(tunnel.destination)
    vti = tunnel.mode == "ipsec"
    proxy = ANY if vti else Proxy(local, HOST, peer, HOST, PROTO_GRE)
    return Phase2Policy(
        head_map(name), INSTANCE_SEQUENCE, peer, tuple(transforms), (proxy,), profile.pfs_group,
        profile.lifetime_seconds or crypto.ipsec_lifetime_seconds,
        profile.lifetime_kilobytes or crypto.ipsec_lifetime_kilobytes, name,
        profile.isakmp_profile, local=local, strict_proxy=vti)


class TunnelProtector:
    """The crypto socket of one protected tunnel (``ikesim.net.tunnel.TunnelProtection``)."""

    __slots__ = ("service", "name", "policy", "_ticking")

    def __init__(self, service: CryptoService, name: str, policy: Phase2Policy | None) -> None:
        self.service = service
        self.name = name
        self.policy = policy
        self._ticking = False

    @property
    def proxy(self) -> Proxy | None:
        return self.policy.proxies[0] if self.policy is not None else None

    def pair(self) -> IpsecSaPair | None:
        """The newest live SA pair of this tunnel."""
        policy = self.policy
        if policy is None:
            return None
        return self.service.engine.ipsec_pair(policy.peer, policy.proxies[0])

    # -- output (the hook ikesim.net.tunnel calls) --------------------------------------
    def protect(self, packet: Packet, tunnel: Interface) -> bool:
        pair = self.pair()
        if pair is not None:
            self.service.encapsulate(packet, pair)
            return True
        self.request()
        return False

    # -- the socket ---------------------------------------------------------------------------
    def transport_ready(self) -> bool:
        """Whether the tunnel could carry traffic but for IPsec (source usable, destination
        routable): a GRE tunnel up, a VTI down only for want of an SA."""
        tunnels = self.service.node.tunnels
        state = tunnels.states.get(self.name) if tunnels is not None else None
        return state is not None and state.reason in ("", "no IPsec SA")

    def request(self) -> None:
        """Ask for the SA (nothing happens when one exists or is being negotiated)."""
        policy = self.policy
        if policy is None or not self.transport_ready():
            return
        self.service.request(policy, policy.proxies[0])

    def start(self) -> None:
        """Open the socket: request now and keep asking while no SA exists."""
        self.request()
        if not self._ticking and self.policy is not None:
            self._ticking = True
            self._schedule()

    def _schedule(self) -> None:
        timer = self.service.env.timeout(RETRY)
        timer.callbacks.append(self._tick)

    def _tick(self, _event: Any) -> None:
        if self.service.protectors.get(self.name) is not self:
            return                     # reconfigured away: this socket is closed
        if self.pair() is None:
            self.request()
        self._schedule()

    def refresh(self) -> None:
        """SA pairs changed: a VTI's line protocol follows whether one exists, and a socket
        that lost its SA (lifetime, `clear crypto sa`, the peer's DELETE) asks again at once."""
        tunnels = self.service.node.tunnels
        iface = self.service.node.interfaces.get(self.name)
        if tunnels is None or iface is None:
            return
        up = self.pair() is not None
        if up != iface.protection_up:
            tunnels.set_protection_up(iface, up)
        if not up and self._ticking:
            self.request()


def build_protectors(service: CryptoService, config: DeviceConfig) -> dict[str, TunnelProtector]:
    """A protector for every tunnel interface with `tunnel protection ipsec profile`."""
    out: dict[str, TunnelProtector] = {}
    for name, iface in config.interfaces.items():
        if iface.tunnel is not None and iface.tunnel.protection is not None \
                and name in service.node.interfaces:
            out[name] = TunnelProtector(service, name, protection_policy(config, name, iface))
    return out


def show_tunnel_maps(config: DeviceConfig) -> list[str]:
    """The `show crypto map` entries of protected tunnels: the profile (65536) and its instance
    (65537) with the peer, the proxies as an unnamed access-list line and the interface.

    Layout from two real captures: an IOS 15 router's `do show crypto map` of a GRE tunnel
    with `tunnel protection` (hmchen47/DevOps, Networking/CiscoCert/350-701.SCOR/CBT/07-DMVPN.md,
    R2: "Responder-only (Y/N): N", "Mixed-mode : Disabled", "Demo-SET:    { esp-256-aes
    esp-sha512-hmac  }, ", "MAP is a PROFILE INSTANCE.") and Cisco's DMVPN Configuration Guide
    (IOS XE 16.6, "Sharing IPsec with Tunnel Protection", Spoke1# show crypto map: "access-list
    permit gre host 172.17.0.11 host 172.17.0.5", two spaces where the ACL name would be).
    guess: a VTI's any/any proxies print as `permit ip any any` (seen in the same notes only
    for an IKEv2 profile instance)."""
    crypto = config.crypto
    lines: list[str] = []
    for name, iface in config.interfaces.items():
        policy = protection_policy(config, name, iface)
        tunnel = iface.tunnel
        if policy is None or tunnel is None or tunnel.protection is None:
            continue
        profile = crypto.ipsec_profiles[tunnel.protection]
        pfs = ["\tPFS (Y/N): Y", f"\tDH group:  group{policy.pfs_group}"] \
            if policy.pfs_group else ["\tPFS (Y/N): N"]
        common = [f"\tSecurity association lifetime: {policy.lifetime_kb} kilobytes/"
                  f"{policy.lifetime_seconds} seconds", "\tResponder-only (Y/N): N", *pfs,
                  "\tMixed-mode : Disabled", "\tTransform sets={ ",
                  *[f"\t\t{n}:    {{ {t.ios_text}  }}, " for n, t in policy.transforms], "\t}"]
        proxy = policy.proxies[0]
        acl = ("permit ip any any" if proxy == ANY else
               f"permit gre host {_dotted(proxy.local_net)} host {_dotted(proxy.remote_net)}")
        head = policy.map_name
        lines += [f'Crypto Map "{head}" {PROFILE_SEQUENCE} ipsec-isakmp',
                  f"\tProfile name: {profile.name}", *common, "", "",
                  f'Crypto Map "{head}" {INSTANCE_SEQUENCE} ipsec-isakmp',
                  "\tMAP is a PROFILE INSTANCE.", f"\tPeer = {_dotted(policy.peer)}",
                  "\tExtended IP access list", f"\t    access-list  {acl}",
                  f"\tCurrent peer: {_dotted(policy.peer)}", *common,
                  f"\tInterfaces using crypto map {head}:", f"\t\t{name}", ""]
    return lines


__all__ = ["INSTANCE_SEQUENCE", "PROFILE_SEQUENCE", "TunnelProtector", "build_protectors",
           "head_map", "protection_policy", "show_tunnel_maps"]
