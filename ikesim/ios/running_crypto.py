"""The ``crypto ...`` section of ``show running-config``, in the order IOS 15.x/IOS-XE prints it
(seen in real captures, e.g. tests/data/real-configs/batfish-aws-cisco_host.cfg and
krut0g0lov-R1.cfg): trustpoints, keyrings, ISAKMP policies, keys, keepalive, NAT keepalive,
peers, profiles, global IPsec lines, transform sets, df-bit, IPsec profiles, dynamic maps, crypto
maps. Values equal to IOS defaults are omitted, as IOS does; IOS prints a trailing space after
``crypto ipsec transform-set ...``, ``crypto map ... ipsec-isakmp`` and ``set transform-set``.
"""

from __future__ import annotations

from ikesim.ike.policy import CryptoConfig, CryptoMapEntry, IsakmpPolicy, PresharedKey

_DEFAULT_POLICY = IsakmpPolicy(priority=0)
_DEFAULTS = CryptoConfig()


def policy_lines(policy: IsakmpPolicy) -> list[str]:
    lines = [f"crypto isakmp policy {policy.priority}"]
    if policy.encryption != _DEFAULT_POLICY.encryption:
        enc = policy.encryption
        if enc.startswith("aes"):
            enc = "aes" if enc == "aes128" else f"aes {enc[3:]}"
        lines.append(f" encr {enc}")
    if policy.hash != _DEFAULT_POLICY.hash:
        lines.append(f" hash {policy.hash}")
    if policy.authentication != _DEFAULT_POLICY.authentication:
        lines.append(f" authentication {policy.authentication}")
    if policy.group != _DEFAULT_POLICY.group:
        lines.append(f" group {policy.group}")
    if policy.lifetime != _DEFAULT_POLICY.lifetime:
        lines.append(f" lifetime {policy.lifetime}")
    return lines


def _key_target(key: PresharedKey, *, in_keyring: bool = False) -> str:
    """Real captures: a global wildcard key prints as `address 0.0.0.0`
    (tests/data/real-configs/marius-R1.cfg, IOS 15.x), a keyring's as `address 0.0.0.0 0.0.0.0`
    (keithgrennier-HQ.cfg, IOS-XE 17.3)."""
    if key.hostname is not None:
        return f"hostname {key.hostname}"
    wildcard = key.prefix_length == 0 and int(key.address) == 0 and not in_keyring
    tail = "" if key.prefix_length == 32 or wildcard else f" {key.mask}"
    return f"address {key.address}{tail}"


def _sa_lifetime_lines(target: CryptoMapEntry | object) -> list[str]:
    out = []
    seconds = getattr(target, "lifetime_seconds", None)
    kilobytes = getattr(target, "lifetime_kilobytes", None)
    if seconds is not None:
        out.append(f" set security-association lifetime seconds {seconds}")
    if kilobytes is not None:
        out.append(f" set security-association lifetime kilobytes {kilobytes}")
    return out


def _entry_lines(head: str, entry: CryptoMapEntry) -> list[str]:
    lines = [head]
    if entry.description is not None:
        lines.append(f" description {entry.description}")
    lines += [f" set peer {peer}" for peer in entry.peers]
    lines += _sa_lifetime_lines(entry)
    if entry.transform_sets:
        lines.append(f" set transform-set {' '.join(entry.transform_sets)} ")
    if entry.pfs_group is not None:
        lines.append(f" set pfs group{entry.pfs_group}")
    if entry.isakmp_profile is not None:
        lines.append(f" set isakmp-profile {entry.isakmp_profile}")
    if entry.match_acl is not None:
        lines.append(f" match address {entry.match_acl}")
    if entry.reverse_route:
        lines.append(" reverse-route")
    return lines


def crypto_lines(crypto: CryptoConfig) -> list[str]:
    """The crypto section, with the ``!`` separators IOS puts between its parts."""
    lines: list[str] = []
    for tp in crypto.trustpoints.values():
        lines.append(f"crypto pki trustpoint {tp.name}")
        for word, value in (("enrollment", tp.enrollment), ("subject-name", tp.subject_name),
                            ("revocation-check", tp.revocation_check)):
            if value is not None:
                lines.append(f" {word} {value}")
        lines.append("!")
    for ring in crypto.keyrings.values():
        lines.append(f"crypto keyring {ring.name}  ")
        if ring.local_address is not None:
            lines.append(f"  local-address {ring.local_address}")
        lines += [f"  pre-shared-key {_key_target(k, in_keyring=True)} key {k.key}"
                  for k in ring.keys]
    for policy in crypto.policies_in_order():
        lines += policy_lines(policy)
    lines += [f"crypto isakmp key {k.key} {_key_target(k)}" for k in crypto.keys]
    if crypto.identity != _DEFAULTS.identity:
        lines.append(f"crypto isakmp identity {crypto.identity}")
    if crypto.aggressive_mode is False:
        lines.append("crypto isakmp aggressive-mode disable")
    if crypto.keepalive is not None:
        seconds, retry = crypto.keepalive
        text = f"crypto isakmp keepalive {seconds}" + (f" {retry}" if retry != 2 else "")
        if crypto.keepalive_mode != "on-demand":
            text += f" {crypto.keepalive_mode}"
        lines.append(text)
    if crypto.nat_keepalive is not None:
        lines.append(f"crypto isakmp nat keepalive {crypto.nat_keepalive}")
    if crypto.in_negotiation_limit is not None:
        lines.append(f"crypto call admission limit ike in-negotiation-sa "
                     f"{crypto.in_negotiation_limit}")
    for peer in crypto.peers:
        target = f"address {peer.address}" if peer.address is not None \
            else f"hostname {peer.hostname}"
        lines.append(f"crypto isakmp peer {target}")
        if peer.aggressive_client_endpoint is not None:
            lines.append(f" set aggressive-mode client-endpoint "
                         f"{peer.aggressive_client_endpoint}")
        if peer.aggressive_password is not None:
            lines.append(f" set aggressive-mode password {peer.aggressive_password}")
    lines += _profile_lines(crypto)
    if lines:
        lines += ["!", "!"]
    lines += _ipsec_lines(crypto)
    lines += _map_lines(crypto)
    return lines


