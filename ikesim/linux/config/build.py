"""A :class:`LinuxConfig` as the network model and the engine need it: the device's
:class:`~ikesim.net.config.DeviceConfig` (interfaces, static routes, crypto data) and the
phase-2 policies (one per child and peer, the crypto map entries of a Linux gateway).

Secrets are matched to connections as charon and pluto match them: by the two identities of
the connection (ours, or our address; the peer's, or its address), the secret naming both
first, then one naming the peer, then one naming us, then one naming nobody (strongSwan's
shared-key lookup ranks ID_MATCH_PERFECT over ID_MATCH_ANY the same way; ipsec.secrets(5)).
A connection without any matching secret is an error naming it: a lab would only ever show
"no shared key found".
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from ikesim.errors import InputError
from ikesim.ike.policy import ConnectionIdentities, CryptoConfig, IsakmpPolicy, PresharedKey
from ikesim.ipsec.sa import Proxy
from ikesim.linux.config.model import (
    ID_IPV4_ADDR,
    Connection,
    Identity,
    LinuxConfig,
    Secret,
)
from ikesim.net.config import DeviceConfig, InterfaceConfig, StaticRoute

if TYPE_CHECKING:      # ike.quick pulls in the crypto stack: not for `ikesim validate`
    from ikesim.ike.quick import Phase2Policy

_MASK32 = 0xFFFFFFFF


def device_config(cfg: LinuxConfig) -> DeviceConfig:
    """Interfaces, routes and crypto of a Linux gateway (errors name the line at fault)."""
    dev = DeviceConfig(hostname=cfg.hostname)
    for a in cfg.addresses:
        if a.interface in dev.interfaces:
            raise InputError(f"{a.interface} has two IPv4 addresses: ikesim models one per "
                             "interface", file=cfg.file, line=a.line)
        dev.interfaces[a.interface] = InterfaceConfig(
            a.interface, a.address, shutdown=a.interface in cfg.links_down, line=a.line)
    for r in cfg.routes:
        if r.dev is not None and r.dev not in dev.interfaces:
            raise InputError(f"Cannot find device \"{r.dev}\"", file=cfg.file, line=r.line)
        if r.via is not None and r.dev is None and not any(
                r.via in i.address.network for i in dev.interfaces.values() if i.address):
            raise InputError("Error: Nexthop has invalid gateway.", file=cfg.file,
                             line=r.line)
        dev.static_routes.append(StaticRoute(r.prefix, r.via, r.dev,
                                             max(1, min(255, r.metric or 1)), r.line))
    dev.crypto = crypto_config(cfg)
    return dev


def _own_id(conn: Connection) -> Identity:
    return conn.local_id or Identity(ID_IPV4_ADDR, str(conn.local_addrs[0]))


def _peer_id(conn: Connection, peer: ipaddress.IPv4Network) -> Identity | None:
    if conn.remote_id is not None:
        return conn.remote_id
    if peer.prefixlen == 32:
        return Identity(ID_IPV4_ADDR, str(peer.network_address))
    return None


def find_secret(conn: Connection, peer: ipaddress.IPv4Network, secrets: list[Secret]
                ) -> Secret | None:
    mine, theirs = _own_id(conn), _peer_id(conn, peer)
    best, best_rank = None, 0
    for s in secrets:
        names_me, names_them = mine in s.ids, theirs is not None and theirs in s.ids
        if s.ids and not (names_me or names_them):
            continue
        rank = 4 if names_me and names_them else 3 if names_them else 2 if names_me else 1
        if rank > best_rank:
            best, best_rank = s, rank
    return best


def crypto_config(cfg: LinuxConfig) -> CryptoConfig:
    crypto = CryptoConfig(kernel_ipsec=cfg.kernel_ipsec)
    priority = 0
    for conn in cfg.connections:
        for p in conn.proposals:
            priority += 1
            crypto.policies[priority] = IsakmpPolicy(priority, p.encryption, p.hash,
                                                     "pre-share", p.group, conn.ike_lifetime,
                                                     conn.line)
        for peer in conn.remote_addrs:
            if peer.prefixlen != 32:
                raise InputError(f"connection '{conn.name}': ikesim needs the peer's address "
                                 "(%any peers are not supported yet)", file=cfg.file,
                                 line=conn.line)
            secret = find_secret(conn, peer, cfg.secrets)
            if secret is None:
                theirs = _peer_id(conn, peer)
                raise InputError(f"no pre-shared key in the secrets for connection "
                                 f"'{conn.name}' ('{_own_id(conn)}' - "
                                 f"'{theirs if theirs is not None else '%any'}')",
                                 file=cfg.file, line=conn.line)
            crypto.keys.append(PresharedKey(secret.secret, peer.network_address,
                                            peer.netmask, secret.line))
            if conn.local_id is not None or conn.remote_id is not None:
                mine, expected = _own_id(conn), conn.remote_id
                key = int(peer.network_address) if peer.prefixlen == 32 else 0
                crypto.identities[key] = ConnectionIdentities(
                    mine.kind, mine.wire, expected.kind if expected else None,
                    expected.wire if expected else b"")
    return crypto


def phase2_policies(cfg: LinuxConfig) -> list[Phase2Policy]:
    """Every child of every connection with a known peer address, as quick mode sees it."""
    from ikesim.ike.quick import Phase2Policy

    out: list[Phase2Policy] = []
    for conn in cfg.connections:
        for peer in conn.remote_addrs:
            if peer.prefixlen != 32:
                continue           # %any: answered with the phase-1 SA, never initiated
            for index, child in enumerate(conn.children, start=1):
                proxies = tuple(Proxy(int(lt.network_address), int(lt.netmask),
                                      int(rt.network_address), int(rt.netmask))
                                for lt in child.local_ts for rt in child.remote_ts)
                transforms = tuple((child.name, e.transform) for e in child.esp)
                pfs = child.esp[0].pfs_group if child.esp else None
                out.append(Phase2Policy(conn.name, index, int(peer.network_address),
                                        transforms, proxies, pfs, child.life_time, 0, ""))
    return out
