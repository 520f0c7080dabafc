"""``show crypto isakmp sa detail``, ``show crypto map`` and ``show crypto session detail``.

Layouts from real output:
* ``show crypto isakmp sa detail``: Cisco's genieparser fixture
  src/genie/libs/parser/iosxe/tests/ShowCryptoIsakmpSaDetail/cli/equal/golden_output_isakmp_output.txt
  (CiscoTestAutomation/genieparser, commit 366d83b9): a header line, a line with one blank, the
  column line ``C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime
  Cap.``, then per SA its row and ``       Engine-id:Conn-id =  SW:N``.
* ``show crypto map``: a GNS3 IOS 15.x capture published in
  JustinKQuijanoo/homelab-projects Networking/IPSec_VPN/Router_Config/GTL-R2.md and the genieparser
  fixtures iosxe/tests/ShowCryptoMap (tab-indented fields, ``Transform sets={``, ``Interfaces
  using crypto map NAME:``).
* ``show crypto session detail``: genieparser fixture
  src/genie/libs/parser/ios/tests/ShowCryptoSessionDetail/cli/equal/golden_output_output.txt.
Formatters are total: they never raise on odd values.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import Any

from ikesim.ike.natt import in_use as natt_in_use
from ikesim.net.config import DeviceConfig

_ENCR = {"des": "des", "3des": "3des", "aes128": "aes", "aes192": "aes", "aes256": "aes"}
_AUTH = {"pre-share": "psk", "rsa-sig": "rsig", "rsa-encr": "renc"}


def _ip(value: Any) -> str:
    try:
        return str(ipaddress.IPv4Address(value))
    except (ValueError, TypeError):
        return str(value)


def hms(seconds: float) -> str:
    """IOS lifetime ``HH:MM:SS`` (negative values print as 00:00:00)."""
    left = max(0, int(seconds))
    return f"{left // 3600:02d}:{left % 3600 // 60:02d}:{left % 60:02d}"


def show_crypto_isakmp_sa_detail(sas: list[Any], conn_id: Callable[[Any], int],
                                 now: float) -> list[str]:
    """``sas``: ISAKMP SA records (``local``, ``peer``, ``negotiated``, ``established_at``,
    ``deleted``, ``serial``); ``conn_id``: the C-id IOS shows for one."""
    lines = ["IPv4 Crypto ISAKMP SA", " ",
             "C-id  Local           Remote          I-VRF  Status Encr Hash   Auth DH Lifetime "
             "Cap.", " "]
    for sa in sas:
        neg = getattr(sa, "negotiated", None)
        encr = _ENCR.get(getattr(neg, "encryption", ""), "")
        hash_ = getattr(neg, "hash", "") or ""
        auth = _AUTH.get(getattr(neg, "authentication", ""), "")
        group = str(getattr(neg, "group", "")) if neg is not None else ""
        started = getattr(sa, "established_at", None)
        lifetime = hms(started + neg.lifetime - now) if neg is not None and started is not None \
            else ""
        status = "ACTIVE" if not getattr(sa, "deleted", False) else "ACTIVE (deleted)"
        cid = conn_id(sa)
        lines.append(f"{cid:<5} {_ip(sa.local):<15} {_ip(sa.peer):<15} {'':<6} {status} "
                     f"{encr:<4} {hash_:<6} {auth:<4} {group:<2} {lifetime:<8} ")
        lines += [f"       Engine-id:Conn-id =  SW:{getattr(sa, 'serial', 0)}", " "]
    return lines + ["IPv6 Crypto ISAKMP SA", ""]


def show_crypto_map(config: DeviceConfig, acl_line: Callable[[str, Any, str], str],
                    current_peer: Callable[[Any], Any]) -> list[str]:
    """Every crypto map entry of ``config``; ``acl_line(name, entry, kind)`` prints one ACL entry
    as IOS does (``access-list 101 permit ip ...``); ``current_peer(address)`` is the peer IOS
    reports as current for an entry (the first one when no SA exists)."""
    crypto = config.crypto
    lines: list[str] = []
    interfaces: dict[str, list[str]] = {}
    for iface in config.interfaces.values():
        if iface.crypto_map is not None:
            interfaces.setdefault(iface.crypto_map, []).append(iface.name)
    for name in crypto.maps:
        for entry in crypto.map_entries(name):
            lines.append(f'Crypto Map IPv4 "{name}" {entry.sequence} ipsec-isakmp')
            if entry.dynamic_map is not None:
                lines += [f"\tDynamic map template tag: {entry.dynamic_map}", ""]
                continue
            if not entry.peers or entry.match_acl is None:
                lines += ["\tWARNING: This crypto map is in an incomplete state!",
                          "\t\t(missing peer or access-list definitions)"]
            lines += [f"\tPeer = {peer}" for peer in entry.peers]
            if entry.isakmp_profile is not None:
                lines.append(f"\tISAKMP Profile: {entry.isakmp_profile}")
            acl = config.acls.get(entry.match_acl or "")
            if acl is not None:
                kind = "Extended" if acl.kind == "extended" else "Standard"
                lines.append(f"\t{kind} IP access list {acl.name}")
                lines += [f"\t    {acl_line(acl.name, e, acl.kind)}" for e in acl.entries]
            elif entry.match_acl is not None:
                lines.append(f"\tExtended IP access list {entry.match_acl} (not defined)")
            if entry.peers:
                lines.append(f"\tCurrent peer: {current_peer(entry.peers[0])}")
            kilobytes = entry.lifetime_kilobytes or crypto.ipsec_lifetime_kilobytes
            seconds = entry.lifetime_seconds or crypto.ipsec_lifetime_seconds
            lines.append(f"\tSecurity association lifetime: {kilobytes} kilobytes/{seconds} "
                         "seconds")
            lines.append("\tResponder-Only (Y/N): N")
            pfs = f"Y\n\tDH group:  group{entry.pfs_group}" if entry.pfs_group else "N"
            lines += f"\tPFS (Y/N): {pfs}".split("\n")
            if entry.reverse_route:
                lines.append("\tReverse Route Injection Enabled")
            lines.append("\tTransform sets={ ")
            for tname in entry.transform_sets:
                tset = crypto.transform_sets.get(tname)
                body = " ".join(tset.transforms) if tset is not None else ""
                lines.append(f"\t\t{tname}:  {{ {body}  }} , ")
            lines.append("\t}")
            lines.append(f"\tInterfaces using crypto map {name}:")
            lines += [f"\t\t{iface}" for iface in interfaces.get(name, [])]
            lines.append("")
    return lines


_SESSION_CODES = [
    "Code: C - IKE Configuration mode, D - Dead Peer Detection     ",
    "K - Keepalives, N - NAT-traversal, T - cTCP encapsulation     ",
    "X - IKE Extended Authentication, F - IKE Fragmentation",
    "R - IKE Auto Reconnect, U - IKE Dynamic Route Update",
    "S - SIP VPN", ""]


def _uptime(seconds: float) -> str:
    left = max(0, int(seconds))
    days, rest = divmod(left, 86400)
    if days:
        return f"{days}d{rest // 3600}h"
    return hms(rest)


def _life(sa: Any, now: float) -> str:
    """``KB/Sec`` remaining: kilobytes left and seconds left of an IPsec SA."""
    try:
        kb = max(0, sa.lifetime_kb - sa.octets // 1024)
        secs = max(0, int(sa.created_at + sa.lifetime_seconds - now))
        return f"{kb}/{secs}"
    except (AttributeError, TypeError):
        return "0/0"


def show_crypto_session_detail(flows: list[Any], ike_sa: Callable[[int], Any],
                               conn_id: Callable[[Any], int], now: float,
                               profile: Callable[[Any], str | None]) -> list[str]:
    """``show crypto session detail``: per interface and peer, the IKE SA (with capabilities,
    connection id and remaining lifetime) and each IPsec flow with its counters.
    ``ike_sa(peer)``: the peer's live ISAKMP SA or None; ``profile(flow)``: its ISAKMP profile."""
    lines = ["Crypto session current status", "", *_SESSION_CODES]
    groups: dict[tuple[str, int], list[Any]] = {}
    for flow in flows:
        groups.setdefault((flow.interface, flow.current_peer), []).append(flow)
    for (iface, peer), group in groups.items():
        sa = ike_sa(peer)
        has_sa = any(f.pair is not None for f in group)
        up = sa is not None and getattr(sa, "established_at", None) is not None
        status = ("UP-ACTIVE" if has_sa else "UP-IDLE") if up else \
            ("UP-NO-IKE" if has_sa else "DOWN")
        lines.append(f"Interface: {iface}")
        prof = profile(group[0])
        if prof:
            lines.append(f"Profile: {prof}")
        if up:
            lines.append(f"Uptime: {_uptime(now - sa.established_at)}")
        # after NAT-T the SA's ports: 4500 and the peer's floated one, capability N (a
        # CSR1000's session detail, Microsoft Learn, ExpressRoute: site-to-site VPN over
        # Microsoft peering; the code legend above)
        local_port = getattr(sa, "local_port", 500) if sa is not None else 500
        peer_port = getattr(sa, "peer_port", 500) if sa is not None else 500
        natt = sa is not None and natt_in_use(sa)
        lines += [f"Session status: {status:<14}",
                  f"Peer: {_ip(peer)} port {peer_port} fvrf: (none) ivrf: (none)",
                  f"      Phase1_id: {_ip(peer)}", "      Desc: (none)", "  Session ID: 0  "]
        if sa is not None:
            state = "Active" if up else "Inactive"
            lines.append(f"  IKEv1 SA: local {_ip(sa.local)}/{local_port} remote {_ip(peer)}/"
                         f"{peer_port} {state} ")
            neg = getattr(sa, "negotiated", None)
            left = hms(sa.established_at + neg.lifetime - now) if up and neg is not None \
                else "00:00:00"
            caps = "N" if natt else "(none)"
            lines.append(f"          Capabilities:{caps} connid:{conn_id(sa)} lifetime:{left}")
        for flow in group:
            p = flow.proxy
            proto = "ip" if p.protocol == 0 else str(p.protocol)
            lines += [f"  IPSEC FLOW: permit {proto} {_ip(p.local_net)}/{_ip(p.local_mask)} "
                      f"{_ip(p.remote_net)}/{_ip(p.remote_mask)} ",
                      f"        Active SAs: {2 if flow.pair else 0}, origin: crypto map"]
            if flow.pair is not None:
                inb, outb = flow.pair.inbound, flow.pair.outbound
                lines += [f"        Inbound:  #pkts dec'ed {inb.packets} drop 0 life (KB/Sec) "
                          f"{_life(inb, now)}",
                          f"        Outbound: #pkts enc'ed {outb.packets} drop 0 life (KB/Sec) "
                          f"{_life(outb, now)}"]
        lines.append("")
    return lines


__all__ = ["hms", "show_crypto_isakmp_sa_detail", "show_crypto_map", "show_crypto_session_detail"]