def _profile_lines(crypto: CryptoConfig) -> list[str]:
    lines: list[str] = []
    for prof in crypto.isakmp_profiles.values():
        lines.append(f"crypto isakmp profile {prof.name}")
        lines += [f"   keyring {name}" for name in prof.keyrings]
        lines += [f"   ca trust-point {name}" for name in prof.trustpoints]
        if prof.self_identity is not None:
            lines.append(f"   self-identity {prof.self_identity}")
        for ident in prof.identities:
            if ident.kind == "address":
                mask = f" {ident.mask}" if ident.mask is not None else ""
                lines.append(f"   match identity address {ident.value}{mask} ")
            elif ident.kind == "host-domain":
                lines.append(f"   match identity host domain {ident.value}")
            else:
                lines.append(f"   match identity {ident.kind} {ident.value}")
        if prof.keepalive is not None:
            lines.append(f"   keepalive {prof.keepalive[0]} retry {prof.keepalive[1]}")
        if prof.local_address is not None:
            lines.append(f"   local-address {prof.local_address}")
        if prof.initiate_aggressive:
            lines.append("   initiate mode aggressive")
    return lines


def _ipsec_lines(crypto: CryptoConfig) -> list[str]:
    lines: list[str] = []
    if crypto.ipsec_lifetime_seconds != _DEFAULTS.ipsec_lifetime_seconds:
        lines.append(f"crypto ipsec security-association lifetime seconds "
                     f"{crypto.ipsec_lifetime_seconds}")
    if crypto.ipsec_lifetime_kilobytes != _DEFAULTS.ipsec_lifetime_kilobytes:
        lines.append(f"crypto ipsec security-association lifetime kilobytes "
                     f"{crypto.ipsec_lifetime_kilobytes}")
    if crypto.replay_window != _DEFAULTS.replay_window:
        lines.append(f"crypto ipsec security-association replay window-size "
                     f"{crypto.replay_window}")
    if lines:
        lines.append("!")
    for tset in crypto.transform_sets.values():
        lines.append(f"crypto ipsec transform-set {tset.name} {' '.join(tset.transforms)} ")
        # IOS 15.x prints the mode line even for the default (seen in real captures); 12.x
        # printed it only for transport. Kept as before: only when not tunnel.
        if tset.mode != "tunnel":
            lines.append(f" mode {tset.mode}")
        lines.append("!")
    if crypto.df_bit != _DEFAULTS.df_bit:
        lines.append(f"crypto ipsec df-bit {crypto.df_bit}")
    if not crypto.nat_transparency:
        lines.append("no crypto ipsec nat-transparency udp-encapsulation")
    for prof in crypto.ipsec_profiles.values():
        lines.append(f"crypto ipsec profile {prof.name}")
        lines += _sa_lifetime_lines(prof)
        if prof.transform_sets:
            lines.append(f" set transform-set {' '.join(prof.transform_sets)} ")
        if prof.pfs_group is not None:
            lines.append(f" set pfs group{prof.pfs_group}")
        if prof.isakmp_profile is not None:
            lines.append(f" set isakmp-profile {prof.isakmp_profile}")
        lines.append("!")
    return lines


def _map_lines(crypto: CryptoConfig) -> list[str]:
    lines: list[str] = []
    for name, entries in crypto.dynamic_maps.items():
        for entry in sorted(entries, key=lambda e: e.sequence):
            lines += _entry_lines(f"crypto dynamic-map {name} {entry.sequence}", entry)
        lines.append("!")
    for name in crypto.maps:
        if name in crypto.map_local_address:
            lines.append(f"crypto map {name} local-address {crypto.map_local_address[name]}")
        for entry in crypto.map_entries(name):
            head = f"crypto map {name} {entry.sequence} ipsec-isakmp "
            if entry.dynamic_map is not None:
                head += f"dynamic {entry.dynamic_map} "
            lines += _entry_lines(head, entry)
        lines.append("!")
    return lines


__all__ = ["crypto_lines", "policy_lines"]
